from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from vpspanel.auth.signup_settings import RegistrationMode

SERVER_LIMIT_MAX = 100_000
ServerLimit = Annotated[int, Field(ge=0, le=SERVER_LIMIT_MAX)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UserOrganizationOut(_Strict):
    id: uuid.UUID = Field(description="The organization id.")
    name: str = Field(description="The organization's name.")
    role: Literal["owner", "member"] = Field(description="The user's role in it.")
    server_count: int = Field(description="The organization's live (not deleted) servers.")
    server_limit: int | None = Field(
        description="The most live servers it may have; null means no limit."
    )


class CustomerUserOut(_Strict):
    id: uuid.UUID = Field(description="The user id.")
    email: str = Field(description="The sign-in email address, normalized (lower case).")
    name: str = Field(description="The user's display name.")
    role: Literal["admin", "customer"] = Field(description="`admin` or `customer`.")
    active: bool = Field(
        description="False when suspended: the user cannot sign in and every request fails 401."
    )
    created_at: datetime = Field(description="When the account was created (UTC).")
    server_count: int = Field(
        description="Live (not deleted) servers this user deployed, in any organization."
    )
    organizations: list[UserOrganizationOut] = Field(
        description="The organizations the user belongs to, oldest membership first."
    )


class CustomerUserList(_Strict):
    users: list[CustomerUserOut] = Field(description="This page of users, newest first.")
    total: int = Field(description="How many users match the search, on every page.")
    page: int = Field(description="This page's number, from 1.")
    per_page: int = Field(description="The most users on one page.")


class CustomerUserEnvelope(_Strict):
    user: CustomerUserOut = Field(description="The user.")


class CustomerUserPatch(_Strict):
    active: bool = Field(
        description=(
            "false suspends the user (sign-in refused, their sessions answered 401 at once); "
            "true lifts the suspension. An admin cannot suspend themselves (409)."
        )
    )


class CustomerOrganizationOut(_Strict):
    id: uuid.UUID = Field(description="The organization id.")
    name: str = Field(description="The organization's name.")
    created_at: datetime = Field(description="When the organization was created (UTC).")
    member_count: int = Field(description="How many users belong to it.")
    server_count: int = Field(description="Its live (not deleted) servers.")
    server_limit: int | None = Field(
        description="The most live servers it may have; null means no limit."
    )


class CustomerOrganizationList(_Strict):
    organizations: list[CustomerOrganizationOut] = Field(
        description="This page of organizations, newest first."
    )
    total: int = Field(description="How many organizations match the search, on every page.")
    page: int = Field(description="This page's number, from 1.")
    per_page: int = Field(description="The most organizations on one page.")


class CustomerOrganizationEnvelope(_Strict):
    organization: CustomerOrganizationOut = Field(description="The organization.")


class CustomerOrganizationPatch(_Strict):
    server_limit: ServerLimit | None = Field(
        description=(
            f"The most live servers the organization may have (0-{SERVER_LIMIT_MAX}); null "
            "removes the limit. Servers it already has are kept; new deploys beyond it are "
            "refused with 422 `quota_exceeded`."
        )
    )


class PanelSettingsOut(_Strict):
    registration: RegistrationMode = Field(
        description=(
            "Who may create an account: `open` (anyone), `invite_only` (only by accepting an "
            "invitation) or `closed` (nobody; admins use the CLI)."
        )
    )
    default_server_limit: int | None = Field(
        description=(
            "The server limit given to organizations created from now on; null means no limit."
        )
    )


class PanelSettingsPatch(_Strict):
    registration: RegistrationMode | None = Field(
        default=None,
        description="`open`, `invite_only` or `closed`; left unchanged when absent.",
    )
    default_server_limit: ServerLimit | None = Field(
        default=None,
        description=(
            f"0-{SERVER_LIMIT_MAX}, or null for no limit; applies to organizations created "
            "afterwards (existing ones keep theirs). Left unchanged when absent."
        ),
    )
