"""Request and response bodies of /api/organizations and /api/invitations."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from vpspanel.auth.schemas import NAME_RULE, LoginOut, Name, OrganizationOut
from vpspanel.input_rules import Email

Role = Literal["owner", "member"]
ROLE_RULE = "`owner` (everything, members and invitations included) or `member` (servers only)."


class OrganizationList(BaseModel):
    organizations: list[OrganizationOut] = Field(
        description="The organizations the signed-in user belongs to, with their role in each."
    )


class OrganizationCreateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name = Field(description=f"The new organization's name: {NAME_RULE}")


class OrganizationUpdateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name = Field(description=f"The organization's new name: {NAME_RULE}")


class MemberOut(BaseModel):
    user_id: uuid.UUID = Field(description="The member's user id.")
    name: str = Field(description="The member's display name.")
    email: str = Field(description="The member's sign-in email address.")
    role: Role = Field(description=f"The member's role: {ROLE_RULE}")
    joined_at: datetime = Field(description="When the member joined the organization (UTC).")


class MemberList(BaseModel):
    members: list[MemberOut] = Field(description="Every member, owners first, then by name.")


class MemberUpdateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role = Field(
        description=f"The new role: {ROLE_RULE} Demoting the last owner is 409 `last_owner`."
    )


class InvitationCreateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email = Field(
        description=(
            "The address to invite (stored lower case). Someone already a member is 409 "
            "`already_member`."
        )
    )
    role: Role = Field(default="member", description=f"The role on joining: {ROLE_RULE}")


class InvitationOut(BaseModel):
    id: uuid.UUID = Field(description="The invitation id.")
    email: str = Field(description="The invited email address.")
    role: Role = Field(description="The role the invited person gets on joining.")
    invited_by_name: str | None = Field(
        description="Who sent (or last resent) the invitation; null if that account is gone."
    )
    created_at: datetime = Field(description="When the invitation was created (UTC).")
    expires_at: datetime = Field(
        description="When its link stops working (UTC): 7 days after it was sent or resent."
    )
    expired: bool = Field(description="True once `expires_at` has passed (resend to renew).")


class InvitationList(BaseModel):
    invitations: list[InvitationOut] = Field(
        description="Invitations neither accepted nor revoked, newest first (never their link)."
    )


class InvitationSent(BaseModel):
    invitation: InvitationOut = Field(description="The invitation.")
    delivery: Literal["email", "link"] = Field(
        description=(
            "`email`: the link was emailed to the invited address (and is not in this answer); "
            "`link`: no mail relay is configured, so pass `link` on yourself."
        )
    )
    link: str | None = Field(
        default=None,
        description=(
            "The single-use invitation link, only when `delivery` is `link`. Shown this once; "
            "resend the invitation to get a new one."
        ),
    )


class InvitationPreview(BaseModel):
    organization_name: str = Field(description="The organization the invitation is for.")
    inviter_name: str | None = Field(
        description="Who sent the invitation; null if that account is gone."
    )
    email: str = Field(description="The invited email address.")
    role: Role = Field(description="The role on joining.")
    expires_at: datetime = Field(description="When the link stops working (UTC).")
    account_exists: bool = Field(
        description=(
            "True if an account with the invited email exists: sign in as it to accept. "
            "Otherwise accepting without a session creates the account."
        )
    )


class InvitationAcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = Field(
        default=None,
        description=(
            "Only when not signed in and no account has the invited email: the new account's "
            f"display name: {NAME_RULE}"
        ),
    )
    password: str | None = Field(
        default=None,
        max_length=256,
        description=(
            "Only when not signed in and no account has the invited email: the new account's "
            "password, under the same rules as `POST /api/auth/register`."
        ),
    )


class InvitationAccepted(BaseModel):
    organization: OrganizationOut = Field(description="The organization joined, with the role.")
    session: LoginOut | None = Field(
        default=None,
        description=(
            "When the account was created by accepting: its new session (the session and CSRF "
            "cookies are set too, as by `POST /api/auth/login`). Null for a signed-in caller."
        ),
    )
