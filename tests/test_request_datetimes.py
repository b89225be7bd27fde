"""Every date/time a request can carry refuses naive and out-of-range values with a 422 naming the
field, never a 500 (issue 8 #14). The fields are found by walking the OpenAPI document, so a new
date field is covered without touching this file."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError

from tests.factories import signed_in_headers
from vpspanel.app import create_app
from vpspanel.auth.models import UserRole
from vpspanel.input_rules import UtcDatetime
from vpspanel.state import AppState


@dataclass(frozen=True)
class DateField:
    method: str
    path: str
    field: tuple[str, ...]  # the JSON path inside the body
    schema: str  # the body's OpenAPI schema name

    @property
    def name(self) -> str:
        return ".".join(self.field)

    def body(self, value: object) -> dict[str, Any]:
        body: dict[str, Any] = {}
        inner = body
        for key in self.field[:-1]:
            inner = inner.setdefault(key, {})
        inner[self.field[-1]] = value
        return body


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _date_fields(
    schema: dict[str, Any], components: dict[str, Any], prefix: tuple[str, ...]
) -> Iterator[tuple[str, ...]]:
    schema = _resolve(schema, components)
    if schema.get("format") == "date-time":
        yield prefix
    for variant in schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", []):
        yield from _date_fields(variant, components, prefix)
    for name, property_schema in schema.get("properties", {}).items():
        yield from _date_fields(property_schema, components, (*prefix, name))


def request_date_fields(app: FastAPI) -> list[DateField]:
    document = app.openapi()
    components = document["components"]["schemas"]
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            if schema is not None:
                references = [
                    variant["$ref"]
                    for variant in [schema, *schema.get("anyOf", [])]
                    if "$ref" in variant
                ]
                for field in dict.fromkeys(_date_fields(schema, components, ())):
                    assert len(references) == 1, f"{method} {path}: extend this test's walk"
                    name = references[0].rsplit("/", 1)[1]
                    found.append(DateField(method.upper(), path, field, name))
            for parameter in operation.get("parameters", []):
                assert _resolve(parameter["schema"], components).get("format") != "date-time", (
                    f"{method} {path} takes a date in {parameter['name']}: extend this test"
                )
    return found


APP = create_app()
DATE_FIELDS = request_date_fields(APP)


def _request_models() -> dict[str, type[BaseModel]]:
    """Our request models by class name, which is what OpenAPI names their schemas."""
    models: dict[str, type[BaseModel]] = {}
    pending = list(BaseModel.__subclasses__())
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        if model.__module__.startswith("vpspanel."):
            models[model.__name__] = model
    return models


def _body_adapter(field: DateField) -> TypeAdapter[Any]:
    model = _request_models().get(field.schema)
    assert model is not None, f"no model named {field.schema} for {field.method} {field.path}"
    return TypeAdapter(model)


def _errors_on(field: DateField, value: object) -> list[str]:
    try:
        _body_adapter(field).validate_python(field.body(value))
    except ValidationError as error:
        return [
            error_detail["msg"]
            for error_detail in error.errors()
            if tuple(str(part) for part in error_detail["loc"])[: len(field.field)] == field.field
        ]
    return []


def test_the_walk_finds_the_known_date_fields() -> None:
    names = {(field.path, field.name) for field in DATE_FIELDS}
    assert ("/api/admin/providers", "key_expires_at") in names
    assert ("/api/admin/providers/{provider_id}/api-key", "expires_at") in names


ACCEPTED = st.datetimes(
    min_value=datetime(2000, 1, 2), max_value=datetime(2100, 12, 30), timezones=st.timezones()
)
OUT_OF_RANGE = st.one_of(
    st.datetimes(max_value=datetime(1999, 12, 30), timezones=st.just(UTC)),
    st.datetimes(min_value=datetime(2101, 1, 2), timezones=st.just(UTC)),
    st.datetimes(max_value=datetime(1999, 12, 30), timezones=st.timezones()),
    st.datetimes(min_value=datetime(2101, 1, 2), timezones=st.timezones()),
)
NAIVE = st.datetimes()
# Time zones load from disk on first use, which a busy CI machine can make slow.
SLOW_MACHINE_CHECKS = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


@pytest.mark.parametrize("field", DATE_FIELDS, ids=lambda field: f"{field.path}:{field.name}")
class TestEveryDateField:
    @settings(max_examples=60, deadline=None, suppress_health_check=SLOW_MACHINE_CHECKS)
    @given(moment=ACCEPTED)
    def test_an_aware_time_in_range_is_taken(self, field: DateField, moment: datetime) -> None:
        assert _errors_on(field, moment.isoformat()) == []

    @settings(max_examples=60, deadline=None, suppress_health_check=SLOW_MACHINE_CHECKS)
    @given(moment=OUT_OF_RANGE)
    def test_a_time_out_of_range_is_refused(self, field: DateField, moment: datetime) -> None:
        assert _errors_on(field, moment.isoformat()) != []

    @settings(max_examples=60, deadline=None, suppress_health_check=SLOW_MACHINE_CHECKS)
    @given(moment=NAIVE)
    def test_a_time_without_a_timezone_is_refused(self, field: DateField, moment: datetime) -> None:
        assert _errors_on(field, moment.isoformat()) != []


FIXED_BAD_VALUES = [
    "0848-06-03T13:47:52.0Z",  # the reported 500
    "0001-01-01T00:00:00+05:00",  # overflows when shifted to UTC
    "9999-12-31T23:59:59-05:00",
    "2030-01-01T00:00:00",  # naive
]


@pytest.mark.parametrize("field", DATE_FIELDS, ids=lambda field: f"{field.path}:{field.name}")
@pytest.mark.parametrize("value", FIXED_BAD_VALUES)
async def test_the_api_answers_422_naming_the_field(
    client: AsyncClient, state: AppState, field: DateField, value: str
) -> None:
    headers, _, _ = await signed_in_headers(state, client, role=UserRole.ADMIN)
    path = field.path.replace("{provider_id}", str(uuid.uuid4()))
    assert "{" not in path, f"fill in the path parameters of {field.path}"
    response = await client.request(field.method, path, json=field.body(value), headers=headers)
    assert response.status_code == 422, response.text
    assert field.name in [error["field"] for error in response.json()["fields"]]


def test_times_come_back_in_utc() -> None:
    moment = datetime(2030, 6, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    parsed = TypeAdapter(UtcDatetime).validate_python(moment.isoformat())
    assert parsed == moment
    assert parsed.utcoffset() == timedelta(0)
