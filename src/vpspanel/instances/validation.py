"""Checks on what a customer sends, made before any provider is touched.

Each function returns a message (or None) so a request can report every bad field at once.
"""

from __future__ import annotations

import re
import unicodedata

from vpspanel.providers.errors import ProviderValidationError
from vpspanel.providers.validation import check_ssh_public_keys

ROOT_PASS_MIN_LENGTH = 12
ROOT_PASS_MAX_LENGTH = 128
_LABEL = re.compile(r"^[A-Za-z](?:[A-Za-z0-9-]{1,61})[A-Za-z0-9]$")
_CLASSES = (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]")
# Control (CR, LF, NUL, ...), invisible formatting and lone surrogates: the providers refuse
# them or they cannot be typed at a console, so they are refused before anything is accepted.
_UNTYPABLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})


def label_problem(label: str) -> str | None:
    if _LABEL.fullmatch(label) is None:
        return (
            "Use 3-63 letters, digits and '-', starting with a letter and ending with a "
            "letter or digit."
        )
    return None


def root_pass_problem(root_pass: str) -> str | None:
    if not ROOT_PASS_MIN_LENGTH <= len(root_pass) <= ROOT_PASS_MAX_LENGTH:
        return f"Use {ROOT_PASS_MIN_LENGTH} to {ROOT_PASS_MAX_LENGTH} characters."
    if any(unicodedata.category(char) in _UNTYPABLE_CATEGORIES for char in root_pass):
        return "Do not use line breaks, tabs or other control characters."
    if sum(1 for pattern in _CLASSES if re.search(pattern, root_pass)) < 3:
        return "Use at least three of: lower case, upper case, digits, symbols."
    return None


def ssh_keys_problem(keys: list[str]) -> str | None:
    try:
        check_ssh_public_keys(keys)
    except ProviderValidationError:
        return "Each SSH key must be an OpenSSH public key line, like 'ssh-ed25519 AAAA... me'."
    return None
