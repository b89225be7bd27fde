"""Validate requests and responses against the official OpenAPI documents.

    from tests.support.openapi_contract import validate_request, validate_response

    validate_request("linode", "POST", "/v4/linode/instances", body={...},
                     headers={"Authorization": "Bearer x"})
    validate_response("digitalocean", "GET", "/v2/droplets", 200, body, headers)

`url_path` may be the API path (`/v4/linode/instances`, `/v2/droplets`), the path without
the version (`/linode/instances`, `/droplets`) or a full URL, simulator prefixes included
(`http://127.0.0.1:9100/linode/v4/linode/instances`). Both raise `ContractViolation` (an
AssertionError) listing every schema error. Built on openapi-core (spec validation of the
documents themselves is switched off: the DigitalOcean document has `$ref`s where strings
belong, in its tag descriptions).

The documents are loaded once per process (and pickled under the temp dir, keyed by file
size and mtime, so the next process and each xdist worker skip the 2 s YAML parse). They are
found at `$VPSPANEL_SPECS_DIR`, else `<repo>/../shared/specs`. Tests that need them call
`require_specs()`: it fails when `CI` is set and skips otherwise.

Known errors in the documents, handled here on purpose (the real APIs are the truth):
- Linode timestamps are naive UTC without a zone (`2018-01-01T00:01:01`); the document
  says `format: date-time`, which demands a zone. Naive ISO timestamps are accepted.
- Linode `GET /linode/instances/{id}/stats` really answers `{"data": {cpu, io, netv4,
  netv6}, "title": ...}`; the document puts the series at the top level. The body is
  unwrapped before validation and must have exactly those two keys.
- Linode type `transfer` is documented "in MB" but is in GB (`g6-nanode-1` = 1000). No
  schema impact; asserted in the simulator tests.
- Linode instance `status` is `resizing` during a resize (linodego `InstanceResizing`); the
  document's enum omits it, so it is added.
- `nullable: true` next to `allOf` (Linode instance `image`, null for a Linode created
  without an image) is applied to the `allOf` branches, as OpenAPI 3.0 intends.
- Linode request bodies are `allOf` of objects that each say `additionalProperties: false`,
  which no body can satisfy; such `allOf`s are merged into one closed object.
- `content: {}` on a response (Linode 204s) means no body.
- Linode image ids contain a slash and clients send `/images/linode/debian12` unescaped;
  the path is matched as the single `{imageId}` parameter.
- The DigitalOcean YAML uses YAML 1.1 plain scalars such as `off` in enums (droplet status);
  PyYAML would read them as booleans. Only `true`/`false` are booleans here (YAML 1.2).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
import re
import tempfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import yaml

from tests.support import specs

Provider = Literal["linode", "digitalocean"]

LINODE_HOST = "https://api.linode.com"
DIGITALOCEAN_HOST = "https://api.digitalocean.com"
_LINODE_DOC = Path("linode/openapi.yaml")
_DIGITALOCEAN_DOC = Path("digitalocean/specification/DigitalOcean-public.v2.yaml")
_STATS_PATH = re.compile(r"^/v4(beta)?/linode/instances/[0-9]+/stats(/[0-9]{4}/[0-9]{1,2})?$")


class ContractViolation(AssertionError):
    """A request or response does not match the official document."""


class SpecsUnavailableError(RuntimeError):
    pass


def specs_dir() -> Path | None:
    """Where the official documents live, or None if they are not there."""
    candidate = specs.specs_dir()
    if (candidate / _LINODE_DOC).is_file() and (candidate / _DIGITALOCEAN_DOC).is_file():
        return candidate
    return None


def require_specs() -> Path:
    """The specs directory; otherwise fail under CI or skip the test (`tests/support/specs.py`)."""
    return specs.require_spec_files(_LINODE_DOC, _DIGITALOCEAN_DOC)


# --- loading ---------------------------------------------------------------------------------


class _Yaml12Loader(yaml.CSafeLoader):
    """Safe loader with YAML 1.2 booleans (only true/false) and timestamps left as strings."""


_Yaml12Loader.yaml_implicit_resolvers = {
    key: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
    ]
    for key, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _load_yaml(path: Path) -> Any:
    stat = path.stat()
    key = hashlib.sha256(f"{path}:{stat.st_size}:{stat.st_mtime_ns}:v1".encode()).hexdigest()
    cache = Path(tempfile.gettempdir()) / f"vpspanel-openapi-{key[:24]}.pickle"
    if cache.is_file():
        try:
            with cache.open("rb") as handle:
                return pickle.load(handle)  # noqa: S301 - our own cache file
        except (OSError, pickle.PickleError, EOFError):
            pass
    with path.open(encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=_Yaml12Loader)  # noqa: S506 - a safe loader
    try:
        partial = cache.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as handle:
            pickle.dump(document, handle, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(cache)
    except OSError:
        pass
    return document


def _drop_empty_content(document: Any) -> Any:
    """`content: {}` means "no body" (Linode's 204s); openapi-core would demand one."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for response in operation.get("responses", {}).values():
                if isinstance(response, dict) and response.get("content") == {}:
                    del response["content"]
    return document


def _fix_linode_document(document: Any) -> Any:
    """Apply the Linode fix-ups listed in the module docstring, in one post-order walk."""
    done: set[int] = set()

    def visit(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                visit(item)
            return
        if not isinstance(node, dict) or id(node) in done:
            return
        done.add(id(node))
        for value in node.values():
            visit(value)
        enum = node.get("enum")
        if isinstance(enum, list) and "shutting_down" in enum and "resizing" not in enum:
            node["enum"] = [*enum, "resizing"]
        members = node.get("allOf")
        if not isinstance(members, list) or not all(isinstance(m, dict) for m in members):
            return
        if node.get("nullable") is True:
            node["allOf"] = [{**member, "nullable": True} for member in members]
        elif all("properties" in m and not {"allOf", "oneOf", "anyOf"} & set(m) for m in members):
            _merge_closed_objects(node, members)

    visit(document)
    return document


def _merge_closed_objects(node: dict[str, Any], members: list[dict[str, Any]]) -> None:
    """`allOf` of objects that each say `additionalProperties: false` rejects everything
    (each branch forbids the others' fields). Merge them into one closed object."""
    if not any(m.get("additionalProperties") is False for m in members):
        return
    properties: dict[str, Any] = {}
    required: list[str] = []
    for member in members:
        properties.update(member["properties"])
        required += [r for r in member.get("required", []) if r not in required]
    del node["allOf"]
    node.update({"type": "object", "properties": properties, "additionalProperties": False})
    if required:
        node["required"] = required


def _accept_naive_datetime(value: Any) -> bool:
    if not isinstance(value, str):
        return True
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


@functools.cache
def _openapi(provider: Provider) -> Any:
    from jsonschema_path import SchemaPath
    from jsonschema_path.handlers.file import FileHandler, FilePathHandler
    from openapi_core import Config, OpenAPI

    root = specs_dir()
    if root is None:
        raise SpecsUnavailableError("official OpenAPI documents not found")
    if provider == "linode":
        document = _fix_linode_document(_drop_empty_content(_load_yaml(root / _LINODE_DOC)))
        spec = SchemaPath.from_dict(document)
        config = Config(
            spec_validator_cls=None,
            extra_format_validators={"date-time": _accept_naive_datetime},
        )
        return OpenAPI(spec, config=config)
    document_path = (root / _DIGITALOCEAN_DOC).resolve()
    handlers = {"file": FilePathHandler(file_handler=FileHandler(loader=_Yaml12Loader))}
    spec = SchemaPath.from_dict(
        _drop_empty_content(_load_yaml(document_path)),
        base_uri=document_path.as_uri(),
        handlers=handlers,
    )
    return OpenAPI(spec, config=Config(spec_validator_cls=None))


# --- validation --------------------------------------------------------------------------------


def _api_path(provider: Provider, url_path: str) -> str:
    path = re.sub(r"^[a-z]+://[^/]+", "", url_path).split("?", 1)[0]
    if provider == "linode":
        found = re.search(r"/(v4beta|v4)(/.*)$", path)
        path = f"/{found.group(1)}{found.group(2)}" if found else f"/v4{path}"
        # Image ids contain a slash (`linode/debian12`) and are sent unescaped, as the SDK does.
        return re.sub(r"^(/v4(?:beta)?/images/)([^/]+)/([^/]+)", r"\1\2%2F\3", path)
    found = re.search(r"/v2(/.*)$", path)
    return f"/v2{found.group(1)}" if found else f"/v2{path}"


def _host(provider: Provider) -> str:
    return LINODE_HOST if provider == "linode" else DIGITALOCEAN_HOST


def _describe(error: BaseException) -> str:
    lines = [f"{type(error).__name__}: {error}"]
    seen: set[int] = set()
    stack: list[BaseException] = [error]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        for schema_error in getattr(current, "schema_errors", None) or []:
            where = "/".join(str(p) for p in schema_error.absolute_path)
            lines.append(f"  at {where or '<root>'}: {schema_error.message[:300]}")
        stack.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return "\n".join(lines)


def validate_request(
    provider: Provider,
    method: str,
    url_path: str,
    body: Any = None,
    query: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> None:
    """Check a request (path, query, headers incl. auth, JSON body) against the document."""
    from openapi_core.testing import MockRequest

    request = MockRequest(
        _host(provider),
        method.lower(),
        _api_path(provider, url_path),
        args=dict(query or {}),
        headers=dict(headers or {}),
        data=None if body is None else json.dumps(body).encode(),
    )
    try:
        _openapi(provider).validate_request(request)
    except Exception as error:  # openapi-core raises a family of unrelated classes
        raise ContractViolation(f"{method} {url_path} request:\n{_describe(error)}") from error


def validate_response(
    provider: Provider,
    method: str,
    url_path: str,
    status: int,
    body: Any,
    headers: Mapping[str, str] | None = None,
) -> None:
    """Check a response (status, JSON body, declared headers) against the document.

    `body` is the decoded JSON, or None for an empty body.
    """
    from openapi_core.testing import MockRequest, MockResponse

    api_path = _api_path(provider, url_path)
    if provider == "linode" and status == 200 and _STATS_PATH.match(api_path):
        if not isinstance(body, dict) or set(body) != {"data", "title"}:
            raise ContractViolation("Linode stats must be wrapped as {data, title}")
        body = {**body["data"], "title": body["title"]}
    request = MockRequest(_host(provider), method.lower(), api_path)
    data = b"" if body is None else json.dumps(body).encode()
    response = MockResponse(
        data,
        status_code=status,
        headers=dict(headers or {}),
        content_type="application/json" if body is not None else "",
    )
    try:
        _openapi(provider).validate_response(request, response)
    except Exception as error:  # openapi-core raises a family of unrelated classes
        raise ContractViolation(
            f"{method} {url_path} -> {status} response:\n{_describe(error)}"
        ) from error
