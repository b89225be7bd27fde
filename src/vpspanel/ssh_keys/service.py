"""Saved SSH keys: checked exactly as deploy checks keys, one per fingerprint per user. No
commits here: the request owns the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.auth.models import User
from vpspanel.errors import Conflict, NotFound, ValidationFailed
from vpspanel.ssh_keys.models import SshKey
from vpspanel.ssh_keys.repository import SshKeyRepository
from vpspanel.ssh_keys.schemas import SshKeyIn, SshKeyList, SshKeyOut, SshKeyPatch
from vpspanel.ssh_keys.validation import ssh_key_problem

KEY_NOT_FOUND = "SSH key not found."


def _already_saved(fingerprint: str) -> Conflict:
    return Conflict(f"You have already saved this SSH key ({fingerprint}).", code="ssh_key_exists")


async def list_of(session: AsyncSession, user: User) -> SshKeyList:
    keys = await SshKeyRepository(session).list_of(user.id)
    return SshKeyList(ssh_keys=[SshKeyOut.model_validate(key) for key in keys])


async def create(session: AsyncSession, user: User, body: SshKeyIn, now: datetime) -> SshKey:
    """Raises ValidationFailed (422, `public_key`) for a key deploy would refuse, Conflict (409
    `ssh_key_exists`, naming the fingerprint) when the user saved the same key before (under
    any comment)."""
    checked = ssh_key_problem(body.public_key, "public_key")
    if isinstance(checked, str):
        raise ValidationFailed.for_field("public_key", checked)
    keys = SshKeyRepository(session)
    fingerprint = checked.fingerprint_sha256
    if await keys.get_by_fingerprint(user.id, fingerprint) is not None:
        raise _already_saved(fingerprint)
    try:
        async with session.begin_nested():
            return await keys.add(
                SshKey(
                    user_id=user.id,
                    name=body.name,
                    public_key=checked.line,
                    fingerprint=fingerprint,
                    created_at=now,
                )
            )
    except IntegrityError as exc:  # the same key saved concurrently
        raise _already_saved(fingerprint) from exc


async def rename(session: AsyncSession, user: User, key_id: uuid.UUID, body: SshKeyPatch) -> SshKey:
    key = await SshKeyRepository(session).get_of(user.id, key_id)
    if key is None:
        raise NotFound(KEY_NOT_FOUND)
    key.name = body.name
    await session.flush()
    return key


async def delete(session: AsyncSession, user: User, key_id: uuid.UUID) -> None:
    if not await SshKeyRepository(session).delete_of(user.id, key_id):
        raise NotFound(KEY_NOT_FOUND)


async def saved_key_lines(
    session: AsyncSession, user_id: uuid.UUID, key_ids: Sequence[uuid.UUID], field: str
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(`<field>[<index>]`, key line) for each of `key_ids` that is one of the user's saved
    keys, in order, and a problem named `<field>[<index>]` for each id that is not."""
    found = await SshKeyRepository(session).by_ids(user_id, key_ids)
    lines: list[tuple[str, str]] = []
    problems: list[tuple[str, str]] = []
    for index, key_id in enumerate(key_ids):
        key = found.get(key_id)
        if key is None:
            problems.append((f"{field}[{index}]", "You have no saved SSH key with this id."))
        else:
            lines.append((f"{field}[{index}]", key.public_key))
    return lines, problems
