"""What /api/account/ssh-keys reads and writes."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from vpspanel.input_rules import DisplayName

PUBLIC_KEY_MAX_LENGTH = 16_384  # an RSA 16384-bit key line is about 2.8k; room for comments


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SshKeyIn(_Strict):
    name: DisplayName = Field(
        description="A name to recognise the key by, e.g. `laptop` (1-100 characters)."
    )
    public_key: str = Field(
        max_length=PUBLIC_KEY_MAX_LENGTH,
        description=(
            "One OpenSSH public key line, `<type> <base64> [comment]`, checked as deploy checks "
            "`ssh_keys`: ed25519, ECDSA, security-key types, or RSA of at least 2048 bits; a bad "
            "key is a 422 naming `public_key`; a key already saved is a 409 naming its "
            "fingerprint."
        ),
    )


class SshKeyPatch(_Strict):
    name: DisplayName = Field(description="The key's new name (1-100 characters).")


class SshKeyOut(_Strict):
    model_config = ConfigDict(from_attributes=True, extra="forbid")

    id: uuid.UUID = Field(description="The saved key's id; send it in `ssh_key_ids` to deploy.")
    name: str = Field(description="The key's name.")
    public_key: str = Field(description="The key as one clean OpenSSH line.")
    fingerprint: str = Field(
        description="OpenSSH's SHA256 fingerprint, `SHA256:<unpadded base64>` (`ssh-keygen -l`)."
    )
    created_at: datetime = Field(description="When the key was saved (UTC).")


class SshKeyEnvelope(_Strict):
    ssh_key: SshKeyOut = Field(description="The saved key.")


class SshKeyList(_Strict):
    ssh_keys: list[SshKeyOut] = Field(description="The user's saved keys, oldest first.")
