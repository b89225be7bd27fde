"""Secrets at rest: AES-256-GCM with key versions and rotation.

Ciphertext format: ``v1.<key id>.<base64url(nonce || ciphertext+tag)>``. The key id is a short hash
of the key (never the key). Each ciphertext is bound to its place (for example
``service_providers.api_key:<row id>``) through AEAD associated data, so a ciphertext copied to
another row does not decrypt. A failed decryption is always an error, never a fallback.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

FORMAT_VERSION = "v1"
NONCE_BYTES = 12


class SecretKeyError(ValueError):
    """A configured key is malformed."""


class DecryptionError(Exception):
    """The ciphertext is not readable with any configured key for this place. `key_id` names the
    key that wrote it when that key is not configured."""

    def __init__(self, message: str, *, key_id: str | None = None) -> None:
        super().__init__(message)
        self.key_id = key_id


@dataclass(frozen=True)
class _Key:
    key_id: str
    aead: AESGCM


def _load_key(encoded: str) -> _Key:
    try:
        raw = base64.urlsafe_b64decode(encoded.encode())
    except (binascii.Error, ValueError) as exc:
        raise SecretKeyError("an encryption key is not valid base64") from exc
    if len(raw) != 32:
        raise SecretKeyError("an encryption key must be 32 bytes, base64url-encoded")
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"vpspanel secrets v1"
    ).derive(raw)
    key_id = hashlib.sha256(b"vpspanel key id" + raw).hexdigest()[:12]
    return _Key(key_id=key_id, aead=AESGCM(derived))


def generate_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


class SecretBox:
    """Encrypts with the first key; decrypts with whichever key wrote the ciphertext."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise SecretKeyError("at least one encryption key is required")
        self._keys = [_load_key(key) for key in keys]
        self._by_id = {key.key_id: key for key in self._keys}

    @property
    def current_key_id(self) -> str:
        return self._keys[0].key_id

    def encrypt(self, plaintext: str, *, context: str) -> str:
        key = self._keys[0]
        nonce = os.urandom(NONCE_BYTES)
        sealed = key.aead.encrypt(nonce, plaintext.encode(), context.encode())
        payload = base64.urlsafe_b64encode(nonce + sealed).decode()
        return f"{FORMAT_VERSION}.{key.key_id}.{payload}"

    def decrypt(self, token: str, *, context: str) -> str:
        try:
            version, key_id, payload = token.split(".", 2)
            if version != FORMAT_VERSION:
                raise ValueError(version)
            blob = base64.urlsafe_b64decode(payload.encode())
        except (ValueError, binascii.Error) as exc:
            raise DecryptionError("stored secret is malformed") from exc
        key = self._by_id.get(key_id)
        if key is None:
            raise DecryptionError(
                "stored secret was written with a key that is not configured", key_id=key_id
            )
        try:
            return key.aead.decrypt(
                blob[:NONCE_BYTES], blob[NONCE_BYTES:], context.encode()
            ).decode()
        except InvalidTag as exc:
            raise DecryptionError("stored secret does not decrypt for this record") from exc

    def needs_rotation(self, token: str) -> bool:
        parts = token.split(".", 2)
        return len(parts) != 3 or parts[1] != self.current_key_id

    def rotate(self, token: str, *, context: str) -> str:
        return self.encrypt(self.decrypt(token, context=context), context=context)


def provider_key_context(provider_id: object) -> str:
    return f"service_providers.api_key:{provider_id}"


def key_hint(secret: str) -> str:
    return "…" + secret[-4:] if len(secret) >= 8 else "…"
