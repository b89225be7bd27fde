"""The OpenAPI document explains itself (issue 9): every operation has a summary written for
it, and every parameter and every property of every schema has a description, so the docs and
the generated client's comments say what each field means, its units and its rules."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from vpspanel import openapi_dump
from vpspanel.instances.validation import ROOT_PASS_MAX_LENGTH, ROOT_PASS_MIN_LENGTH

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return openapi_dump.openapi_document()


def _api_routes(routes: Sequence[BaseRoute]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        nested = getattr(route, "original_router", None)
        if nested is not None:
            yield from _api_routes(nested.routes)


def _app() -> FastAPI:
    from cryptography.fernet import Fernet

    from vpspanel.app import create_app
    from vpspanel.config import Settings

    return create_app(
        Settings(
            database_url="sqlite:///:memory:", encryption_keys=[Fernet.generate_key().decode()]
        )
    )


def test_every_operation_has_a_summary_of_its_own() -> None:
    # FastAPI makes up a summary from the function name ("Get Instance"); that explains nothing.
    missing = sorted(
        f"{method} {route.path}"
        for route in _api_routes(_app().routes)
        if route.include_in_schema and not route.summary
        for method in route.methods or ()
    )
    assert not missing, "operations without a summary:\n" + "\n".join(missing)


def test_every_schema_property_has_a_description(document: dict[str, Any]) -> None:
    missing = [
        f"{name}.{prop}"
        for name, schema in sorted(document["components"]["schemas"].items())
        for prop, spec in schema.get("properties", {}).items()
        if not spec.get("description", "").strip()
    ]
    assert not missing, "schema properties without a description:\n" + "\n".join(missing)


def test_every_parameter_has_a_description(document: dict[str, Any]) -> None:
    missing = [
        f"{method.upper()} {path}: {parameter['in']} {parameter['name']}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if method in HTTP_METHODS
        for parameter in operation.get("parameters", [])
        if not parameter.get("description", "").strip()
    ]
    assert not missing, "parameters without a description:\n" + "\n".join(missing)


def test_a_referenced_schema_keeps_the_fields_own_description(document: dict[str, Any]) -> None:
    region = document["components"]["schemas"]["InstanceOut"]["properties"]["region"]
    assert region["$ref"] == "#/components/schemas/Ref"
    assert region["description"] == "The region the server runs in."


def test_the_root_password_rule_is_the_one_the_server_checks(document: dict[str, Any]) -> None:
    described = document["components"]["schemas"]["DeployIn"]["properties"]["root_pass"]
    assert f"{ROOT_PASS_MIN_LENGTH}-{ROOT_PASS_MAX_LENGTH} characters" in described["description"]
    assert "three of" in described["description"]
