"""The one check for an SSH public key a customer sends: to deploy, to rebuild or to save."""

from __future__ import annotations

from vpspanel.providers.errors import ProviderValidationError
from vpspanel.providers.validation import (
    SshPublicKey,
    parse_ssh_public_key,
    unique_ssh_public_keys,
)


def ssh_keys_problems(keys: list[str]) -> tuple[list[SshPublicKey], list[tuple[str, str]]]:
    """The keys parsed and without duplicates (the same key under another comment counts
    once), and a problem for each entry that is not a supported public key, named
    `ssh_keys[<index>]`."""
    parsed: list[SshPublicKey] = []
    problems: list[tuple[str, str]] = []
    for index, key in enumerate(keys):
        field = f"ssh_keys[{index}]"
        checked = ssh_key_problem(key, field)
        if isinstance(checked, str):
            problems.append((field, checked))
        else:
            parsed.append(checked)
    return unique_ssh_public_keys(parsed), problems


def ssh_key_problem(key: str, field: str) -> SshPublicKey | str:
    """The key parsed, or what is wrong with it (never echoing it): the one check for a key
    sent to deploy, to rebuild or to be saved."""
    try:
        return parse_ssh_public_key(key, field)
    except ProviderValidationError as exc:
        return f"This SSH key {exc.reason}."
