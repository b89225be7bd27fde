"""The one password rule, and every place that sets a password applies it (issue 10)."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from vpspanel.security import password_policy
from vpspanel.security.password_policy import check, common_passwords


class TestCheck:
    @pytest.mark.parametrize("password", ["aaaaaaaaaa", "password123", "PASSWORD123", "qwertyuiop"])
    def test_common_passwords_are_refused_whatever_their_case(self, password: str) -> None:
        reason = check(password, "ada@example.com")
        assert reason is not None
        assert "commonly used passwords" in reason

    def test_the_email_or_its_local_part_is_refused(self) -> None:
        for password in ("grace.hopper@example.com", "my-GRACE.HOPPER-pass"):
            reason = check(password, "grace.hopper@example.com")
            assert reason is not None and "email" in reason

    def test_a_short_local_part_does_not_forbid_passwords(self) -> None:
        assert check("al takes the long road", "al@example.com") is None

    def test_length_bounds(self) -> None:
        assert check("nine char", None) == "Use at least 10 characters."
        assert check("x7" * 129, None) == "Use at most 256 characters."

    def test_an_unusual_passphrase_passes(self) -> None:
        assert check("violet stapler orbit cactus", "ada@example.com") is None

    def test_the_shipped_list_is_about_a_hundred_thousand_lower_case_entries(self) -> None:
        shipped = common_passwords()
        assert len(shipped) > 90_000
        assert all(entry == entry.lower() for entry in list(shipped)[:1000])
        assert common_passwords() is shipped  # loaded once

    def test_the_rule_text_names_every_rule(self) -> None:
        assert str(password_policy.MIN_LENGTH) in password_policy.RULE
        assert "email" in password_policy.RULE and "commonly used" in password_policy.RULE


class TestRegistrationRefusesWeakPasswords:
    @pytest.mark.parametrize(
        ("password", "reason"),
        [
            ("aaaaaaaaaa", "commonly used passwords"),
            ("password123", "commonly used passwords"),
            ("weak.person@example.com", "email"),
        ],
    )
    async def test_weak_password_is_a_422_on_the_password_field(
        self, client: AsyncClient, password: str, reason: str
    ) -> None:
        response = await client.post(
            "/api/auth/register",
            json={"email": "Weak.Person@example.com", "password": password, "name": "W"},
        )
        assert response.status_code == 422, response.text
        (field,) = response.json()["fields"]
        assert field["field"] == "password"
        assert reason in field["message"]
        assert not field["message"].startswith("Value error")
