from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from vpspanel.input_rules import NAME_MAX_LENGTH, DisplayName, Email

Name = DisplayName
NAME_RULE = (
    f"1-{NAME_MAX_LENGTH} characters after trimming and NFKC normalization; no control or "
    "invisible characters."
)


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
    password: Annotated[str, Field(min_length=10, max_length=256)] = Field(
        description="10-256 characters."
    )
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
