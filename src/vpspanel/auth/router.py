from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request, Response, status

from vpspanel.auth import service
from vpspanel.auth.account import (
    confirm_password_reset,
    request_password_reset,
    send_reset_email,
)
from vpspanel.auth.client_address import client_address
from vpspanel.auth.deps import CSRF_COOKIE, SESSION_COOKIE, PrincipalDep
from vpspanel.auth.repository import UserRepository
from vpspanel.auth.schemas import (
    LoginIn,
    LoginOut,
    MeOut,
    OrganizationOut,
    PasswordResetAccepted,
    PasswordResetConfirmIn,
    PasswordResetIn,
    RegisterIn,
    RegisterOut,
    UserOut,
)
from vpspanel.auth.service import (
    IssuedSession,
    create_user,
    issue_session,
    revoke_session,
)
from vpspanel.auth.signup_settings import registration_policy, require_open_registration
from vpspanel.deps import SessionDep, StateDep
from vpspanel.errors import BadRequest
from vpspanel.organizations.models import MembershipRole
from vpspanel.state import AppState

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    summary="Create an account and its organization, signed in",
    description=(
        "Answers like sign-in: the session and CSRF cookies are set and `access_token` is "
        "returned, so no second sign-in is needed."
    ),
)
async def register(
    body: RegisterIn, request: Request, response: Response, session: SessionDep, state: StateDep
) -> RegisterOut:
    """403 `registration_closed` unless the admin's registration setting is `open`."""
    require_open_registration(await registration_policy(session))
    user, organization = await create_user(
        session,
        email=body.email,
        password=body.password,
        name=body.name,
        organization_name=body.organization_name,
    )
    issued = await issue_session(session, state, user, request.headers.get("user-agent"))
    _set_session_cookies(response, state, issued)
    return RegisterOut(
        user=UserOut.model_validate(user),
        organization=OrganizationOut(
            id=organization.id, name=organization.name, role=MembershipRole.OWNER
        ),
        access_token=issued.access_token,
        expires_at=issued.expires_at,
    )


@router.post(
    "/login",
    summary="Sign in (sets the session and CSRF cookies)",
    description=(
        "Throttled per account and client address, per account across addresses (a wait of "
        "at most a minute) and per address: 429 with `Retry-After` and the wait in `detail`."
    ),
)
async def login(body: LoginIn, request: Request, response: Response, state: StateDep) -> LoginOut:
    issued = await service.login(
        state,
        body.email,
        body.password,
        client_address(request, state.settings.trusted_proxies),
        request.headers.get("user-agent"),
    )
    return signed_in(response, issued, state)


def signed_in(response: Response, issued: IssuedSession, state: AppState) -> LoginOut:
    """Set the session and CSRF cookies of a new session on `response`; its body."""
    _set_session_cookies(response, state, issued)
    return LoginOut(
        access_token=issued.access_token,
        expires_at=issued.expires_at,
        user=UserOut.model_validate(issued.user),
    )


def _set_session_cookies(response: Response, state: AppState, issued: IssuedSession) -> None:
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


RESET_ACCEPTED = (
    "If an account exists for that address, we sent it a link to set a new password. The link "
    "works once, for one hour."
)


@router.post(
    "/password-reset",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Email a link to set a new password",
    description=(
        "Always 202 with the same body, whether or not an account has this address (no "
        "account enumeration). When SMTP is configured and an active account has the address, "
        "it is sent a single-use link `<public_url>/reset-password#token=…` valid for one hour; "
        "asking again makes older links invalid. Throttled like sign-in (429)."
    ),
)
async def password_reset(
    body: PasswordResetIn, request: Request, state: StateDep, background: BackgroundTasks
) -> PasswordResetAccepted:
    link = await request_password_reset(
        state,
        body.email,
        client_address(request, state.settings.trusted_proxies),
        str(request.base_url),
    )
    if link is not None and state.mailer.configured:
        background.add_task(send_reset_email, state, link)
    return PasswordResetAccepted(detail=RESET_ACCEPTED)


@router.post(
    "/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Set a new password with a reset link's token",
    description=(
        "Uses the token up and signs the account out everywhere; sign in with the new "
        "password. 400 `invalid_token` for an unknown, used or expired token; 422 on "
        "`password` when it breaks the password rules."
    ),
)
async def password_reset_confirm(
    body: PasswordResetConfirmIn, request: Request, state: StateDep
) -> Response:
    await confirm_password_reset(
        state, body.token, body.password, client_address(request, state.settings.trusted_proxies)
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/logout", status_code=status.HTTP_204_NO_CONTENT, summary="Sign out (revokes this session)"
)
async def logout(principal: PrincipalDep, session: SessionDep, state: StateDep) -> Response:
    """Ends the calling session. An API token or a Supabase access token is not a session of
    ours: 400, and nothing is revoked."""
    if principal.token is not None:
        raise BadRequest(
            "An API token cannot sign out; revoke it with DELETE /api/account/tokens/{token_id}.",
            code="not_a_session",
        )
    if principal.session is None:
        raise BadRequest(
            "This request is signed in with a Supabase access token, which vpspanel does not "
            "keep and cannot revoke: sign out with Supabase (supabase.auth.signOut()).",
            code="external_session",
        )
    await revoke_session(session, principal.session.id, state.clock())
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.get("/me", summary="The signed-in user and their organizations", name="get_me")
async def me(principal: PrincipalDep, session: SessionDep) -> MeOut:
    user = principal.user
    memberships = principal.organizations
    if memberships is None:  # signed in otherwise than with a session of ours
        memberships = await UserRepository(session).organizations_of(user.id)
    return MeOut(
        user=UserOut.model_validate(user),
        organizations=[
            OrganizationOut(id=org.id, name=org.name, role=role) for org, role in memberships
        ],
    )
