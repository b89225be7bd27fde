"""The typed provider error tree. Messages are safe: never a token, never a password."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

Answer = TypeVar("Answer")


class ProviderError(Exception):
    """Base of every provider failure.

    `diagnosis` is the specific, admin-facing reason when the transport could tell it
    ("connection refused at 127.0.0.1:9", "answered 404 at /profile: is the path /v4?"); it is
    scrubbed of the key like `message`, and never shown to customers. `points_at_base_url` is
    True when the failure means the account's API base URL is most likely wrong (nothing
    listens there, the name does not resolve, the path is not the API) rather than the provider
    being briefly unwell."""

    retryable: bool = False
    diagnosis: str | None = None
    points_at_base_url: bool = False

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        if retryable is not None:
            self.retryable = retryable

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status_code={self.status_code!r})"


class ProviderAuthError(ProviderError):
    """The key was rejected (401)."""


class ProviderPermissionError(ProviderError):
    """The key is valid but lacks a permission; `missing_permission` names it when known."""

    def __init__(
        self,
        message: str,
        *,
        missing_permission: str | None = None,
        status_code: int | None = 403,
    ) -> None:
        super().__init__(message, status_code=status_code)
        self.missing_permission = missing_permission


class ProviderNotFound(ProviderError):
    """The resource does not exist at the provider (404)."""


class ProviderValidationError(ProviderError):
    """The provider (or our pre-check) rejected a field. `field` uses OUR names
    (label, root_pass, plan_id, region_id, image_id, ssh_public_keys) where we know them."""

    def __init__(
        self,
        field: str | None,
        message: str,
        *,
        status_code: int | None = None,
    ) -> None:
        super().__init__(f"{field}: {message}" if field else message, status_code=status_code)
        self.field = field
        self.reason = message


class ProviderAlreadyExists(ProviderValidationError):
    """The create was refused because an instance with its derived label already exists
    (Linode labels are unique per account): an earlier send of the same create went through."""


class ProviderConflict(ProviderError):
    """The resource is busy (Linode busy, DigitalOcean droplet locked by a pending action)."""

    retryable = True


class ProviderRateLimited(ProviderError):
    """The provider said 429 and we did not wait it out."""

    retryable = True

    def __init__(
        self, message: str, *, retry_after_s: float | None, status_code: int | None = 429
    ) -> None:
        super().__init__(message, status_code=status_code)
        self.retry_after_s = retry_after_s


class ProviderBudgetWait(ProviderRateLimited):
    """Nothing was sent: the account's request budget has no room for `retry_after_s`, and the
    caller asked not to be kept waiting (a worker slot parks the operation instead)."""

    def __init__(self, message: str, *, retry_after_s: float) -> None:
        super().__init__(message, retry_after_s=retry_after_s, status_code=None)


class ProviderUnavailable(ProviderError):
    """5xx, timeout or connection failure. `may_have_succeeded` is True when a write was sent
    and we cannot tell whether the provider carried it out."""

    retryable = True

    def __init__(
        self,
        message: str,
        *,
        may_have_succeeded: bool,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message, status_code=status_code)
        self.may_have_succeeded = may_have_succeeded


async def none_if_not_found(request: Awaitable[Answer]) -> Answer | None:
    """`request`'s answer, or None when the provider answers 404 (`ProviderNotFound`): a read
    of something gone, or a delete of something already deleted."""
    try:
        return await request
    except ProviderNotFound:
        return None
