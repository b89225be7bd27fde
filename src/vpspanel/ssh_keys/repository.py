from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.ssh_keys.models import SshKey


class SshKeyRepository:
    """Saved keys are the user's own: another user's key is not found."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list_of(self, user_id: uuid.UUID) -> list[SshKey]:
        rows = await self.session.scalars(
            select(SshKey).where(SshKey.user_id == user_id).order_by(SshKey.created_at, SshKey.id)
        )
        return list(rows.all())

    async def get_of(self, user_id: uuid.UUID, key_id: uuid.UUID) -> SshKey | None:
        return await self.session.scalar(
            select(SshKey).where(SshKey.user_id == user_id, SshKey.id == key_id)
        )

    async def by_ids(
        self, user_id: uuid.UUID, key_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, SshKey]:
        if not key_ids:
            return {}
        rows = await self.session.scalars(
            select(SshKey).where(SshKey.user_id == user_id, SshKey.id.in_(set(key_ids)))
        )
        return {key.id: key for key in rows.all()}

    async def get_by_fingerprint(self, user_id: uuid.UUID, fingerprint: str) -> SshKey | None:
        return await self.session.scalar(
            select(SshKey).where(SshKey.user_id == user_id, SshKey.fingerprint == fingerprint)
        )

    async def add(self, key: SshKey) -> SshKey:
        self.session.add(key)
        await self.session.flush()
        return key

    async def delete_of(self, user_id: uuid.UUID, key_id: uuid.UUID) -> bool:
        result = await self.session.execute(
            delete(SshKey).where(SshKey.user_id == user_id, SshKey.id == key_id)
        )
        return bool(getattr(result, "rowcount", 0))
