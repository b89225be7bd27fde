from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo
from pydantic_core import PydanticCustomError

from vpspanel.input_rules import NAME_MAX_LENGTH, DisplayName, Email
from vpspanel.security import password_policy

Name = DisplayName
NAME_RULE = (
    f"1-{NAME_MAX_LENGTH} characters after trimming and NFKC normalization; no control or "
    "invisible characters."
)


def _password_policy(password: str, info: ValidationInfo) -> str:
    # The model's `email`, when it has one and it was valid, is checked against as well.
    email = info.data.get("email") if info.data else None
    reason = password_policy.check(password, email if isinstance(email, str) else None)
    if reason is not None:
        raise PydanticCustomError("password_policy", reason)
    return password


NewPassword = Annotated[
    str,
    Field(min_length=password_policy.MIN_LENGTH, max_length=password_policy.MAX_LENGTH),
    AfterValidator(_password_policy),
]
"""A password being chosen (registration, invitation sign-up, change, reset): 422 on the field
with the reason when `password_policy.check` refuses it. Declare it after the model's `email`
field so that the email is checked against too."""

PASSWORD_RULE = password_policy.RULE


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="The user id.")
    email: str = Field(description="The sign-in email address, normalized (lower case).")
    name: str = Field(description="The user's display name.")
    role: Literal["admin", "customer"] = Field(
        description="`admin` can use /api/admin; `customer` only the customer API."
    )
    created_at: datetime = Field(description="When the account was created (UTC).")


class OrganizationOut(BaseModel):
    id: uuid.UUID = Field(description="The organization id; send it as `X-Organization-Id`.")
    name: str = Field(description="The organization's name.")
    role: Literal["owner", "member"] = Field(description="The user's role in it.")


class RegisterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email = Field(
        description="A valid email address; stored lower case, unique (409 `email_taken`)."
    )
    password: NewPassword = Field(description=PASSWORD_RULE)
    name: Name = Field(description=f"The user's display name: {NAME_RULE}")
    organization_name: Name | None = Field(
        default=None,
        description=(
            f"The new organization's name (default: \"<name>'s organization\"): {NAME_RULE}"
        ),
    )


class RegisterOut(BaseModel):
    user: UserOut = Field(description="The new user.")
    organization: OrganizationOut = Field(description="The organization the user now owns.")
    access_token: str = Field(
        description=(
            "A bearer token for the new user's session, already signed in (also set as a "
            "session cookie, like sign-in)."
        )
    )
    token_type: Literal["bearer"] = Field(default="bearer", description="Always `bearer`.")
    expires_at: datetime = Field(description="When the session ends (UTC).")


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Annotated[str, Field(min_length=1, max_length=320)] = Field(
        description="The account's email address (1-320 characters)."
    )
    password: Annotated[str, Field(min_length=1, max_length=256)] = Field(
        description="The account's password (1-256 characters)."
    )


class LoginOut(BaseModel):
    access_token: str = Field(
        description="A bearer token for `Authorization: Bearer …` (also set as a session cookie)."
    )
    token_type: Literal["bearer"] = Field(default="bearer", description="Always `bearer`.")
    expires_at: datetime = Field(description="When the session ends (UTC).")
    user: UserOut = Field(description="The signed-in user.")


class MeOut(BaseModel):
    user: UserOut = Field(description="The signed-in user.")
    organizations: list[OrganizationOut] = Field(
        description=(
            "The organizations the user belongs to; the first is acted for when no "
            "`X-Organization-Id` is sent."
        )
    )


class PasswordResetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Annotated[str, Field(min_length=1, max_length=320)] = Field(
        description="The account's email address (1-320 characters)."
    )


class PasswordResetAccepted(BaseModel):
    detail: str = Field(description="The same sentence whether or not an account has this address.")


class PasswordResetConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: Annotated[str, Field(min_length=1, max_length=128)] = Field(
        description="The single-use token from the emailed link (`#token=…`)."
    )
    password: NewPassword = Field(description=f"The new password: {PASSWORD_RULE}")


class AccountUpdateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = Field(default=None, description=f"A new display name: {NAME_RULE}")
    email: Email | None = Field(
        default=None,
        description=(
            "A new sign-in email (normalized like registration; 409 `email_taken`). Needs "
            "`current_password`."
        ),
    )
    current_password: Annotated[str, Field(min_length=1, max_length=256)] | None = Field(
        default=None, description="The account's current password; required to change `email`."
    )


class PasswordChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: Annotated[str, Field(min_length=1, max_length=256)] = Field(
        description="The account's current password (422 on this field when wrong)."
    )
    new_password: NewPassword = Field(description=f"The new password: {PASSWORD_RULE}")


class SessionOut(BaseModel):
    id: uuid.UUID = Field(description="The session id (for `DELETE /api/account/sessions/{id}`).")
    created_at: datetime = Field(description="When it was signed in (UTC).")
    last_used_at: datetime | None = Field(
        description="When it last made a request (UTC, to the minute); null if never since."
    )
    expires_at: datetime = Field(description="When it ends unless revoked (UTC).")
    user_agent: str | None = Field(
        description="The browser or client that signed in (User-Agent, up to 255 characters)."
    )
    current: bool = Field(description="True for the session making this request.")
