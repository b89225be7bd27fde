from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from vpspanel.input_rules import DisplayName, Email

Name = DisplayName


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    name: str
    role: Literal["admin", "customer"]
    created_at: datetime


class OrganizationOut(BaseModel):
    id: uuid.UUID
    name: str
    role: Literal["owner", "member"]


class RegisterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email
    password: Annotated[str, Field(min_length=10, max_length=256)]
    name: Name
    organization_name: Name | None = None


class RegisterOut(BaseModel):
    user: UserOut
    organization: OrganizationOut


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Annotated[str, Field(min_length=1, max_length=320)]
    password: Annotated[str, Field(min_length=1, max_length=256)]


class LoginOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (a token type, not a secret)
    expires_at: datetime
    user: UserOut


class MeOut(BaseModel):
    user: UserOut
    organizations: list[OrganizationOut]
