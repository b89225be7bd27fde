"""Provider failures in words for the people who read them: the one translation.

`providers/errors.py` says what went wrong at the cloud (typed, never a secret). This module
is the only place above it that turns those errors into what we answer, through one
classification (`classify`) with two faces:

- **customer** (neutral: no cloud name, upstream body, code or id): `customer_error`, the API
  error answered to a customer's request (503 unreachable, 502 failed, 409 busy, 422 for a
  rejected field), and `failure_reason`, the reason a failed operation shows.
- **admin** (specific): `admin_error` and `key_error`, the API errors answered to an admin
  configuring a provider account (the base URL or key at fault, by field), `admin_text`, a
  connection test's result, and `provider_error_text`, the provider's own message scrubbed of
  anything secret, kept on the operation and logged.
"""

from __future__ import annotations

import re
from enum import Enum

import structlog

from vpspanel.errors import (
    AppError,
    Conflict,
    ProviderFailed,
    ProviderUnavailable,
    ValidationFailed,
)
from vpspanel.providers import errors as perr

log = structlog.get_logger(__name__)

# Customer reasons: what happened, then what the customer can do next, in plain words; never a
# cloud's name, code or id.
_PERSISTS = "If it keeps failing, contact support."
GONE_AT_PROVIDER = (
    "The server no longer exists at the cloud provider. If you did not expect this, contact "
    "support."
)
NOT_PLACED = (
    "The server could not be placed: the cloud has no room for it on this account. "
    "Please contact support or choose another plan or region."
)
NOT_RESPONDING = (
    f"The cloud provider is not responding. Please try again in a few minutes. {_PERSISTS}"
)
ACCOUNT_REFUSED = (
    "The cloud account behind this server refused the request. Please contact support."
)
REQUEST_REFUSED = f"The cloud provider refused this request. Try again. {_PERSISTS}"
CREATE_REFUSED = (
    "The cloud provider refused to create this server. Try again, or choose another plan or "
    f"region. {_PERSISTS}"
)
BUSY = "The server is busy with another action. Try again shortly."
PROVIDER_ERROR_MAX_LENGTH = 300

# A provider refusing because the account is at its server limit (DigitalOcean's droplet_limit).
_ACCOUNT_LIMIT = re.compile(r"droplet limit|droplet_limit|limit of \w+ (linodes|instances)", re.I)
# Anything long and opaque in a provider's message may be a token or a signed URL: dropped.
_OPAQUE = re.compile(r"[A-Za-z0-9_\-+/=.:]{32,}")
_SECRET_ASSIGNMENT = re.compile(
    r"(password|passwd|root_pass|token|secret|api[_-]?key|authorization)(\W{1,3})\S+",
    re.IGNORECASE,
)


class Failure(Enum):
    """What a provider failure means for us, whatever the cloud."""

    ACCOUNT_FULL = "account_full"  # refused: the account is at its server limit
    KEY_REFUSED = "key_refused"  # 401: the API key is not accepted
    NOT_PERMITTED = "not_permitted"  # 403: the key lacks a permission
    GONE = "gone"  # 404
    REJECTED = "rejected"  # 4xx on a value we sent
    BUSY = "busy"  # 409/422 "busy": the server is in the middle of something
    UNREACHABLE = "unreachable"  # 5xx, timeout, no connection, rate limited
    OTHER = "other"


def classify(exc: perr.ProviderError) -> Failure:
    if isinstance(exc, perr.ProviderValidationError):
        return Failure.ACCOUNT_FULL if _ACCOUNT_LIMIT.search(exc.message) else Failure.REJECTED
    if isinstance(exc, perr.ProviderAuthError):
        return Failure.KEY_REFUSED
    if isinstance(exc, perr.ProviderPermissionError):
        return Failure.NOT_PERMITTED
    if isinstance(exc, perr.ProviderNotFound):
        return Failure.GONE
    if isinstance(exc, perr.ProviderConflict):
        return Failure.BUSY
    if isinstance(exc, perr.ProviderUnavailable | perr.ProviderRateLimited):
        return Failure.UNREACHABLE
    return Failure.OTHER


# -- the customer face ---------------------------------------------------------------------

