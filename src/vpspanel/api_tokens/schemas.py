"""What /api/account/tokens reads and writes."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from vpspanel.input_rules import DisplayName, UtcDatetime


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApiTokenIn(_Strict):
    name: DisplayName = Field(
        description="A name to recognise the token by, e.g. `ci deploys` (1-100 characters)."
    )
    organization_id: uuid.UUID | None = Field(
        default=None,
        description=(
            "The organization the token acts in: one of yours (422 otherwise). Default: your "
            "first organization, the one acted in without `X-Organization-Id`."
        ),
    )
    expires_at: UtcDatetime | None = Field(
        default=None,
        description="When the token stops working (in the future; 422 otherwise). Default: never.",
    )
    admin: bool = Field(
        default=False,
        description=(
            "Whether the token may use the administration API. Only administrators may set it "
            "(422 otherwise); without it, the token is refused on every /api/admin route."
        ),
    )


class ApiTokenOut(_Strict):
    id: uuid.UUID = Field(description="The token's id (not the token).")
    name: str = Field(description="The token's name.")
    organization_id: uuid.UUID = Field(description="The organization the token acts in.")
    organization_name: str = Field(description="That organization's name.")
    prefix: str = Field(
        description="The token's first characters (`vpst_` and 8 more), to recognise it by."
    )
    admin: bool = Field(description="Whether the token may use the administration API.")
    created_at: datetime = Field(description="When the token was created (UTC).")
    expires_at: datetime | None = Field(description="When it stops working (UTC); null: never.")
    last_used_at: datetime | None = Field(
        description="When it was last used (UTC, recorded at most once a minute); null: never."
    )


class ApiTokenCreated(_Strict):
    api_token: ApiTokenOut = Field(description="The new token's details.")
    token: str = Field(
        description=(
            "The token itself, shown this once and never again (only its SHA-256 is kept). "
            "Send it as `Authorization: Bearer <token>`."
        )
    )


class ApiTokenList(_Strict):
    api_tokens: list[ApiTokenOut] = Field(description="Your tokens, oldest first.")
