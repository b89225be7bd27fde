"""Re-encrypt every stored secret under the newest key (``vpspanel rotate-keys``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.provider_accounts.repository import ProviderAccountRepository
from vpspanel.security.secrets import SecretBox, provider_key_context


async def rotate_stored_secrets(session: AsyncSession, box: SecretBox) -> int:
    """Returns how many secrets were rewritten. Fails (and writes nothing) if any is unreadable."""
    rewritten = 0
    providers = await ProviderAccountRepository(session).list_all_locked()
    for provider in providers:
        if box.needs_rotation(provider.api_key_encrypted):
            context = provider_key_context(provider.id)
            provider.api_key_encrypted = box.rotate(provider.api_key_encrypted, context=context)
            rewritten += 1
    await session.flush()
    return rewritten
