"""Small format helpers shared by both simulated APIs."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from datetime import UTC, datetime

_KEY_TYPES = (
    "ssh-ed25519",
    "ssh-rsa",
    "ssh-dss",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
)


def linode_time(epoch: float) -> str:
    """Linode style: naive UTC, no zone suffix (e.g. `2018-01-01T00:01:01`)."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def do_time(epoch: float) -> str:
    """DigitalOcean style: ISO 8601 UTC with `Z`."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ssh_key_blob(public_key: str) -> bytes | None:
    """The decoded key blob of an OpenSSH public key line, or None if it is not one.

    The blob must start with its own (length-prefixed) key type, as real keys do.
    """
    parts = public_key.strip().split()
    if len(parts) < 2 or parts[0] not in _KEY_TYPES:
        return None
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(blob) < 4:
        return None
    name_length = int.from_bytes(blob[:4], "big")
    if blob[4 : 4 + name_length] != parts[0].encode():
        return None
    return blob


def md5_fingerprint(public_key: str) -> str:
    """The colon-separated MD5 fingerprint DigitalOcean shows (`ssh-keygen -E md5 -l`)."""
    blob = ssh_key_blob(public_key)
    if blob is None:
        raise ValueError("not an OpenSSH public key")
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def password_classes(password: str) -> int:
    """How many of lower, upper, digit, other the password uses."""
    return sum(
        bool(re.search(pattern, password))
        for pattern in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^a-zA-Z0-9]")
    )
