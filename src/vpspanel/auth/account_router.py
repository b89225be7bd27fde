"""`/api/account`: the signed-in user's own profile, password and sessions."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from vpspanel.auth.account import (
    active_sessions,
    change_password,
    revoke_own_session,
    update_account,
)
from vpspanel.auth.deps import CurrentUser, PrincipalDep, SessionPrincipal, SignedInUser
from vpspanel.auth.schemas import AccountUpdateIn, PasswordChangeIn, SessionOut, UserOut
from vpspanel.deps import SessionDep, StateDep

router = APIRouter(prefix="/api/account", tags=["account"])


@router.get("", summary="My account")
async def get_account(user: CurrentUser) -> UserOut:
    return UserOut.model_validate(user)


@router.patch(
    "",
    summary="Change my name or sign-in email",
    description=(
        "Only the fields sent change. A new `email` needs `current_password` (422 on "
        "`current_password` when missing or wrong) and must be free (409 `email_taken`)."
    ),
)
async def update_my_account(
    body: AccountUpdateIn, user: SignedInUser, session: SessionDep, state: StateDep
) -> UserOut:
    updated = await update_account(
        session,
        state,
        user,
        name=body.name,
        email=body.email,
        current_password=body.current_password,
    )
    return UserOut.model_validate(updated)


@router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Change my password",
    description=(
        "Needs the current password (422 on `current_password` when wrong). Every other "
        "session of the account is signed out; this one stays."
    ),
)
async def change_my_password(
    body: PasswordChangeIn, principal: SessionPrincipal, session: SessionDep, state: StateDep
) -> Response:
    await change_password(
        session,
        state,
        principal.user,
        principal.session.id,
        current_password=body.current_password,
        new_password=body.new_password,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/sessions", summary="My signed-in sessions")
async def list_my_sessions(
    user: SignedInUser, principal: PrincipalDep, session: SessionDep, state: StateDep
) -> list[SessionOut]:
    sessions = await active_sessions(session, user.id, state.clock())
    return [
        SessionOut(
            id=item.id,
            created_at=item.created_at,
            last_used_at=item.last_used_at,
            expires_at=item.expires_at,
            user_agent=item.user_agent,
            current=principal.session is not None and item.id == principal.session.id,
        )
        for item in sessions
    ]


@router.delete(
    "/sessions/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Sign one of my sessions out",
    description="404 for a session that is not mine, or already signed out.",
)
async def revoke_my_session(
    session_id: Annotated[uuid.UUID, Path(description="The session id from the sessions list.")],
    user: SignedInUser,
    session: SessionDep,
    state: StateDep,
) -> Response:
    await revoke_own_session(session, user.id, session_id, state.clock())
    return Response(status_code=status.HTTP_204_NO_CONTENT)