_FAILURE_REASONS = {
    Failure.ACCOUNT_FULL: NOT_PLACED,
    Failure.KEY_REFUSED: ACCOUNT_REFUSED,
    Failure.NOT_PERMITTED: ACCOUNT_REFUSED,
    Failure.GONE: GONE_AT_PROVIDER,
    Failure.REJECTED: REQUEST_REFUSED,
}


def customer_error(exc: perr.ProviderError) -> AppError:
    """A provider failure as an API error whose detail is safe to show a customer."""
    failure = classify(exc)
    if isinstance(exc, perr.ProviderValidationError):  # REJECTED or ACCOUNT_FULL
        # The provider's own wording stays in our logs: it can name the cloud ("Invalid Linode
        # type"), and customers read these answers.
        field = exc.field or "body"
        log.info("provider_rejected_field", field=field, reason=exc.message)
        return ValidationFailed.for_field(
            field, f"The value of {field} was not accepted.", code="provider_rejected"
        )
    if failure is Failure.BUSY:
        return Conflict(BUSY, code="busy")
    if failure is Failure.UNREACHABLE:
        return ProviderUnavailable()
    return ProviderFailed()


def failure_reason(exc: perr.ProviderError, *, creating: bool = False) -> str:
    """Why an operation failed, in words a customer can read (no upstream body, code or id),
    with a next step; `creating`: a refused create suggests another plan or region."""
    failure = classify(exc)
    if creating and failure is Failure.REJECTED:
        return CREATE_REFUSED
    return _FAILURE_REASONS.get(failure, NOT_RESPONDING)


# -- the admin face ------------------------------------------------------------------------


def admin_error(exc: perr.ProviderError) -> AppError:
    """A provider failure met while an admin configures an account (connect, new URL, new key).

    When the failure says the API base URL is wrong (nothing listens there, the name does not
    resolve, the path is not the API) the admin gets 422 `invalid_api_base_url` on that field
    with the specific reason; anything else is answered as to a customer. The reason is built
    by the provider layer from the URL and the answer's status only: never the key."""
    if exc.points_at_base_url and exc.diagnosis:
        return ValidationFailed.for_field(
            "api_base_url", _sentence(exc.diagnosis), code="invalid_api_base_url"
        )
    return customer_error(exc)


def key_error(exc: perr.ProviderError) -> AppError:
    """A provider failure while an admin's API key is verified: a refused key or a missing
    permission is 422 on `api_key`; anything else as `admin_error`."""
    failure = classify(exc)
    if failure is Failure.KEY_REFUSED:
        return ValidationFailed.for_field(
            "api_key", "The provider rejected this API key.", code="invalid_credentials"
        )
    if isinstance(exc, perr.ProviderPermissionError):
        missing = exc.missing_permission or "a permission this panel needs"
        return ValidationFailed.for_field(
            "api_key", missing_permissions_text([missing]), code="insufficient_permissions"
        )
    return admin_error(exc)


def missing_permissions_text(missing: list[str]) -> str:
    return "The API key lacks a permission this panel needs: " + ", ".join(missing) + "."


def admin_text(exc: perr.ProviderError) -> str:
    """The failure of a connection test as an admin reads it: the neutral text and, when the
    provider layer could tell, the specific reason."""
    if classify(exc) is Failure.KEY_REFUSED:
        return "The provider rejected the API key."
    if exc.points_at_base_url and exc.diagnosis:
        return "The API base URL looks wrong: " + _sentence(exc.diagnosis)
    neutral = customer_error(exc).detail
    return f"{neutral} ({exc.diagnosis})" if exc.diagnosis else neutral


def provider_error_text(exc: perr.ProviderError) -> str:
    """The provider's own reason for an admin and the log: the error class and message with
    anything that could be a secret removed, at most PROVIDER_ERROR_MAX_LENGTH characters."""
    text = _SECRET_ASSIGNMENT.sub(r"\1\2[redacted]", exc.message)
    text = _OPAQUE.sub("[redacted]", text)
    return f"{type(exc).__name__}: {text}"[:PROVIDER_ERROR_MAX_LENGTH]


def _sentence(reason: str) -> str:
    return reason if reason.endswith(("?", ".")) else f"{reason}."
