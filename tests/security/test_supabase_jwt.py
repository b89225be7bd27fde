"""The Supabase access-token verifier on its own: each rejected token is rejected for the right
reason (tests/auth/test_supabase_sign_in.py covers the same tokens through the API)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.supabase import (
    HS256_SECRET,
    JwksServer,
    access_claims,
    hand_made,
    mint,
    new_ec_key,
    new_rsa_key,
    public_jwk,
    public_pem,
)
from vpspanel.security.passwords import UNUSABLE_PASSWORD_HASH, verify_password
from vpspanel.security.supabase_jwt import (
    KeysUnavailable,
    SupabaseVerifier,
    TokenRejected,
    is_jwt_shaped,
)
from vpspanel.security.tokens import new_token

EC_KEY = new_ec_key()
RSA_KEY = new_rsa_key()


@pytest.fixture(scope="module")
def jwks() -> Iterator[JwksServer]:
    server = JwksServer([public_jwk(EC_KEY, "ec-1"), public_jwk(RSA_KEY, "rsa-1")])
    with server.running():
        yield server


def verifier(
    jwks: JwksServer, algorithms: list[str], secret: str | None = None
) -> SupabaseVerifier:
    return SupabaseVerifier(
        issuer=jwks.issuer,
        algorithms=algorithms,
        jwt_secret=secret,
        jwks_url=jwks.url + "/auth/v1/.well-known/jwks.json",
    )


async def rejection(verifier: SupabaseVerifier, token: str) -> str:
    with pytest.raises(TokenRejected) as raised:
        await verifier.verify(token)
    return raised.value.reason


class TestShape:
    def test_our_session_tokens_are_not_jwt_shaped(self) -> None:
        assert not is_jwt_shaped(new_token())

    def test_a_jwt_and_an_unsigned_jwt_are(self) -> None:
        claims = access_claims("https://x.supabase.co/auth/v1")
        assert is_jwt_shaped(mint(claims, HS256_SECRET))
        assert is_jwt_shaped(hand_made({"alg": "none"}, claims, None))


class TestAccepted:
    async def test_hs256_with_the_secret(self, jwks: JwksServer) -> None:
        claims = access_claims(jwks.issuer, user_metadata={"full_name": "Ada"})
        verified = await verifier(jwks, ["HS256"], HS256_SECRET).verify(mint(claims, HS256_SECRET))
        assert verified.subject == claims["sub"]
        assert verified.email == claims["email"]
        assert verified.user_metadata == {"full_name": "Ada"}
        assert verified.is_anonymous is False

    @pytest.mark.parametrize(("key", "kid"), [(EC_KEY, "ec-1"), (RSA_KEY, "rsa-1")])
    async def test_es256_and_rs256_with_the_jwks_key(
        self, jwks: JwksServer, key: Any, kid: str
    ) -> None:
        claims = access_claims(jwks.issuer)
        verified = await verifier(jwks, ["ES256", "RS256"]).verify(mint(claims, key, kid=kid))
        assert verified.subject == claims["sub"]

    async def test_the_key_set_is_fetched_once_and_cached(self, jwks: JwksServer) -> None:
        checker = verifier(jwks, ["ES256"])
        before = jwks.fetches
        for _ in range(3):
            await checker.verify(mint(access_claims(jwks.issuer), EC_KEY, kid="ec-1"))
        assert jwks.fetches - before == 1


class TestRejected:
    async def test_expired(self, jwks: JwksServer) -> None:
        claims = access_claims(jwks.issuer, exp=int(time.time()) - 60)
        reason = await rejection(
            verifier(jwks, ["HS256"], HS256_SECRET), mint(claims, HS256_SECRET)
        )
        assert reason == "ExpiredSignatureError"

    async def test_wrong_audience(self, jwks: JwksServer) -> None:
        claims = access_claims(jwks.issuer, aud="anon")
        reason = await rejection(
            verifier(jwks, ["HS256"], HS256_SECRET), mint(claims, HS256_SECRET)
        )
        assert reason == "InvalidAudienceError"

    async def test_wrong_issuer(self, jwks: JwksServer) -> None:
        claims = access_claims("https://other-project.supabase.co/auth/v1")
        reason = await rejection(
            verifier(jwks, ["HS256"], HS256_SECRET), mint(claims, HS256_SECRET)
        )
        assert reason == "InvalidIssuerError"

    async def test_signed_with_another_secret(self, jwks: JwksServer) -> None:
        token = mint(access_claims(jwks.issuer), "another-secret-of-at-least-32-characters!!")
        reason = await rejection(verifier(jwks, ["HS256"], HS256_SECRET), token)
        assert reason == "InvalidSignatureError"

    async def test_signed_with_another_key_under_a_known_kid(self, jwks: JwksServer) -> None:
        token = mint(access_claims(jwks.issuer), new_ec_key(), kid="ec-1")
        assert await rejection(verifier(jwks, ["ES256"]), token) == "InvalidSignatureError"

    async def test_alg_none(self, jwks: JwksServer) -> None:
        token = hand_made({"alg": "none", "typ": "JWT"}, access_claims(jwks.issuer), None)
        reason = await rejection(verifier(jwks, ["HS256", "ES256"], HS256_SECRET), token)
        assert reason == "algorithm 'none' not accepted"

    @pytest.mark.parametrize("key", [EC_KEY, RSA_KEY])
    async def test_hs256_keyed_with_the_public_key_when_hs256_is_not_configured(
        self, jwks: JwksServer, key: Any
    ) -> None:
        header = {"alg": "HS256", "typ": "JWT", "kid": "ec-1"}
        token = hand_made(header, access_claims(jwks.issuer), public_pem(key))
        reason = await rejection(verifier(jwks, ["ES256", "RS256"]), token)
        assert reason == "algorithm 'HS256' not accepted"

    async def test_hs256_keyed_with_the_public_key_when_hs256_is_configured(
        self, jwks: JwksServer
    ) -> None:
        header = {"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}
        token = hand_made(header, access_claims(jwks.issuer), public_pem(RSA_KEY))
        reason = await rejection(verifier(jwks, ["HS256", "RS256"], HS256_SECRET), token)
        assert reason == "InvalidSignatureError"

    async def test_a_header_alg_that_is_not_the_keys(self, jwks: JwksServer) -> None:
        # An RS256 token naming the EC key: the key's own algorithm decides.
        token = mint(access_claims(jwks.issuer), RSA_KEY, kid="ec-1")
        reason = await rejection(verifier(jwks, ["ES256", "RS256"]), token)
        assert reason == "key is for another algorithm"

    async def test_unknown_kid(self, jwks: JwksServer) -> None:
        token = mint(access_claims(jwks.issuer), new_ec_key(), kid="not-published")
        assert await rejection(verifier(jwks, ["ES256"]), token) == "no such key"

    async def test_no_kid(self, jwks: JwksServer) -> None:
        token = mint(access_claims(jwks.issuer), EC_KEY)
        assert await rejection(verifier(jwks, ["ES256"]), token) == "no kid"

    @pytest.mark.parametrize("role", ["anon", "service_role"])
    async def test_not_a_signed_in_users_role(self, jwks: JwksServer, role: str) -> None:
        token = mint(access_claims(jwks.issuer, role=role), HS256_SECRET)
        reason = await rejection(verifier(jwks, ["HS256"], HS256_SECRET), token)
        assert reason == "role is not authenticated"

    async def test_without_sub(self, jwks: JwksServer) -> None:
        claims = access_claims(jwks.issuer)
        del claims["sub"]
        reason = await rejection(
            verifier(jwks, ["HS256"], HS256_SECRET), mint(claims, HS256_SECRET)
        )
        assert reason == "MissingRequiredClaimError"

    async def test_not_a_jwt(self, jwks: JwksServer) -> None:
        reason = await rejection(verifier(jwks, ["HS256"], HS256_SECRET), "a.b.c")
        assert reason == "malformed"


class TestKeySetUnreachable:
    async def test_is_keys_unavailable_not_a_rejection(self) -> None:
        server = JwksServer([])
        with server.running():
            pass  # stopped: nothing listens on its port any more
        checker = SupabaseVerifier(
            issuer=server.issuer,
            algorithms=["ES256"],
            jwt_secret=None,
            jwks_url=server.url + "/auth/v1/.well-known/jwks.json",
        )
        token = mint(access_claims(server.issuer), EC_KEY, kid="ec-1")
        with pytest.raises(KeysUnavailable):
            await checker.verify(token)


class TestUnusablePassword:
    def test_no_password_verifies_against_the_marker(self) -> None:
        for password in ("", UNUSABLE_PASSWORD_HASH, "correct horse battery"):
            assert not verify_password(UNUSABLE_PASSWORD_HASH, password)
