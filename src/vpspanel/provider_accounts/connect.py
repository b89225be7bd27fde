"""Turning a stored provider account into a live driver (provider failures are translated
in `vpspanel/provider_errors.py`).

This is the only place above `providers/` that sees a decrypted API key; the key lives in the
driver object for the length of one unit of work and is never logged.
"""

from __future__ import annotations

from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.providers.base import Provider
from vpspanel.providers.http import Clock, RateLimits
from vpspanel.providers.registry import get_provider
from vpspanel.security.secrets import SecretBox, provider_key_context


class ProviderConnector:
    """Builds drivers for provider accounts. Tests swap `clock` / `limits` to run instantly."""

    def __init__(
        self,
        secret_box: SecretBox,
        *,
        clock: Clock | None = None,
        limits: dict[str, RateLimits] | None = None,
    ) -> None:
        self.secret_box = secret_box
        self.clock = clock
        self.limits = limits or {}

    def for_key(self, provider_type: str, api_key: str, base_url: str | None) -> Provider:
        return get_provider(
            provider_type,
            api_key=api_key,
            base_url=base_url,
            clock=self.clock,
            limits=self.limits.get(provider_type),
        )

    def for_account(self, account: ServiceProvider) -> Provider:
        api_key = self.secret_box.decrypt(
            account.api_key_encrypted, context=provider_key_context(account.id)
        )
        return self.for_key(account.type, api_key, account.api_base_url)
