"""Names shown to others carry no invisible or direction-changing text; emails are compared in one
normalized spelling (issue 8 #25)."""

from __future__ import annotations

import pytest
from httpx import AsyncClient
from pydantic import TypeAdapter, ValidationError

from vpspanel.catalog.schemas import PlanCreateIn
from vpspanel.input_rules import DisplayName, normalize_email
from vpspanel.provider_accounts.schemas import ProviderCreateIn, ProviderUpdateIn

REFUSED_IN_NAMES = {
    "right-to-left override": "evil\u202egnp.exe",
    "left-to-right isolate": "a\u2066b\u2069",
    "right-to-left mark": "abc\u200f",
    "zero-width space": "ad\u200bmin",
    "zero-width joiner": "ad\u200dmin",
    "word joiner": "ad\u2060min",
    "byte order mark": "\ufeffAdmin",
    "soft hyphen": "ad\u00admin",
    "line separator": "two\u2028lines",
    "newline": "two\nlines",
}


@pytest.mark.parametrize("text", REFUSED_IN_NAMES.values(), ids=REFUSED_IN_NAMES.keys())
def test_display_names_refuse_invisible_and_bidi_characters(text: str) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(DisplayName).validate_python(text)


@pytest.mark.parametrize(
    ("given", "stored"),
    [("\uff21da", "Ada"), ("  Ada  ", "Ada"), ("ﬁsh", "fish"), ("Zoë", "Zoë")],
)
def test_display_names_are_nfkc_normalized(given: str, stored: str) -> None:
    assert TypeAdapter(DisplayName).validate_python(given) == stored


def test_normalizing_may_not_make_a_name_too_long() -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(DisplayName).validate_python("\ufdfa" * 10)  # one character, 18 once folded


@pytest.mark.parametrize(
    ("given", "normalized"),
    [
        ("\uff43ust0@example.com", "cust0@example.com"),
        ("Cust0@Example.COM", "cust0@example.com"),
        ("ada@B\u00fccher.example", "ada@xn--bcher-kva.example"),
        ("ada@xn--bcher-kva.example", "ada@xn--bcher-kva.example"),
    ],
)
def test_emails_have_one_spelling(given: str, normalized: str) -> None:
    assert normalize_email(given) == normalized


def _register(email: str, name: str = "Ada") -> dict[str, str]:
    return {"email": email, "password": "long enough password", "name": name}


async def test_a_fullwidth_lookalike_email_is_the_same_account(client: AsyncClient) -> None:
    first = await client.post("/api/auth/register", json=_register("cust0@example.com"))
    assert first.status_code == 201, first.text
    lookalike = await client.post("/api/auth/register", json=_register("\uff43ust0@example.com"))
    assert lookalike.status_code == 409
    assert lookalike.json()["error"] == "email_taken"
    signed_in = await client.post(
        "/api/auth/login",
        json={"email": "\uff23UST0@EXAMPLE.com", "password": "long enough password"},
    )
    assert signed_in.status_code == 200, signed_in.text


async def test_an_internationalized_domain_is_stored_in_ascii(client: AsyncClient) -> None:
    response = await client.post("/api/auth/register", json=_register("ada@B\u00fccher.example"))
    assert response.status_code == 201, response.text
    assert response.json()["user"]["email"] == "ada@xn--bcher-kva.example"


@pytest.mark.parametrize("field", ["name", "organization_name"])
async def test_registration_names_refuse_bidi_overrides(client: AsyncClient, field: str) -> None:
    body: dict[str, str] = _register("bidi@example.com")
    body[field] = "support\u202etneilc"
    response = await client.post("/api/auth/register", json=body)
    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == field


def test_provider_and_plan_names_refuse_zero_width_characters() -> None:
    for model in (ProviderCreateIn, ProviderUpdateIn, PlanCreateIn):
        with pytest.raises(ValidationError) as raised:
            model.model_validate({"name": "Lin\u200bode"})
        assert ("name",) in [error["loc"] for error in raised.value.errors()]
