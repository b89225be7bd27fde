"""Full SSH public key checks (issue 8, item 17): one line, a supported type whose decoded body
matches it, RSA of at least 2048 bits, duplicates found by fingerprint."""

from __future__ import annotations

import base64
import os
import struct

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from vpspanel.providers.errors import ProviderValidationError
from vpspanel.providers.validation import (
    parse_ssh_public_key,
    unique_ssh_public_keys,
)


def _openssh(private: object, comment: str = "me@laptop") -> str:
    line = private.public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH)  # type: ignore[attr-defined]
    return f"{line.decode()} {comment}".strip()


def _string(value: bytes) -> bytes:
    return struct.pack(">I", len(value)) + value


def _security_key(key_type: str, body: bytes) -> str:
    blob = _string(key_type.encode()) + body + _string(b"ssh:")
    return f"{key_type} {base64.b64encode(blob).decode()} token@desk"


ED25519 = _openssh(ed25519.Ed25519PrivateKey.generate())
RSA_2048 = _openssh(rsa.generate_private_key(public_exponent=65537, key_size=2048))
# A weak key on purpose: it must be refused.
RSA_1024 = _openssh(rsa.generate_private_key(public_exponent=65537, key_size=1024))  # noqa: S505
SK_ED25519 = _security_key("sk-ssh-ed25519@openssh.com", _string(os.urandom(32)))
_P256_POINT = (
    ec.generate_private_key(ec.SECP256R1())
    .public_key()
    .public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
)
SK_ECDSA = _security_key(
    "sk-ecdsa-sha2-nistp256@openssh.com", _string(b"nistp256") + _string(_P256_POINT)
)


@pytest.mark.parametrize(
    "key",
    [
        ED25519,
        RSA_2048,
        _openssh(ec.generate_private_key(ec.SECP256R1())),
        _openssh(ec.generate_private_key(ec.SECP384R1())),
        _openssh(ec.generate_private_key(ec.SECP521R1())),
        SK_ED25519,
        SK_ECDSA,
        ED25519.rsplit(" ", 1)[0],  # no comment
    ],
    # Fixed ids: the keys are generated per process, and xdist workers must collect alike.
    ids=["ed25519", "rsa-2048", "p256", "p384", "p521", "sk-ed25519", "sk-p256", "no-comment"],
)
def test_supported_keys_parse_to_one_clean_line(key: str) -> None:
    parsed = parse_ssh_public_key(f"  {key}  ")
    assert parsed.line == key
    assert parsed.fingerprint_sha256.startswith("SHA256:")


def _with_type(key: str, key_type: str) -> str:
    return " ".join([key_type, *key.split(" ")[1:]])


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        (f"{ED25519}\nthis is not a key", "one key on one line"),
        (f"{ED25519}\n{RSA_2048}", "one key on one line"),
        (ED25519.replace(" me@laptop", " me\r@laptop"), "one key on one line"),
        (ED25519.replace(" me@laptop", " me\x00@laptop"), "one key on one line"),
        (ED25519.replace(" me@laptop", " me\u202e@laptop"), "one key on one line"),
        (_with_type(ED25519, "ssh-rsa"), "does not match its type"),
        (_with_type(ED25519, "ecdsa-sha2-nistp256"), "does not match its type"),
        (_with_type(ED25519, "ssh-dss"), "unsupported key type"),
        (RSA_1024, "1024 bits"),
        ("ssh-ed25519 AAAAnotbase64!!", "malformed"),
        ("ssh-ed25519 " + base64.b64encode(_string(b"ssh-ed25519") + b"\x00").decode(), ""),
        ("ssh-ed25519", "not an OpenSSH public key"),
        ("not a key", "unsupported key type"),
    ],
    ids=[
        "two-lines",
        "two-keys",
        "carriage-return",
        "nul",
        "bidi-override",
        "rsa-type-ed25519-body",
        "ecdsa-type-ed25519-body",
        "dss",
        "rsa-1024",
        "not-base64",
        "truncated-body",
        "no-body",
        "not-a-key",
    ],
)
def test_anything_else_is_refused_with_the_reason(key: str, reason: str) -> None:
    with pytest.raises(ProviderValidationError) as caught:
        parse_ssh_public_key(key, "ssh_keys[3]")
    assert caught.value.field == "ssh_keys[3]"
    assert reason in caught.value.reason
    assert "AAAA" not in caught.value.reason  # the key itself is never echoed


def test_the_same_key_under_another_comment_is_one_key() -> None:
    other = ED25519.replace("me@laptop", "me@desk")
    keys = [parse_ssh_public_key(k) for k in (ED25519, RSA_2048, other, RSA_2048)]
    assert [key.line for key in unique_ssh_public_keys(keys)] == [ED25519, RSA_2048]
