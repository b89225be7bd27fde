"""Turning a stored provider account into a live driver, and provider failures into API errors.

This is the only place above `providers/` that sees a decrypted API key; the key lives in the
driver object for the length of one unit of work and is never logged.
"""

from __future__ import annotations

import structlog

from vpspanel.errors import (
    AppError,
    Conflict,
    ProviderFailed,
    ProviderUnavailable,
    ValidationFailed,
)
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.providers import errors as perr
from vpspanel.providers.base import Provider
from vpspanel.providers.http import Clock, RateLimits
from vpspanel.providers.registry import get_provider
from vpspanel.security.secrets import SecretBox, provider_key_context

log = structlog.get_logger(__name__)


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


def app_error_from_provider(exc: perr.ProviderError) -> AppError:
    """A provider failure as an API error whose detail is safe to show a customer."""
    if isinstance(exc, perr.ProviderValidationError):
        # The provider's own wording stays in our logs: it can name the cloud ("Invalid Linode
        # type"), and customers read these answers.
        field = exc.field or "body"
        log.info("provider_rejected_field", field=field, reason=exc.message)
        return ValidationFailed.for_field(
            field, f"The value of {field} was not accepted.", code="provider_rejected"
        )
    if isinstance(exc, perr.ProviderConflict):
        return Conflict("The server is busy with another action. Try again shortly.", code="busy")
    if isinstance(exc, perr.ProviderUnavailable | perr.ProviderRateLimited):
        return ProviderUnavailable()
    return ProviderFailed()


def admin_error_from_provider(exc: perr.ProviderError) -> AppError:
    """A provider failure met while an admin configures an account (connect, new URL, new key).

    When the failure says the API base URL is wrong (nothing listens there, the name does not
    resolve, the path is not the API) the admin gets 422 `invalid_api_base_url` on that field
    with the specific reason; anything else is answered as to a customer. The reason is built
    by the provider layer from the URL and the answer's status only: never the key."""
    if exc.points_at_base_url and exc.diagnosis:
        return ValidationFailed.for_field(
            "api_base_url", _sentence(exc.diagnosis), code="invalid_api_base_url"
        )
    return app_error_from_provider(exc)


def admin_error_text(exc: perr.ProviderError) -> str:
    """The failure of a connection test as an admin reads it: the neutral text and, when the
    provider layer could tell, the specific reason."""
    if exc.points_at_base_url and exc.diagnosis:
        return "The API base URL looks wrong: " + _sentence(exc.diagnosis)
    neutral = app_error_from_provider(exc).detail
    return f"{neutral} ({exc.diagnosis})" if exc.diagnosis else neutral


def _sentence(reason: str) -> str:
    return reason if reason.endswith(("?", ".")) else f"{reason}."
