"""One error tree. Every error knows its HTTP status and code; the body is always
``{"error": code, "detail": message, "fields": [...]}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import BaseModel, Field


class FieldError(BaseModel):
    field: str = Field(
        description=(
            "The request field at fault, e.g. `label`, `ssh_keys[1]`, `configuration.vpc_enabled`."
        )
    )
    message: str = Field(description="What is wrong with it, in words for a person.")


class ErrorBody(BaseModel):
    error: str = Field(
        description="A stable machine-readable code, e.g. `validation_error`, `invalid_state`."
    )
    detail: str = Field(description="What went wrong, safe to show a customer.")
    fields: list[FieldError] | None = Field(
        default=None, description="Each bad field (422); absent otherwise."
    )


class AppError(Exception):
    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    default_detail: ClassVar[str] = "The request could not be processed."

    def __init__(
        self,
        detail: str | None = None,
        *,
        fields: Sequence[FieldError] | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.detail = detail or self.default_detail
        self.fields = list(fields) if fields is not None else None
        self.error_code = code or self.code
        self.headers = headers or {}
        super().__init__(self.detail)

    def body(self) -> dict[str, Any]:
        return ErrorBody(error=self.error_code, detail=self.detail, fields=self.fields).model_dump(
            exclude_none=True
        )


class BadRequest(AppError):
    status_code = 400
    code = "bad_request"


class Unauthenticated(AppError):
    status_code = 401
    code = "unauthenticated"
    default_detail = "Sign in to continue."


class InvalidCredentials(AppError):
    status_code = 401
    code = "invalid_credentials"
    default_detail = "The email or password is not correct."


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"
    default_detail = "You do not have permission to do this."


class NotFound(AppError):
    status_code = 404
    code = "not_found"
    default_detail = "Not found."


class Conflict(AppError):
    status_code = 409
    code = "conflict"
    default_detail = "The request conflicts with the current state."


class InvalidState(Conflict):
    code = "invalid_state"
    default_detail = "That action is not possible in the current state."


class ValidationFailed(AppError):
    status_code = 422
    code = "validation_error"
    default_detail = "Some fields are not valid."

    @classmethod
    def for_field(cls, field: str, message: str, *, code: str | None = None) -> ValidationFailed:
        return cls(message, fields=[FieldError(field=field, message=message)], code=code)


class PayloadTooLarge(AppError):
    status_code = 413
    code = "payload_too_large"
    default_detail = "The request body is too large."


class UnsupportedMediaType(AppError):
    status_code = 415
    code = "unsupported_media_type"
    default_detail = "Send JSON with Content-Type: application/json."


class TooManyRequests(AppError):
    status_code = 429
    code = "too_many_requests"
    default_detail = "Too many requests. Try again later."

    def __init__(self, retry_after_seconds: int, detail: str | None = None) -> None:
        self.retry_after_seconds = max(1, int(retry_after_seconds))
        super().__init__(detail, headers={"Retry-After": str(self.retry_after_seconds)})


class ProviderFailed(AppError):
    status_code = 502
    code = "provider_error"
    default_detail = "The cloud provider could not complete the request. Try again shortly."


class ProviderUnavailable(AppError):
    status_code = 503
    code = "provider_unavailable"
    default_detail = "The cloud provider is not reachable right now. Try again shortly."


class ServiceUnavailable(AppError):
    status_code = 503
    code = "service_unavailable"
    default_detail = "The service is busy. Try again shortly."


class ServiceBusy(ServiceUnavailable):
    """Too much at once (no database connection free in time, a statement timed out): the
    client should simply try again after `Retry-After` seconds."""

    code = "service_busy"
    default_detail = "The service is busy. Try again in a few seconds."
    retry_after_seconds: ClassVar[int] = 2

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"Retry-After": str(self.retry_after_seconds)})


# Every error status the API may answer, for the OpenAPI document.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in {
        400: "Malformed request",
        401: "Not signed in",
        403: "Not allowed for this role",
        404: "Not found",
        409: "State conflict",
        413: "Request body too large",
        415: "Request body is not JSON",
        422: "Validation failed",
        429: "Too many requests",
        502: "Provider error",
        503: "Provider or service unavailable",
    }.items()
}
