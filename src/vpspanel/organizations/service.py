"""Organizations, their members and invitations. No commits here: the request owns the
transaction.

Rules: only owners manage the organization (rename, members, invitations); a member who asks is
403, someone outside it 404. At least one owner always remains (409 `last_owner`): every change
to memberships row-locks the organization first, so two owners demoting each other at once are
serialized and the second sees one owner left.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.auth.api_token_repository import ApiTokenRepository
from vpspanel.auth.models import User
from vpspanel.auth.repository import UserRepository
from vpspanel.auth.schemas import OrganizationOut, RegisterIn
from vpspanel.auth.service import IssuedSession, create_user, issue_session
from vpspanel.auth.signup_settings import (
    RegistrationMode,
    new_organization_limit,
    registration_policy,
)
from vpspanel.errors import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    ServiceUnavailable,
    Unauthenticated,
    ValidationFailed,
)
from vpspanel.mail import MailNotSent
from vpspanel.organizations.models import (
    Membership,
    MembershipRole,
    Organization,
    OrganizationInvitation,
)
from vpspanel.organizations.repository import InvitationRepository, OrganizationRepository
from vpspanel.organizations.schemas import (
    InvitationAcceptIn,
    InvitationOut,
    InvitationPreview,
    InvitationSent,
    MemberOut,
    Role,
)
from vpspanel.security.tokens import hash_token, new_token
from vpspanel.state import AppState

INVITATION_TTL = timedelta(days=7)
ORGANIZATION_NOT_FOUND = "Organization not found."
# One answer for unknown, used, revoked and expired tokens, so a token reveals nothing.
INVITATION_GONE = (
    "This invitation link is not valid: it was already used, revoked, or it has expired. "
    "Ask the organization's owner for a new one."
)


def _not_found() -> NotFound:
    return NotFound(ORGANIZATION_NOT_FOUND)


def _last_owner() -> Conflict:
    return Conflict(
        "The organization must keep at least one owner: make another member an owner first.",
        code="last_owner",
    )


async def _membership(
    session: AsyncSession,
    user: User,
    organization_id: uuid.UUID,
    *,
    owner: bool = True,
    lock: bool = False,
) -> tuple[Organization, Membership]:
    found = await OrganizationRepository(session).membership_of(user.id, organization_id, lock=lock)
    if found is None:
        raise _not_found()
    if owner and found[1].role != MembershipRole.OWNER:
        raise Forbidden("Only the organization's owners can do this.", code="owner_required")
    return found


def _organization_out(organization: Organization, role: str) -> OrganizationOut:
    return OrganizationOut.model_validate(
        {"id": organization.id, "name": organization.name, "role": role}
    )


async def list_mine(session: AsyncSession, user: User) -> list[OrganizationOut]:
    memberships = await UserRepository(session).organizations_of(user.id)
    return [_organization_out(organization, role) for organization, role in memberships]


async def create(session: AsyncSession, user: User, name: str) -> OrganizationOut:
    organizations = OrganizationRepository(session)
    organization = await organizations.add(
        Organization(name=name, server_limit=await new_organization_limit(session))
    )
    await organizations.add_membership(
        Membership(user_id=user.id, organization_id=organization.id, role=MembershipRole.OWNER)
    )
    return _organization_out(organization, MembershipRole.OWNER)


async def rename(
    session: AsyncSession, user: User, organization_id: uuid.UUID, name: str
) -> OrganizationOut:
    organization, membership = await _membership(session, user, organization_id)
    organization.name = name
    await session.flush()
    return _organization_out(organization, membership.role)


async def list_members(
    session: AsyncSession, user: User, organization_id: uuid.UUID
) -> list[MemberOut]:
    await _membership(session, user, organization_id)
    return [
        MemberOut.model_validate(
            {
                "user_id": member.id,
                "name": member.name,
                "email": member.email,
                "role": membership.role,
                "joined_at": membership.created_at,
            }
        )
        for membership, member in await OrganizationRepository(session).members(organization_id)
    ]


async def _target(
    session: AsyncSession, organization_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[Membership, User]:
    organizations = OrganizationRepository(session)
    membership = await organizations.get_membership(organization_id, user_id)
    member = await UserRepository(session).get(user_id) if membership else None
    if membership is None or member is None:
        raise NotFound("Member not found.")
    return membership, member


async def change_role(
    session: AsyncSession, user: User, organization_id: uuid.UUID, user_id: uuid.UUID, role: Role
) -> MemberOut:
    """Raises 409 `last_owner` when this would demote the only owner."""
    await _membership(session, user, organization_id, lock=True)
    membership, member = await _target(session, organization_id, user_id)
    organizations = OrganizationRepository(session)
    if (
        membership.role == MembershipRole.OWNER
        and MembershipRole(role) != MembershipRole.OWNER
        and await organizations.count_owners(organization_id) <= 1
    ):
        raise _last_owner()
    membership.role = role
    await session.flush()
    return MemberOut.model_validate(
        {
            "user_id": member.id,
            "name": member.name,
            "email": member.email,
            "role": membership.role,
            "joined_at": membership.created_at,
        }
    )


async def _remove(session: AsyncSession, membership: Membership) -> None:
    organizations = OrganizationRepository(session)
    if (
        membership.role == MembershipRole.OWNER
        and await organizations.count_owners(membership.organization_id) <= 1
    ):
        raise _last_owner()
    await organizations.delete_membership(membership)
    # Their tokens for this organization end with the membership (not revived by a re-invite).
    await ApiTokenRepository(session).delete_for_organization(
        membership.user_id, membership.organization_id
    )


async def remove_member(
    session: AsyncSession, user: User, organization_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    """Raises 409 `last_owner` when this would remove the only owner."""
    await _membership(session, user, organization_id, lock=True)
    membership, _ = await _target(session, organization_id, user_id)
    await _remove(session, membership)


async def leave(session: AsyncSession, user: User, organization_id: uuid.UUID) -> None:
    """Any member may leave; the only owner gets 409 `last_owner`."""
    _, membership = await _membership(session, user, organization_id, owner=False, lock=True)
    await _remove(session, membership)


@dataclass(frozen=True)
class Delivery:
    """Where invitation links go: `base_url` is the panel's public address (no trailing slash)."""

    state: AppState
    base_url: str


