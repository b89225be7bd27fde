"""Checks we can make before calling a provider, so bad input never reaches it."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
import unicodedata
from dataclasses import dataclass

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_ssh_public_key

from vpspanel.providers.errors import ProviderValidationError

ROOT_PASS_MIN_LENGTH = 7  # Linode's documented minimum; the panel asks for more
ROOT_PASS_MAX_LENGTH = 128
RSA_MIN_BITS = 2048
# DSA keys are refused: OpenSSH itself has disabled them since 7.0. The security-key (sk-)
# types need OpenSSH 8.2 on the server, which every image the clouds offer today has.
SSH_KEY_TYPES = frozenset(
    {
        "ssh-rsa",
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


@dataclass(frozen=True)
class SshPublicKey:
    """One parsed OpenSSH public key line."""

    type: str
    blob: bytes  # the decoded key body
    comment: str

    @property
    def line(self) -> str:
        """The key as one clean authorized_keys line: "<type> <base64>[ <comment>]"."""
        body = f"{self.type} {base64.b64encode(self.blob).decode()}"
        return f"{body} {self.comment}" if self.comment else body

    @property
    def fingerprint_sha256(self) -> str:
        """OpenSSH's "SHA256:<unpadded base64>" fingerprint: the same key under another comment
        has the same fingerprint."""
        digest = base64.b64encode(hashlib.sha256(self.blob).digest()).decode().rstrip("=")
        return f"SHA256:{digest}"


def parse_ssh_public_key(public_key: str, field: str = "ssh_public_keys") -> SshPublicKey:
    """Parse and fully check one OpenSSH public key line ("type base64 [comment]").

    One line, no control characters, a supported type (`SSH_KEY_TYPES`), a body that decodes
    to a key of the declared type (checked by `cryptography`), RSA of at least
    `RSA_MIN_BITS` bits. Raises ProviderValidationError(field, reason) naming what is wrong,
    never echoing the key."""
    text = public_key.strip()
    if any(unicodedata.category(char) in ("Cc", "Cf", "Cs") for char in text):
        raise ProviderValidationError(
            field,
            "must be one key on one line, without line breaks or other control characters",
        )
    parts = text.split(maxsplit=2)
    if len(parts) < 2:
        raise ProviderValidationError(
            field, "is not an OpenSSH public key line: '<type> <base64 key> [comment]'"
        )
    key_type, body = parts[0], parts[1]
    comment = parts[2] if len(parts) > 2 else ""
    if key_type not in SSH_KEY_TYPES:
        supported = ", ".join(sorted(SSH_KEY_TYPES))
        raise ProviderValidationError(field, f"has an unsupported key type (use {supported})")
    try:
        blob = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise ProviderValidationError(field, "has a malformed key body") from None
    # The blob starts with the key type as a length-prefixed string.
    if len(blob) < 4 or blob[4 : 4 + struct.unpack(">I", blob[:4])[0]] != key_type.encode():
        raise ProviderValidationError(field, "has a key body that does not match its type")
    try:
        key = load_ssh_public_key(f"{key_type} {body}".encode())
    except (ValueError, UnsupportedAlgorithm):
        raise ProviderValidationError(field, "has a malformed key body") from None
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < RSA_MIN_BITS:
        raise ProviderValidationError(
            field, f"is an RSA key of {key.key_size} bits; use at least {RSA_MIN_BITS}"
        )
    return SshPublicKey(type=key_type, blob=blob, comment=comment)


def ssh_key_blob(public_key: str) -> bytes:
    """The decoded key blob of an OpenSSH public key line, fully checked."""
    return parse_ssh_public_key(public_key).blob


def check_ssh_public_keys(public_keys: list[str]) -> None:
    for public_key in public_keys:
        parse_ssh_public_key(public_key)


def unique_ssh_public_keys(keys: list[SshPublicKey]) -> list[SshPublicKey]:
    """The keys without repeats of the same key (by SHA256 fingerprint), first one kept."""
    first: dict[str, SshPublicKey] = {}
    for key in keys:
        first.setdefault(key.fingerprint_sha256, key)
    return list(first.values())


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
