"""Checks on what a customer sends, made before any provider is touched.

Each function returns the problems it found as (field, message) pairs, so a request can
report every bad field at once.
"""

from __future__ import annotations

import re
import unicodedata

from zxcvbn import zxcvbn

ROOT_PASS_MIN_LENGTH = 12
ROOT_PASS_MAX_LENGTH = 128
# zxcvbn's top score ("very unguessable"). Linode refuses passwords by an unpublished strength
# score after it has accepted nothing else wrong, and its own console scores with zxcvbn; a
# score of 4 is the one no provider has been seen to refuse.
ROOT_PASS_MIN_SCORE = 4
# The whole hostname: DigitalOcean's droplet name becomes it (RFC 1123, 253 characters).
# Linode's label is 64 at most, so its driver fits longer names (see provider_label).
HOSTNAME_MIN_LENGTH = 3
HOSTNAME_MAX_LENGTH = 253
_HOSTNAME_PART = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_CLASSES = (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]")
# Control (CR, LF, NUL, ...), invisible formatting and lone surrogates: the providers refuse
# them or they cannot be typed at a console, so they are refused before anything is accepted.
_UNTYPABLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})


def label_problem(label: str) -> str | None:
    """The label is the server's hostname: dot-separated parts of letters, digits and '-'
    (each 1-63 characters, not starting or ending with '-'), starting with a letter,
    3-253 characters in all. `web1` and `web1.example.com` are both fine."""
    rule = (
        "Use a hostname like 'web1' or 'web1.example.com': parts of 1-63 letters, digits and "
        f"'-' separated by dots, starting with a letter, {HOSTNAME_MIN_LENGTH}-"
        f"{HOSTNAME_MAX_LENGTH} characters in all."
    )
    if not HOSTNAME_MIN_LENGTH <= len(label) <= HOSTNAME_MAX_LENGTH:
        return rule
    if not label[:1].isascii() or not label[:1].isalpha():
        return rule
    if not all(_HOSTNAME_PART.fullmatch(part) for part in label.split(".")):
        return rule
    return None


def root_pass_problem(root_pass: str) -> str | None:
    if not ROOT_PASS_MIN_LENGTH <= len(root_pass) <= ROOT_PASS_MAX_LENGTH:
        return f"Use {ROOT_PASS_MIN_LENGTH} to {ROOT_PASS_MAX_LENGTH} characters."
    if any(unicodedata.category(char) in _UNTYPABLE_CATEGORIES for char in root_pass):
        return "Do not use line breaks, tabs or other control characters."
    if sum(1 for pattern in _CLASSES if re.search(pattern, root_pass)) < 3:
        return "Use at least three of: lower case, upper case, digits, symbols."
    strength = zxcvbn(root_pass)
    if strength["score"] < ROOT_PASS_MIN_SCORE:
        # zxcvbn's own words say why (a common password, a date, a keyboard pattern, ...);
        # they never repeat the password.
        warning = strength["feedback"]["warning"] or "It follows a pattern that is easy to guess."
        return (
            f"This password is too easy to guess, and the cloud would refuse it: {warning} "
            "Use a longer password or a few uncommon words."
        )
    return None