def _invitation_out(
    invitation: OrganizationInvitation, inviter: str | None, now: datetime
) -> InvitationOut:
    return InvitationOut.model_validate(
        {
            "id": invitation.id,
            "email": invitation.email,
            "role": invitation.role,
            "invited_by_name": inviter,
            "created_at": invitation.created_at,
            "expires_at": invitation.expires_at,
            "expired": invitation.expires_at <= now,
        }
    )


async def _send(
    delivery: Delivery,
    invitation: OrganizationInvitation,
    organization: Organization,
    inviter: User,
    token: str,
) -> InvitationSent:
    link = f"{delivery.base_url}/invite/{token}"
    out = _invitation_out(invitation, inviter.name, delivery.state.clock())
    mailer = delivery.state.mailer
    if not mailer.configured:
        return InvitationSent(invitation=out, delivery="link", link=link)
    text = (
        f"{inviter.name} invited you to join {organization.name} on vpspanel as {invitation.role}."
        f"\n\nOpen this link to accept:\n{link}\n\nThe link works once and expires on "
        f"{invitation.expires_at:%Y-%m-%d %H:%M} UTC. If you did not expect this invitation, "
        "ignore this message.\n"
    )
    try:
        await mailer.send(
            to=invitation.email, subject=f"Join {organization.name} on vpspanel", text=text
        )
    except MailNotSent as exc:
        # The request rolls back: no invitation exists that nobody received.
        raise ServiceUnavailable(
            "The invitation email could not be sent. Try again shortly, or ask the "
            "administrator to check the mail settings.",
            code="mail_not_sent",
        ) from exc
    return InvitationSent(invitation=out, delivery="email")


async def invite(
    session: AsyncSession,
    delivery: Delivery,
    user: User,
    organization_id: uuid.UUID,
    email: str,
    role: Role,
) -> InvitationSent:
    """Raises 409 `already_member` if the address belongs to a member, 409 `already_invited`
    while an unexpired invitation to it is pending (resend that one), 503 `mail_not_sent` if a
    configured relay refused the email. An expired pending invitation is replaced."""
    organization, _ = await _membership(session, user, organization_id)
    if await OrganizationRepository(session).member_by_email(organization_id, email) is not None:
        raise Conflict("Someone with this email is already a member.", code="already_member")
    token = new_token()
    now = delivery.state.clock()
    for pending in await InvitationRepository(session).open_for_email(organization_id, email):
        if pending.expires_at > now:
            raise Conflict(
                f"{email} already has a pending invitation: resend it, or revoke it first to "
                "invite with another role.",
                code="already_invited",
            )
        pending.revoked_at = now
    invitation = await InvitationRepository(session).add(
        OrganizationInvitation(
            organization_id=organization_id,
            email=email,
            role=role,
            token_hash=hash_token(token),
            invited_by_id=user.id,
            created_at=now,
            expires_at=now + INVITATION_TTL,
        )
    )
    return await _send(delivery, invitation, organization, user, token)


async def list_invitations(
    session: AsyncSession, user: User, organization_id: uuid.UUID, now: datetime
) -> list[InvitationOut]:
    await _membership(session, user, organization_id)
    return [
        _invitation_out(invitation, inviter, now)
        for invitation, inviter in await InvitationRepository(session).list_open(organization_id)
    ]


