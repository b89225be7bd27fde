"""Checks we can make before calling a provider, so bad input never reaches it."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct

from vpspanel.providers.errors import ProviderValidationError

ROOT_PASS_MIN_LENGTH = 7  # Linode's documented minimum; the panel asks for more
ROOT_PASS_MAX_LENGTH = 128
_SSH_KEY_TYPES = frozenset(
    {
        "ssh-rsa",
        "ssh-dss",
        "ssh-ed25519",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com",
    }
)
_CHARACTER_CLASSES = (
    re.compile(r"[a-z]"),
    re.compile(r"[A-Z]"),
    re.compile(r"[0-9]"),
    re.compile(r"[^a-zA-Z0-9]"),
)


def check_root_pass(root_pass: str) -> None:
    """Length 7-128 and at least two character classes (Linode's published rule; Linode
    also scores strength server-side). Never echoes the password."""
    if not ROOT_PASS_MIN_LENGTH <= len(root_pass) <= ROOT_PASS_MAX_LENGTH:
        raise ProviderValidationError(
            "root_pass",
            f"must be {ROOT_PASS_MIN_LENGTH} to {ROOT_PASS_MAX_LENGTH} characters",
        )
    if any(ch in root_pass for ch in "\r\n\x00"):
        raise ProviderValidationError("root_pass", "must not contain line breaks or NUL")
    if sum(1 for pattern in _CHARACTER_CLASSES if pattern.search(root_pass)) < 2:
        raise ProviderValidationError(
            "root_pass", "is too weak: use at least two of lower, upper, digit, symbol"
        )


def ssh_key_blob(public_key: str) -> bytes:
    """The decoded key blob of an OpenSSH public key line ('type base64 [comment]')."""
    parts = public_key.strip().split()
    if len(parts) < 2 or parts[0] not in _SSH_KEY_TYPES:
        raise ProviderValidationError("ssh_public_keys", "is not an OpenSSH public key")
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        raise ProviderValidationError("ssh_public_keys", "has a malformed key body") from None
    # The blob starts with the key type as a length-prefixed string.
    if len(blob) < 4:
        raise ProviderValidationError("ssh_public_keys", "has a malformed key body")
    (type_length,) = struct.unpack(">I", blob[:4])
    if blob[4 : 4 + type_length] != parts[0].encode():
        raise ProviderValidationError("ssh_public_keys", "key body does not match its type")
    return blob


def check_ssh_public_keys(public_keys: list[str]) -> None:
    for public_key in public_keys:
        ssh_key_blob(public_key)


def ssh_fingerprint_md5(public_key: str) -> str:
    """The colon-separated MD5 fingerprint DigitalOcean uses to identify a key."""
    digest = hashlib.md5(ssh_key_blob(public_key), usedforsecurity=False).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


_HOSTNAME_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")
HOSTNAME_MAX_LENGTH = 253


def check_hostname_label(label: str) -> None:
    """The customer's label becomes a hostname: letters, digits, '-' and '.', starting and
    ending with a letter or digit."""
    if (
        not label
        or len(label) > HOSTNAME_MAX_LENGTH
        or not _HOSTNAME_RE.fullmatch(label)
        or ".." in label
    ):
        raise ProviderValidationError(
            "label", "must be a hostname: letters, digits, '-' and '.', ending alphanumeric"
        )
