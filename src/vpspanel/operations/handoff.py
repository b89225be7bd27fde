"""Handing a root password from the request that accepted it to the worker that uses it.

The password is sealed with a key that exists only in this process's memory (never on disk,
never in settings) and the ciphertext rides on the operation row until the provider call is
made, then it is cleared. A database copy, backup or log of the row is useless without the
process: after a restart the key is gone and the operation fails with "retry with a new
password". See docs/decisions/root-password-handoff.md.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from datetime import timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# How long a sealed secret may wait for its worker. After that no process will unseal it
# (any worker then fails the operation), so a forgotten password cannot linger on a row.
SEAL_LIFETIME = timedelta(minutes=15)
_NONCE_BYTES = 12


class SecretHandoff:
    """A per-process sealing key. `key_id` is stored next to each ciphertext so a worker can
    tell which sealed operations it is able to run."""

    def __init__(self) -> None:
        self.key_id = secrets.token_hex(8)
        self._aead = AESGCM(AESGCM.generate_key(bit_length=256))

    def seal(self, plaintext: str, *, context: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return f"{self.key_id}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def unseal(self, token: str, *, context: str) -> str | None:
        """The plaintext, or None when this process did not seal it (or it was tampered with)."""
        key_id, _, payload = token.partition(".")
        if key_id != self.key_id:
            return None
        try:
            raw = base64.urlsafe_b64decode(payload.encode())
            return self._aead.decrypt(
                raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode()
            ).decode()
        except (binascii.Error, ValueError, InvalidTag):
            return None

    def owns(self, token: str) -> bool:
        return token.partition(".")[0] == self.key_id

    def __repr__(self) -> str:
        return f"SecretHandoff(key_id={self.key_id!r})"


_process_handoff = SecretHandoff()


def process_handoff() -> SecretHandoff:
    """The sealing key of this process, shared by its API and its in-process worker."""
    return _process_handoff


def secret_context(operation_id: object) -> str:
    return f"operations.sealed_secret:{operation_id}"