async def _open_invitation(
    session: AsyncSession, organization_id: uuid.UUID, invitation_id: uuid.UUID
) -> OrganizationInvitation:
    invitation = await InvitationRepository(session).get_open(organization_id, invitation_id)
    if invitation is None:
        raise NotFound("Invitation not found (it may have been accepted or revoked).")
    return invitation


async def revoke_invitation(
    session: AsyncSession,
    user: User,
    organization_id: uuid.UUID,
    invitation_id: uuid.UUID,
    now: datetime,
) -> None:
    await _membership(session, user, organization_id)
    invitation = await _open_invitation(session, organization_id, invitation_id)
    invitation.revoked_at = now
    await session.flush()


async def resend_invitation(
    session: AsyncSession,
    delivery: Delivery,
    user: User,
    organization_id: uuid.UUID,
    invitation_id: uuid.UUID,
) -> InvitationSent:
    """A new token (the old link stops working) and 7 more days."""
    organization, _ = await _membership(session, user, organization_id)
    invitation = await _open_invitation(session, organization_id, invitation_id)
    token = new_token()
    invitation.token_hash = hash_token(token)
    invitation.expires_at = delivery.state.clock() + INVITATION_TTL
    invitation.invited_by_id = user.id
    await session.flush()
    return await _send(delivery, invitation, organization, user, token)


async def preview_invitation(session: AsyncSession, token: str, now: datetime) -> InvitationPreview:
    found = await InvitationRepository(session).get_pending_by_hash(hash_token(token), now)
    if found is None:
        raise NotFound(INVITATION_GONE, code="invitation_not_found")
    invitation, organization, inviter = found
    account = await UserRepository(session).get_by_email(invitation.email)
    return InvitationPreview.model_validate(
        {
            "organization_name": organization.name,
            "inviter_name": inviter,
            "email": invitation.email,
            "role": invitation.role,
            "expires_at": invitation.expires_at,
            "account_exists": account is not None,
        }
    )


def _registration_fields(email: str, body: InvitationAcceptIn) -> RegisterIn:
    """The new account's name and password under registration's own rules."""
    try:
        return RegisterIn.model_validate(
            {"email": email, "name": body.name, "password": body.password}
        )
    except ValidationError as exc:
        fields = [
            FieldError(field=".".join(str(part) for part in error["loc"]), message=error["msg"])
            for error in exc.errors()
        ]
        names = ", ".join(dict.fromkeys(field.field for field in fields))
        raise ValidationFailed(f"Invalid fields: {names}.", fields=fields) from exc


@dataclass(frozen=True)
class Accepted:
    organization: OrganizationOut
    session: IssuedSession | None


async def accept_invitation(
    session: AsyncSession,
    state: AppState,
    token: str,
    user: User | None,
    body: InvitationAcceptIn,
    *,
    user_agent: str | None = None,
) -> Accepted:
    """Join with the signed-in account (its email must be the invited one: 403
    `invitation_email_mismatch`), or, signed out, create the account for the invited email
    (`name` and `password` required; an existing account is 401 `sign_in_required`) and sign
    it in. A token works once: of two concurrent accepts one wins, the other is 404."""
    now = state.clock()
    invitations = InvitationRepository(session)
    found = await invitations.get_pending_by_hash(hash_token(token), now)
    if found is None:
        raise NotFound(INVITATION_GONE, code="invitation_not_found")
    invitation, organization, _ = found
    if user is not None and user.email != invitation.email:
        raise Forbidden(
            "This invitation is for another email address. Sign out, then open the link again "
            "to sign in or sign up with the invited address.",
            code="invitation_email_mismatch",
        )
    if user is None and await registration_policy(session) is RegistrationMode.CLOSED:
        # An invitation opens an `invite_only` panel, not a closed one.
        raise Forbidden(
            "Registration is closed on this panel: ask its administrator for an account, then "
            "sign in to accept.",
            code="registration_closed",
        )
    if user is None and await UserRepository(session).get_by_email(invitation.email) is not None:
        raise Unauthenticated(
            "An account with the invited email exists: sign in to accept.",
            code="sign_in_required",
        )
    # Claimed first, so a concurrent accept of the same token loses here (404) before it
    # creates anything.
    if not await invitations.claim(invitation.id, now):
        raise NotFound(INVITATION_GONE, code="invitation_not_found")
    issued: IssuedSession | None = None
    if user is None:
        fields = _registration_fields(invitation.email, body)
        user, _ = await create_user(
            session, email=invitation.email, password=fields.password, name=fields.name
        )
        issued = await issue_session(session, state, user, user_agent)
    organizations = OrganizationRepository(session)
    if await organizations.get_membership(organization.id, user.id) is not None:
        raise Conflict("You are already a member of this organization.", code="already_member")
    await organizations.add_membership(
        Membership(user_id=user.id, organization_id=organization.id, role=invitation.role)
    )
    invitation.accepted_by_id = user.id
    await session.flush()
    return Accepted(organization=_organization_out(organization, invitation.role), session=issued)
