"""Invitations: hashed single-use tokens, expiry, revoke, resend, accepting signed in or by
signing up, and email delivery through a real SMTP server."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select, text, update

from tests.factories import login
from tests.organizations.support import Person, owner_and_member, person
from tests.support.smtp import SmtpServer
from vpspanel.auth.signup_settings import RegistrationMode
from vpspanel.config import Settings
from vpspanel.customers.models import SETTINGS_ROW_ID, PanelSettings
from vpspanel.db.base import Base
from vpspanel.organizations.models import Membership, Organization, OrganizationInvitation
from vpspanel.security.tokens import hash_token
from vpspanel.state import AppState, mailer_for

NEW_PASSWORD = "a long enough passphrase"


async def invite(
    client: AsyncClient,
    owner: Person,
    organization: Organization,
    email: str = "newcomer@example.com",
    role: str = "member",
) -> dict[str, Any]:
    response = await client.post(
        f"/api/organizations/{organization.id}/invitations",
        json={"email": email, "role": role},
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def set_registration(state: AppState, mode: RegistrationMode) -> None:
    async with state.sessionmaker() as session, session.begin():
        row = await session.get(PanelSettings, SETTINGS_ROW_ID)
        if row is None:
            session.add(PanelSettings(id=SETTINGS_ROW_ID, registration=mode))
        else:
            row.registration = mode


def token_of(link: str) -> str:
    match = re.search(r"/invite/([A-Za-z0-9_-]+)$", link)
    assert match, link
    return match.group(1)


async def sign_up(client: AsyncClient, token: str, name: str = "Newcomer") -> Any:
    return await client.post(
        f"/api/invitations/{token}/accept", json={"name": name, "password": NEW_PASSWORD}
    )


class TestInvite:
    async def test_without_smtp_the_link_is_shown_once_and_only_its_hash_is_stored(
        self, state: AppState, client: AsyncClient
    ) -> None:
        owner, organization = await person(state, client)
        sent = await invite(client, owner, organization, email="Newcomer@Example.com")
        assert sent["delivery"] == "link"
        assert sent["link"].startswith("http://testserver/invite/")
        assert sent["invitation"]["email"] == "newcomer@example.com"
        assert sent["invitation"]["expires_at"]
        token = token_of(sent["link"])
        listed = await client.get(
            f"/api/organizations/{organization.id}/invitations", headers=owner.headers
        )
        assert [i["id"] for i in listed.json()["invitations"]] == [sent["invitation"]["id"]]
        assert token not in listed.text
        dump = await every_row(state)
        assert token not in dump
        assert hash_token(token) in dump

    async def test_public_url_is_the_links_base(
        self, state: AppState, client: AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(state.settings, "public_url", "https://panel.example.com/")
        owner, organization = await person(state, client)
        sent = await invite(client, owner, organization)
        assert sent["link"].startswith("https://panel.example.com/invite/")

    async def test_an_existing_member_cannot_be_invited(
        self, state: AppState, client: AsyncClient
    ) -> None:
        owner, member, organization = await owner_and_member(state, client)
        response = await client.post(
            f"/api/organizations/{organization.id}/invitations",
            json={"email": member.user.email.upper(), "role": "member"},
            headers=owner.headers,
        )
        assert response.status_code == 409
        assert response.json()["error"] == "already_member"

    async def test_a_second_invitation_to_a_pending_address_is_refused_until_it_expires(
        self, state: AppState, client: AsyncClient
    ) -> None:
        owner, organization = await person(state, client)
        first = await invite(client, owner, organization, email="bob@example.net", role="owner")
        again = await client.post(
            f"/api/organizations/{organization.id}/invitations",
            json={"email": "BOB@example.net", "role": "member"},
            headers=owner.headers,
        )
        assert again.status_code == 409
        assert again.json()["error"] == "already_invited"
        async with state.sessionmaker() as session, session.begin():
            await session.execute(
                update(OrganizationInvitation)
                .where(OrganizationInvitation.id == uuid.UUID(first["invitation"]["id"]))
                .values(expires_at=state.clock() - timedelta(minutes=1))
            )
        replaced = await invite(client, owner, organization, email="bob@example.net")
        listed = await client.get(
            f"/api/organizations/{organization.id}/invitations", headers=owner.headers
        )
        assert [i["id"] for i in listed.json()["invitations"]] == [replaced["invitation"]["id"]]

    async def test_bad_email_is_422_naming_the_field(
        self, state: AppState, client: AsyncClient
    ) -> None:
        owner, organization = await person(state, client)
        response = await client.post(
            f"/api/organizations/{organization.id}/invitations",
            json={"email": "not-an-email", "role": "member"},
            headers=owner.headers,
        )
        assert response.status_code == 422
        assert response.json()["fields"][0]["field"] == "email"


class TestPreview:
    async def test_shows_organization_inviter_role_and_whether_an_account_exists(
        self, state: AppState, client: AsyncClient
    ) -> None:
        owner, organization = await person(state, client)
        other, _ = await person(state, client)
        fresh = token_of((await invite(client, owner, organization, role="owner"))["link"])
        existing = token_of((await invite(client, owner, organization, other.user.email))["link"])
        preview = (await client.get(f"/api/invitations/{fresh}")).json()
        assert preview["organization_name"] == organization.name
        assert preview["inviter_name"] == owner.user.name
        assert (preview["email"], preview["role"]) == ("newcomer@example.com", "owner")
        assert preview["account_exists"] is False
        assert (await client.get(f"/api/invitations/{existing}")).json()["account_exists"]

    async def test_unknown_revoked_used_and_expired_tokens_look_the_same(
        self, state: AppState, client: AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        owner, organization = await person(state, client)
        used = token_of((await invite(client, owner, organization, "a@example.com"))["link"])
        assert (await sign_up(client, used)).status_code == 200
        client.cookies.clear()
        revoked_sent = await invite(client, owner, organization, "b@example.com")
        await client.delete(
            f"/api/organizations/{organization.id}/invitations/{revoked_sent['invitation']['id']}",
            headers=owner.headers,
        )
        expiring = token_of((await invite(client, owner, organization, "c@example.com"))["link"])
        assert (await client.get(f"/api/invitations/{expiring}")).status_code == 200
        later = state.clock() + timedelta(days=7, minutes=1)
        monkeypatch.setattr(state, "clock", lambda: later)
        answers = [
            await client.get(f"/api/invitations/{token}")
            for token in ("x" * 43, used, token_of(revoked_sent["link"]), expiring)
        ]
        assert {a.status_code for a in answers} == {404}
        assert len({a.text for a in answers}) == 1
        assert answers[0].json()["error"] == "invitation_not_found"
        expired_accept = await sign_up(client, expiring)
        assert expired_accept.status_code == 404


class TestAccept:
    async def test_signing_up_through_the_link_joins_and_signs_in(
        self, state: AppState, client: AsyncClient
    ) -> None:
        owner, organization = await person(state, client)
        token = token_of((await invite(client, owner, organization))["link"])
        accepted = await sign_up(client, token)
        assert accepted.status_code == 200, accepted.text
        body = accepted.json()
        assert body["organization"] == {
            "id": str(organization.id),
            "name": organization.name,
            "role": "member",
        }
        assert body["session"]["user"]["email"] == "newcomer@example.com"
        cookies = accepted.headers.get_list("set-cookie")
        assert any(c.startswith("vpspanel_session=") and "HttpOnly" in c for c in cookies)
        assert any(c.startswith("vpspanel_csrf=") for c in cookies)
        client.cookies.clear()
        me = await client.get(
            "/api/auth/me",
            headers={"Authorization": f"Bearer {body['session']['access_token']}"},
        )
        assert str(organization.id) in {o["id"] for o in me.json()["organizations"]}
        # The account exists now and signs in with its password.
        await login(client, "newcomer@example.com", NEW_PASSWORD)
        again = await sign_up(client, token)
        assert again.status_code == 404

    async def test_an_invite_only_panel_admits_the_invited_and_a_closed_one_does_not(
        self, state: AppState, client: AsyncClient
    ) -> None:
        owner, organization = await person(state, client)
        first = token_of((await invite(client, owner, organization, "one@example.com"))["link"])
        second = token_of((await invite(client, owner, organization, "two@example.com"))["link"])
        await set_registration(state, RegistrationMode.INVITE_ONLY)
        client.cookies.clear()
        assert (await sign_up(client, first)).status_code == 200
        client.cookies.clear()
        await set_registration(state, RegistrationMode.CLOSED)
        refused = await sign_up(client, second)
        assert refused.status_code == 403
        assert refused.json()["error"] == "registration_closed"
        # Nothing was used up or created: the link works once registration opens again.
        await set_registration(state, RegistrationMode.OPEN)
        assert (await sign_up(client, second)).status_code == 200

    async def test_sign_up_uses_registrations_password_rules(
        self, state: AppState, client: AsyncClient
    ) -> None:
        owner, organization = await person(state, client)
        token = token_of((await invite(client, owner, organization))["link"])
        short = await client.post(
            f"/api/invitations/{token}/accept", json={"name": "N", "password": "short"}
        )
        assert short.status_code == 422
        assert [f["field"] for f in short.json()["fields"]] == ["password"]
        missing = await client.post(f"/api/invitations/{token}/accept", json={})
        assert missing.status_code == 422
        assert {f["field"] for f in missing.json()["fields"]} == {"name", "password"}
        # A refused attempt does not use the invitation up.
        assert (await sign_up(client, token)).status_code == 200

    async def test_signed_in_with_the_invited_email_joins(
        self, state: AppState, client: AsyncClient
    ) -> None:
        owner, organization = await person(state, client)
        invitee, _ = await person(state, client)
        sent = await invite(client, owner, organization, invitee.user.email, role="owner")
        accepted = await client.post(
            f"/api/invitations/{token_of(sent['link'])}/accept", json={}, headers=invitee.headers
        )
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["organization"]["role"] == "owner"
        assert accepted.json()["session"] is None
        listed = await client.get(
            f"/api/organizations/{organization.id}/invitations", headers=owner.headers
        )
        assert listed.json()["invitations"] == []

    async def test_signed_in_with_another_email_is_403(
        self, state: AppState, client: AsyncClient
    ) -> None:
        owner, organization = await person(state, client)
        stranger, _ = await person(state, client)
        token = token_of((await invite(client, owner, organization))["link"])
        refused = await client.post(
            f"/api/invitations/{token}/accept", json={}, headers=stranger.headers
        )
        assert refused.status_code == 403
        assert refused.json()["error"] == "invitation_email_mismatch"
        assert (await client.get(f"/api/invitations/{token}")).status_code == 200

    async def test_signed_out_with_an_existing_account_must_sign_in(
        self, state: AppState, client: AsyncClient
    ) -> None:
        owner, organization = await person(state, client)
        invitee, _ = await person(state, client)
        token = token_of((await invite(client, owner, organization, invitee.user.email))["link"])
        refused = await client.post(
            f"/api/invitations/{token}/accept", json={"name": "X", "password": NEW_PASSWORD}
        )
        assert refused.status_code == 401
        assert refused.json()["error"] == "sign_in_required"
        async with state.read_sessionmaker() as session:
            user = await session.get(type(invitee.user), invitee.user.id)
            assert user is not None
            assert user.password_hash == invitee.user.password_hash

    async def test_two_accepts_at_once_one_wins(self, state: AppState, client: AsyncClient) -> None:
        owner, organization = await person(state, client)
        token = token_of((await invite(client, owner, organization))["link"])
        first, second = await asyncio.gather(
            sign_up(client, token, "First"), sign_up(client, token, "Second")
        )
        assert sorted([first.status_code, second.status_code]) == [200, 404]
        async with state.read_sessionmaker() as session:
            joined = (
                await session.scalars(
                    select(Membership).where(Membership.organization_id == organization.id)
                )
            ).all()
        assert len(joined) == 2

    async def test_revoked_invitation_cannot_be_accepted(
        self, state: AppState, client: AsyncClient
    ) -> None:
        owner, organization = await person(state, client)
        sent = await invite(client, owner, organization)
        url = f"/api/organizations/{organization.id}/invitations/{sent['invitation']['id']}"
        assert (await client.delete(url, headers=owner.headers)).status_code == 204
        assert (await client.delete(url, headers=owner.headers)).status_code == 404
        assert (await sign_up(client, token_of(sent["link"]))).status_code == 404

    async def test_resend_kills_the_old_link_and_renews_expiry(
        self, state: AppState, client: AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        owner, organization = await person(state, client)
        sent = await invite(client, owner, organization)
        later = state.clock() + timedelta(days=8)
        monkeypatch.setattr(state, "clock", lambda: later)
        owner.headers = {"Authorization": f"Bearer {await login(client, owner.user.email)}"}
        listed = await client.get(
            f"/api/organizations/{organization.id}/invitations", headers=owner.headers
        )
        assert listed.json()["invitations"][0]["expired"] is True
        resent = await client.post(
            f"/api/organizations/{organization.id}/invitations/{sent['invitation']['id']}/resend",
            headers=owner.headers,
        )
        assert resent.status_code == 200, resent.text
        new_link = resent.json()["link"]
        assert new_link != sent["link"]
        assert resent.json()["invitation"]["expired"] is False
        assert (await client.get(f"/api/invitations/{token_of(sent['link'])}")).status_code == 404
        assert (await sign_up(client, token_of(new_link))).status_code == 200


class TestSecrets:
    async def test_tokens_and_passwords_stay_out_of_the_logs(
        self,
        state: AppState,
        client: AsyncClient,
        captured_logs: pytest.CaptureFixture[str],
    ) -> None:
        owner, organization = await person(state, client)
        token = token_of((await invite(client, owner, organization))["link"])
        await client.get(f"/api/invitations/{token}")
        accepted = await sign_up(client, token)
        logs = captured_logs.readouterr().err
        assert '"route": "/api/invitations/{token}/accept"' in logs  # the requests were logged
        for secret in (token, NEW_PASSWORD, accepted.json()["session"]["access_token"]):
            assert secret not in logs


class TestEmailDelivery:
    async def test_link_is_emailed_works_and_is_the_only_secret(
        self,
        state: AppState,
        client: AsyncClient,
        smtp_server: SmtpServer,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setattr(state, "mailer", mailer_for(Settings(smtp_url=smtp_server.url)))
        owner, organization = await person(state, client)
        response = await client.post(
            f"/api/organizations/{organization.id}/invitations",
            json={"email": "mailed@example.com", "role": "member"},
            headers=owner.headers,
        )
        assert response.status_code == 201, response.text
        assert response.json()["delivery"] == "email"
        assert response.json()["link"] is None
        assert "/invite/" not in response.text
        (mail,) = smtp_server.messages
        assert mail.recipients == ["mailed@example.com"]
        assert organization.name in mail.text
        match = re.search(r"http://testserver/invite/([A-Za-z0-9_-]+)", mail.text)
        assert match, mail.text
        token = match.group(1)
        # No other secret: the only long random-looking string is the token itself.
        assert re.findall(r"[A-Za-z0-9_-]{20,}", mail.text) == [token]
        assert owner.headers["Authorization"].split()[1] not in mail.text
        assert hash_token(token) not in mail.text
        assert token not in await every_row(state)
        accepted = await sign_up(client, token)
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["organization"]["id"] == str(organization.id)

    async def test_a_refused_email_leaves_no_invitation(
        self,
        state: AppState,
        client: AsyncClient,
        smtp_server: SmtpServer,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        # A relay that requires STARTTLS, which the test server does not offer.
        url = f"smtp://{smtp_server.host}:{smtp_server.port}"
        monkeypatch.setattr(state, "mailer", mailer_for(Settings(smtp_url=url)))
        owner, organization = await person(state, client)
        response = await client.post(
            f"/api/organizations/{organization.id}/invitations",
            json={"email": "mailed@example.com", "role": "member"},
            headers=owner.headers,
        )
        assert response.status_code == 503
        assert response.json()["error"] == "mail_not_sent"
        listed = await client.get(
            f"/api/organizations/{organization.id}/invitations", headers=owner.headers
        )
        assert listed.json()["invitations"] == []


async def every_row(state: AppState) -> str:
    """Every value of every table, as one string (for looking for secrets)."""
    async with state.read_sessionmaker() as session:
        parts = []
        for table in Base.metadata.sorted_tables:
            rows = (await session.execute(text(f"SELECT * FROM {table.name}"))).all()
            parts.extend(repr(tuple(row)) for row in rows)
    return "\n".join(parts)
