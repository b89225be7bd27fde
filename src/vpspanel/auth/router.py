from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from vpspanel.auth.deps import CSRF_COOKIE, SESSION_COOKIE, CurrentUser, PrincipalDep
from vpspanel.auth.repository import UserRepository
from vpspanel.auth.schemas import (
    LoginIn,
    LoginOut,
    MeOut,
    OrganizationOut,
    RegisterIn,
    RegisterOut,
    UserOut,
)
from vpspanel.auth.service import LoginService, create_user, revoke_session
from vpspanel.deps import SessionDep, StateDep
from vpspanel.errors import BadRequest
from vpspanel.organizations.models import MembershipRole

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    summary="Create an account and its organization",
)
async def register(body: RegisterIn, db: SessionDep) -> RegisterOut:
    user, organization = await create_user(
        db,
        email=body.email,
        password=body.password,
        name=body.name,
        organization_name=body.organization_name,
    )
    return RegisterOut(
        user=UserOut.model_validate(user),
        organization=OrganizationOut(
            id=organization.id, name=organization.name, role=MembershipRole.OWNER
        ),
    )


@router.post("/login", summary="Sign in (sets the session and CSRF cookies)")
async def login(body: LoginIn, request: Request, response: Response, state: StateDep) -> LoginOut:
    client_address = request.client.host if request.client else "unknown"
    issued = await LoginService(state).login(body.email, body.password, client_address)
    max_age = int((issued.expires_at - state.clock()).total_seconds())
    secure = state.settings.cookie_secure
    response.set_cookie(
        SESSION_COOKIE,
        issued.access_token,
        max_age=max_age,
        httponly=True,
        secure=secure,
        samesite="lax",
        path="/",
    )
    # Readable by the page's script, which echoes it in X-CSRF-Token (double submit).
    response.set_cookie(
        CSRF_COOKIE, issued.csrf_token, max_age=max_age, secure=secure, samesite="lax", path="/"
    )
    return LoginOut(
        access_token=issued.access_token,
        expires_at=issued.expires_at,
        user=UserOut.model_validate(issued.user),
    )


@router.post(
    "/logout", status_code=status.HTTP_204_NO_CONTENT, summary="Sign out (revokes this session)"
)
async def logout(principal: PrincipalDep, db: SessionDep, state: StateDep) -> Response:
    """Ends the calling session. An API token is not a session: 400, and nothing is revoked
    (revoke a token with DELETE /api/account/tokens/{token_id})."""
    if principal.session is None:
        raise BadRequest(
            "An API token cannot sign out; revoke it with DELETE /api/account/tokens/{token_id}.",
            code="not_a_session",
        )
    await revoke_session(db, principal.session.id, state.clock())
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.get("/me", summary="The signed-in user and their organizations", name="get_me")
async def me(user: CurrentUser, db: SessionDep) -> MeOut:
    memberships = await UserRepository(db).organizations_of(user.id)
    return MeOut(
        user=UserOut.model_validate(user),
        organizations=[
            OrganizationOut(id=org.id, name=org.name, role=role) for org, role in memberships
        ],
    )
