"""/api/organizations (mine, members, invitations) and the public /api/invitations/{token}."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from vpspanel.auth.deps import CurrentUser, OptionalPrincipalDep, SignedInUser
from vpspanel.auth.router import signed_in
from vpspanel.auth.schemas import OrganizationOut
from vpspanel.deps import SessionDep, StateDep
from vpspanel.errors import ERROR_RESPONSES
from vpspanel.organizations import service
from vpspanel.organizations.schemas import (
    InvitationAccepted,
    InvitationAcceptIn,
    InvitationCreateIn,
    InvitationList,
    InvitationPreview,
    InvitationSent,
    MemberList,
    MemberOut,
    MemberUpdateIn,
    OrganizationCreateIn,
    OrganizationList,
    OrganizationUpdateIn,
)
from vpspanel.state import AppState

router = APIRouter(
    prefix="/api/organizations", tags=["organizations"], responses={**ERROR_RESPONSES}
)
invitations_router = APIRouter(
    prefix="/api/invitations", tags=["organizations"], responses={**ERROR_RESPONSES}
)

OrganizationId = Annotated[
    uuid.UUID, Path(description="The organization id (one the caller belongs to, else 404).")
]
MemberId = Annotated[uuid.UUID, Path(description="The member's user id.")]
InvitationId = Annotated[uuid.UUID, Path(description="The invitation id.")]
InvitationToken = Annotated[
    str,
    Path(
        min_length=1,
        max_length=128,
        description="The single-use token from the invitation link (`/invite/<token>`).",
    ),
]


def _delivery(request: Request, state: AppState) -> service.Delivery:
    base_url = state.settings.public_url or str(request.base_url)
    return service.Delivery(state=state, base_url=base_url.rstrip("/"))


@router.get("", summary="My organizations, with my role in each")
async def list_organizations(user: CurrentUser, session: SessionDep) -> OrganizationList:
    return OrganizationList(organizations=await service.list_mine(session, user))


@router.post(
    "", status_code=status.HTTP_201_CREATED, summary="Create an organization (I become its owner)"
)
async def create_organization(
    body: OrganizationCreateIn, user: SignedInUser, session: SessionDep
) -> OrganizationOut:
    return await service.create(session, user, body.name)


@router.patch("/{organization_id}", summary="Rename an organization (owners)")
async def rename_organization(
    organization_id: OrganizationId,
    body: OrganizationUpdateIn,
    user: SignedInUser,
    session: SessionDep,
) -> OrganizationOut:
    return await service.rename(session, user, organization_id, body.name)


@router.get("/{organization_id}/members", summary="The organization's members (owners)")
async def list_members(
    organization_id: OrganizationId, user: SignedInUser, session: SessionDep
) -> MemberList:
    return MemberList(members=await service.list_members(session, user, organization_id))


@router.patch(
    "/{organization_id}/members/{user_id}",
    summary="Change a member's role (owners; never the last owner)",
)
async def change_member_role(
    organization_id: OrganizationId,
    user_id: MemberId,
    body: MemberUpdateIn,
    user: SignedInUser,
    session: SessionDep,
) -> MemberOut:
    return await service.change_role(session, user, organization_id, user_id, body.role)


@router.delete(
    "/{organization_id}/members/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a member (owners; never the last owner)",
)
async def remove_member(
    organization_id: OrganizationId, user_id: MemberId, user: SignedInUser, session: SessionDep
) -> Response:
    await service.remove_member(session, user, organization_id, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{organization_id}/leave",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Leave an organization (not as its last owner)",
)
async def leave_organization(
    organization_id: OrganizationId, user: SignedInUser, session: SessionDep
) -> Response:
    await service.leave(session, user, organization_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{organization_id}/invitations", summary="Pending invitations (owners; never their links)"
)
async def list_invitations(
    organization_id: OrganizationId, user: SignedInUser, session: SessionDep, state: StateDep
) -> InvitationList:
    return InvitationList(
        invitations=await service.list_invitations(session, user, organization_id, state.clock())
    )


@router.post(
    "/{organization_id}/invitations",
    status_code=status.HTTP_201_CREATED,
    summary="Invite someone by email (owners): emailed, or the link shown once",
)
async def create_invitation(
    organization_id: OrganizationId,
    body: InvitationCreateIn,
    request: Request,
    user: SignedInUser,
    session: SessionDep,
    state: StateDep,
) -> InvitationSent:
    return await service.invite(
        session, _delivery(request, state), user, organization_id, body.email, body.role
    )


@router.delete(
    "/{organization_id}/invitations/{invitation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke an invitation (owners): its link stops working",
)
async def revoke_invitation(
    organization_id: OrganizationId,
    invitation_id: InvitationId,
    user: SignedInUser,
    session: SessionDep,
    state: StateDep,
) -> Response:
    await service.revoke_invitation(session, user, organization_id, invitation_id, state.clock())
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{organization_id}/invitations/{invitation_id}/resend",
    summary="Resend an invitation (owners): a new link, the old one stops working",
)
async def resend_invitation(
    organization_id: OrganizationId,
    invitation_id: InvitationId,
    request: Request,
    user: SignedInUser,
    session: SessionDep,
    state: StateDep,
) -> InvitationSent:
    return await service.resend_invitation(
        session, _delivery(request, state), user, organization_id, invitation_id
    )


@invitations_router.get("/{token}", summary="What an invitation link is for (public)")
async def preview_invitation(
    token: InvitationToken, session: SessionDep, state: StateDep
) -> InvitationPreview:
    return await service.preview_invitation(session, token, state.clock())


@invitations_router.post(
    "/{token}/accept",
    summary="Accept an invitation: join, signing up first if there is no account",
)
async def accept_invitation(
    token: InvitationToken,
    body: InvitationAcceptIn,
    request: Request,
    response: Response,
    principal: OptionalPrincipalDep,
    session: SessionDep,
    state: StateDep,
) -> InvitationAccepted:
    user = principal.user if principal else None
    accepted = await service.accept_invitation(
        session, state, token, user, body, user_agent=request.headers.get("user-agent")
    )
    signed_in_as = signed_in(response, accepted.session, state) if accepted.session else None
    return InvitationAccepted(organization=accepted.organization, session=signed_in_as)
