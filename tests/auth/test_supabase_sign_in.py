"""Signing in with a Supabase access token (docs/supabase.md), through the API."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import func, select, update

from tests.factories import DEFAULT_PASSWORD, create_committed_user, login
from tests.support.supabase import (
    HS256_SECRET,
    JWKS_PATH,
    JwksServer,
    access_claims,
    hand_made,
    mint,
    new_ec_key,
    new_rsa_key,
    public_jwk,
    public_pem,
)
from vpspanel.app import create_app
from vpspanel.auth.models import ExternalIdentity, User
from vpspanel.config import Settings
from vpspanel.security.passwords import UNUSABLE_PASSWORD_HASH
from vpspanel.security.supabase_jwt import SupabaseVerifier
from vpspanel.state import AppState

EC_KEY = new_ec_key()
RSA_KEY = new_rsa_key()


@pytest.fixture(scope="module")
def project() -> Iterator[JwksServer]:
    """The Supabase project: its JWKS publishes the EC and RSA public keys."""
    server = JwksServer([public_jwk(EC_KEY, "ec-1"), public_jwk(RSA_KEY, "rsa-1")])
    with server.running():
        yield server


def with_supabase(state: AppState, **settings: Any) -> AppState:
    configured = Settings.model_validate({**state.settings.model_dump(), **settings})
    return dataclasses.replace(
        state, settings=configured, supabase=SupabaseVerifier.from_settings(configured)
    )


async def _client(state: AppState) -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=create_app(state=state), client=("203.0.113.10", 50000))
    async with AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
async def supa(state: AppState, project: JwksServer) -> AsyncIterator[AsyncClient]:
    """The app with Supabase sign-in on for HS256 (the secret) and ES256/RS256 (the JWKS)."""
    configured = with_supabase(
        state,
        supabase_url=project.url + "/",
        supabase_jwt_secret=HS256_SECRET,
        supabase_jwt_algorithms=["HS256", "ES256", "RS256"],
    )
    async for http in _client(configured):
        yield http


@pytest.fixture
async def supa_jwks_only(state: AppState, project: JwksServer) -> AsyncIterator[AsyncClient]:
    """Sign-in on with only the JWKS (the default algorithms without a secret)."""
    async for http in _client(with_supabase(state, supabase_url=project.url)):
        yield http


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def count(state: AppState, model: type[Any], **where: Any) -> int:
    async with state.read_sessionmaker() as db:
        statement = select(func.count()).select_from(model).filter_by(**where)
        return int(await db.scalar(statement) or 0)


class TestFirstSignIn:
    async def test_hs256_token_creates_a_customer_with_an_organization_once(
        self, supa: AsyncClient, state: AppState, project: JwksServer
    ) -> None:
        claims = access_claims(project.issuer, user_metadata={"full_name": "Grace Hopper"})
        token = mint(claims, HS256_SECRET)
        first = await supa.get("/api/auth/me", headers=bearer(token))
        assert first.status_code == 200, first.text
        second = await supa.get("/api/auth/me", headers=bearer(token))
        assert second.status_code == 200
        body = first.json()
        assert second.json()["user"]["id"] == body["user"]["id"]
        assert body["user"]["email"] == claims["email"]
        assert body["user"]["name"] == "Grace Hopper"
        assert body["user"]["role"] == "customer"
        assert [org["role"] for org in body["organizations"]] == ["owner"]
        assert await count(state, User, email=claims["email"]) == 1
        assert await count(state, ExternalIdentity, subject=claims["sub"]) == 1

    @pytest.mark.parametrize(("key", "kid"), [(EC_KEY, "ec-1"), (RSA_KEY, "rsa-1")])
    async def test_es256_and_rs256_tokens_verify_against_the_jwks(
        self, supa_jwks_only: AsyncClient, project: JwksServer, key: Any, kid: str
    ) -> None:
        token = mint(access_claims(project.issuer), key, kid=kid)
        first = await supa_jwks_only.get("/api/auth/me", headers=bearer(token))
        assert first.status_code == 200, first.text
        again = await supa_jwks_only.get("/api/auth/me", headers=bearer(token))
        assert again.json()["user"]["id"] == first.json()["user"]["id"]

    async def test_the_same_subject_with_a_new_token_is_the_same_user(
        self, supa: AsyncClient, project: JwksServer
    ) -> None:
        claims = access_claims(project.issuer)
        first = await supa.get("/api/auth/me", headers=bearer(mint(claims, HS256_SECRET)))
        refreshed = {**claims, "session_id": "another", "iat": claims["iat"] + 1}
        second = await supa.get("/api/auth/me", headers=bearer(mint(refreshed, EC_KEY, kid="ec-1")))
        assert second.json()["user"]["id"] == first.json()["user"]["id"]

    async def test_concurrent_first_requests_make_one_user(
        self, supa: AsyncClient, state: AppState, project: JwksServer
    ) -> None:
        claims = access_claims(project.issuer)
        headers = bearer(mint(claims, HS256_SECRET))
        responses = await asyncio.gather(
            *(supa.get("/api/auth/me", headers=headers) for _ in range(4))
        )
        assert [r.status_code for r in responses] == [200] * 4, [r.text for r in responses]
        assert len({r.json()["user"]["id"] for r in responses}) == 1
        assert await count(state, User, email=claims["email"]) == 1

    async def test_the_new_user_has_no_password_that_signs_in(
        self, supa: AsyncClient, state: AppState, project: JwksServer
    ) -> None:
        claims = access_claims(project.issuer)
        await supa.get("/api/auth/me", headers=bearer(mint(claims, HS256_SECRET)))
        async with state.read_sessionmaker() as db:
            user = await db.scalar(select(User).filter_by(email=claims["email"]))
        assert user is not None and user.password_hash == UNUSABLE_PASSWORD_HASH
        for password in (UNUSABLE_PASSWORD_HASH, "", DEFAULT_PASSWORD):
            response = await supa.post(
                "/api/auth/login", json={"email": claims["email"], "password": password}
            )
            assert response.status_code in (401, 422), response.text

    async def test_a_bearer_token_needs_no_csrf_and_has_no_session_to_sign_out(
        self, supa: AsyncClient, project: JwksServer
    ) -> None:
        token = mint(access_claims(project.issuer), HS256_SECRET)
        response = await supa.post("/api/auth/logout", headers=bearer(token))
        assert response.status_code == 400
        assert response.json()["error"] == "external_session"

    async def test_our_own_sessions_still_work_beside_it(
        self, supa: AsyncClient, state: AppState
    ) -> None:
        user, _ = await create_committed_user(state)
        token = await login(supa, user.email)
        response = await supa.get("/api/auth/me", headers=bearer(token))
        assert response.status_code == 200
        assert response.json()["user"]["id"] == str(user.id)


def _rejected_tokens(issuer: str) -> dict[str, str]:
    now = int(time.time())
    return {
        "expired": mint(access_claims(issuer, exp=now - 3600, iat=now - 7200), HS256_SECRET),
        "wrong audience": mint(access_claims(issuer, aud="anon"), HS256_SECRET),
        "wrong issuer": mint(access_claims("https://evil.supabase.co/auth/v1"), HS256_SECRET),
        "another secret": mint(access_claims(issuer), "x" * 40),
        "forged ES256": mint(access_claims(issuer), new_ec_key(), kid="ec-1"),
        "forged RS256": mint(access_claims(issuer), new_rsa_key(), kid="rsa-1"),
        "unknown kid": mint(access_claims(issuer), new_ec_key(), kid="ec-2"),
        "alg none": hand_made({"alg": "none", "typ": "JWT"}, access_claims(issuer), None),
        "HS256 keyed with the EC public key": hand_made(
            {"alg": "HS256", "typ": "JWT", "kid": "ec-1"}, access_claims(issuer), public_pem(EC_KEY)
        ),
        "HS256 keyed with the RSA public key": hand_made(
            {"alg": "HS256", "typ": "JWT", "kid": "rsa-1"},
            access_claims(issuer),
            public_pem(RSA_KEY),
        ),
        "anon role": mint(access_claims(issuer, role="anon"), HS256_SECRET),
    }


REJECTED = list(_rejected_tokens("https://placeholder").keys())


class TestRejectedTokens:
    @pytest.mark.parametrize("case", REJECTED)
    async def test_is_401_and_creates_nobody(
        self,
        supa: AsyncClient,
        state: AppState,
        project: JwksServer,
        case: str,
        captured_logs: pytest.CaptureFixture[str],
    ) -> None:
        token = _rejected_tokens(project.issuer)[case]
        response = await supa.get("/api/auth/me", headers=bearer(token))
        assert response.status_code == 401, response.text
        assert response.json()["error"] == "unauthenticated"
        assert await count(state, User) == 0
        logs = captured_logs.readouterr()
        assert "supabase_token_rejected" in logs.err + logs.out
        signature = token.rsplit(".", 1)[1] or token
        assert signature not in response.text + logs.err + logs.out

    @pytest.mark.parametrize("case", REJECTED)
    async def test_is_401_with_only_the_jwks_configured(
        self, supa_jwks_only: AsyncClient, project: JwksServer, case: str
    ) -> None:
        token = _rejected_tokens(project.issuer)[case]
        response = await supa_jwks_only.get("/api/auth/me", headers=bearer(token))
        assert response.status_code == 401, response.text

    async def test_a_valid_hs256_token_when_only_the_jwks_is_configured(
        self, supa_jwks_only: AsyncClient, project: JwksServer
    ) -> None:
        token = mint(access_claims(project.issuer), HS256_SECRET)
        response = await supa_jwks_only.get("/api/auth/me", headers=bearer(token))
        assert response.status_code == 401

    async def test_in_the_session_cookie_it_is_not_a_supabase_sign_in(
        self, supa: AsyncClient, project: JwksServer
    ) -> None:
        token = mint(access_claims(project.issuer), HS256_SECRET)
        supa.cookies.set("vpspanel_session", token)
        response = await supa.get("/api/auth/me")
        assert response.status_code == 401


class TestFeatureOff:
    async def test_a_valid_token_is_401_without_supabase_url(
        self, client: AsyncClient, state: AppState, project: JwksServer
    ) -> None:
        assert state.supabase is None
        for token in (
            mint(access_claims(project.issuer), HS256_SECRET),
            mint(access_claims(project.issuer), EC_KEY, kid="ec-1"),
        ):
            response = await client.get("/api/auth/me", headers=bearer(token))
            assert response.status_code == 401
        assert await count(state, User) == 0


class TestAccounts:
    async def test_a_local_account_with_the_email_is_409_and_not_linked(
        self, supa: AsyncClient, state: AppState, project: JwksServer
    ) -> None:
        local, _ = await create_committed_user(state, email="owner@example.com")
        token = mint(access_claims(project.issuer, email="Owner@Example.COM"), HS256_SECRET)
        response = await supa.get("/api/auth/me", headers=bearer(token))
        assert response.status_code == 409
        body = response.json()
        assert body["error"] == "account_exists"
        assert "not linked" in body["detail"]
        assert await count(state, ExternalIdentity) == 0
        assert await login(supa, local.email)  # the local password still works

    async def test_a_suspended_user_is_401(
        self, supa: AsyncClient, state: AppState, project: JwksServer
    ) -> None:
        claims = access_claims(project.issuer)
        token = mint(claims, HS256_SECRET)
        assert (await supa.get("/api/auth/me", headers=bearer(token))).status_code == 200
        async with state.sessionmaker() as db, db.begin():
            await db.execute(update(User).where(User.email == claims["email"]).values(active=False))
        response = await supa.get("/api/auth/me", headers=bearer(token))
        assert response.status_code == 401
        assert "suspended" in response.json()["detail"]

    @pytest.mark.parametrize(
        "overrides", [{"is_anonymous": True, "email": ""}, {"email": ""}, {"email": "not-an-email"}]
    )
    async def test_a_first_sign_in_without_an_email_is_403(
        self, supa: AsyncClient, state: AppState, project: JwksServer, overrides: dict[str, Any]
    ) -> None:
        token = mint(access_claims(project.issuer, **overrides), HS256_SECRET)
        response = await supa.get("/api/auth/me", headers=bearer(token))
        assert response.status_code == 403
        assert response.json()["error"] == "email_required"
        assert await count(state, User) == 0


class TestKeySetUnreachable:
    async def test_is_503_not_401(self, state: AppState) -> None:
        down = JwksServer([])
        with down.running():
            pass  # stopped: nothing listens on its port any more
        configured = with_supabase(state, supabase_url=down.url)
        assert configured.settings.supabase_jwks_url == down.url + JWKS_PATH
        token = mint(access_claims(down.issuer), EC_KEY, kid="ec-1")
        async for http in _client(configured):
            response = await http.get("/api/auth/me", headers=bearer(token))
        assert response.status_code == 503
        assert response.json()["error"] == "service_unavailable"


class TestWiring:
    async def test_the_app_state_builds_the_verifier_from_the_settings(
        self, state: AppState
    ) -> None:
        configured = Settings.model_validate(
            {**state.settings.model_dump(), "supabase_url": "https://abcd.supabase.co"}
        )
        built = AppState.from_settings(configured)
        try:
            assert built.supabase is not None
            assert built.supabase.issuer == "https://abcd.supabase.co/auth/v1"
            assert built.supabase.algorithms == {"ES256", "RS256"}
        finally:
            await built.engine.dispose()
