"""Check driver requests against the official documents, around four known document/tooling
problems that `tests/support/openapi_contract.py` does not handle (yet):

1. Linode request bodies written as `allOf: [{additionalProperties: false, properties: A},
   {properties: B}]` (create, rebuild) reject every property of B. We validate the body against
   the merged object (A + B, no additional properties) instead.
2. Linode `X-Filter` is documented as a JSON object in a header; openapi-core compares the raw
   header string with the object schema. We decode it and validate the object ourselves.
3. Linode operations that do not declare the `X-Filter` header although the narrative
   ("Filtering and sorting") allows it on every collection whose fields are marked
   `__Filterable__` (`GET /account/events`): we check that the filter only names such fields.
4. DigitalOcean `GET /v2/account/keys/{ssh_key_identifier}` takes an id or a fingerprint, but both
   attributes of its `anyOf` are `readOnly`, which openapi-core refuses in any request. We check
   the fingerprint format, the method and the bearer header ourselves.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import httpx
import yaml
from openapi_schema_validator import OAS30Validator

from tests.support.openapi_contract import ContractViolation, validate_request
from tests.support.specs import spec_file

_FINGERPRINT_PATH = re.compile(r"(/account/keys/)((?:[0-9a-f]{2}:){15}[0-9a-f]{2})$")
_LINODE_PATH = re.compile(r"/linode/v4(/.*)$")


@functools.cache
def _linode_document() -> dict[str, Any]:
    path: Path = spec_file(Path("linode") / "openapi.yaml")
    document: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    return document


def _linode_operation(method: str, api_path: str) -> dict[str, Any]:
    for template, operations in _linode_document()["paths"].items():
        pattern = re.sub(
            r"\\\{[^}]+\\\}", "[^/]+", re.escape(template.replace("/{apiVersion}", ""))
        )
        if re.fullmatch(pattern, api_path) and method.lower() in operations:
            operation: dict[str, Any] = operations[method.lower()]
            return operation
    raise ContractViolation(f"no Linode operation for {method} {api_path}")


def _merged_all_of(schema: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {"type": "object", "properties": {}, "additionalProperties": False}
    for part in schema.get("allOf", [schema]):
        merged["properties"].update(part.get("properties", {}))
    if "required" in schema:
        merged["required"] = schema["required"]
    return merged


def _validate_linode_body(method: str, api_path: str, body: Any) -> None:
    operation = _linode_operation(method, api_path)
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    errors = list(OAS30Validator(_merged_all_of(schema)).iter_errors(body))
    if errors:
        raise ContractViolation(f"{method} {api_path}: " + "; ".join(e.message for e in errors))


def _filterable_fields(operation: dict[str, Any]) -> set[str]:
    """Dotted names of the collection item fields the document marks `__Filterable__`."""
    try:
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        item = schema["properties"]["data"]["items"]
    except KeyError:
        return set()
    fields: set[str] = set()

    def walk(properties: dict[str, Any], prefix: str) -> None:
        for name, prop in properties.items():
            if "__Filterable__" in (prop.get("description") or ""):
                fields.add(prefix + name)
            if "properties" in prop:
                walk(prop["properties"], f"{prefix}{name}.")

    walk(item.get("properties", {}), "")
    return fields


def _filter_fields(value: dict[str, Any]) -> list[str]:
    """The fields an X-Filter object filters or orders on."""
    fields: list[str] = []
    for key, condition in value.items():
        if key in ("+and", "+or"):
            for part in condition:
                fields += _filter_fields(part)
        elif key == "+order_by":
            fields.append(condition)
        elif key == "+order":
            if condition not in ("asc", "desc"):
                raise ContractViolation(f"X-Filter +order {condition!r}: asc or desc")
        else:
            fields.append(key)
    return fields


def _validate_x_filter(method: str, api_path: str, raw: str) -> None:
    value = json.loads(raw)
    operation = _linode_operation(method, api_path)
    for parameter in operation.get("parameters", []):
        if parameter.get("name") == "X-Filter":
            errors = list(OAS30Validator(parameter["schema"]).iter_errors(value))
            if errors:
                raise ContractViolation(f"X-Filter {raw}: {errors[0].message}")
            return
    filterable = _filterable_fields(operation)
    if not filterable:
        raise ContractViolation(f"{method} {api_path} takes no X-Filter")
    unknown = sorted(set(_filter_fields(value)) - filterable)
    if unknown:
        raise ContractViolation(f"X-Filter {raw}: {unknown} not filterable on {api_path}")


def validate_driver_request(provider: str, request: httpx.Request) -> None:
    method = request.method
    url = str(request.url.copy_with(query=None))
    body = json.loads(request.content) if request.content else None
    headers = dict(request.headers)
    linode_path = _LINODE_PATH.search(request.url.path)
    if provider == "linode" and "x-filter" in headers and linode_path:
        _validate_x_filter(method, linode_path.group(1), headers.pop("x-filter"))
    if provider == "digitalocean" and _FINGERPRINT_PATH.search(request.url.path):
        if method != "GET" or not headers.get("authorization", "").startswith("Bearer "):
            raise ContractViolation(f"{method} {url}: only an authenticated GET is expected")
        return
    try:
        validate_request(
            provider,  # type: ignore[arg-type]
            method,
            url,
            body=body,
            query=dict(request.url.params),
            headers=headers,
        )
    except ContractViolation as violation:
        only_additional = all(
            "Additional properties are not allowed" in line
            for line in str(violation).splitlines()[1:]
            if line.strip()
        )
        if not (provider == "linode" and linode_path and body is not None and only_additional):
            raise
        _validate_linode_body(method, linode_path.group(1), body)
