"""Linode API v4 over HTTP: paths, pagination, X-Filter, error bodies."""

from __future__ import annotations

import json
from typing import Any

import httpx

from vpspanel.providers.errors import (
    ProviderAlreadyExists,
    ProviderAuthError,
    ProviderConflict,
    ProviderError,
    ProviderNotFound,
    ProviderPermissionError,
    ProviderValidationError,
)
from vpspanel.providers.http import JsonClient, RateLimits, RateRule

PAGE_SIZE = 500  # Linode's maximum

# Linode API v4 rate limits (spec v4.176.0 narrative, "Linode APIv4 Rate Limits"), per token;
# every endpoint by the limit documented for it, all adjustable by rule name. Writes leave a
# fifth of the general budget to reads, so polls of servers being made always have room.
READ_SHARE = 0.2
LINODE_LIMITS = RateLimits(
    (
        RateRule("linode_create", 10, 30.0, frozenset({"POST"}), path_regex=r"/linode/instances"),
        RateRule("images_list", 20, 60.0, frozenset({"GET"}), path_regex=r"/images"),
        RateRule(
            "stats", 50, 60.0, frozenset({"GET"}), path_regex=r"/linode/instances/[^/]+/stats.*"
        ),
        RateRule(
            "paginated_get",
            200,
            60.0,
            frozenset({"GET"}),
            path_regex=r"/(linode/instances|linode/types|regions|images|tags|account/events)",
        ),
        RateRule("general", 800, 120.0, read_share=READ_SHARE),
    )
)

# Linode request field -> our field name.
_FIELD_NAMES = {
    "type": "plan_id",
    "region": "region_id",
    "image": "image_id",
    "authorized_keys": "ssh_public_keys",
    "root_pass": "root_pass",
    "label": "label",
}


def _reasons(response: httpx.Response) -> list[tuple[str | None, str]]:
    try:
        body = response.json()
    except ValueError:
        return []
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return []
    reasons: list[tuple[str | None, str]] = []
    for error in errors:
        if isinstance(error, dict):
            field = error.get("field")
            reasons.append(
                (field if isinstance(field, str) else None, str(error.get("reason", "")))
            )
    return reasons


def _required_scope(method: str, path: str) -> str:
    area = "images" if path.startswith("/images") else "linodes"
    if path.startswith("/account"):
        area = "account"
    return f"{area}:read_only" if method == "GET" else f"{area}:read_write"


def translate_error(response: httpx.Response, method: str, path: str) -> ProviderError:
    """Linode `{"errors": [{"reason", "field"}]}` -> the typed error tree."""
    status = response.status_code
    reasons = _reasons(response)
    text = "; ".join(f"{field}: {reason}" if field else reason for field, reason in reasons)
    text = text[:300] or f"HTTP {status}"
    what = f"linode {method} {path}"
    scope_refused = status == 401 and any(
        "not authorized to use this endpoint" in reason for _, reason in reasons
    )
    if status == 401 and not scope_refused:
        return ProviderAuthError(f"{what}: the API token was rejected", status_code=status)
    if status == 403 or scope_refused:
        # Linode answers 401 when the token is valid but its OAuth scopes do not cover this.
        accepted = response.headers.get("x-accepted-oauth-scopes")
        return ProviderPermissionError(
            f"{what}: permission denied ({text})",
            missing_permission=accepted or _required_scope(method, path),
            status_code=status,
        )
    if status == 404:
        return ProviderNotFound(f"{what}: not found", status_code=status)
    if status == 409 or any("busy" in reason.lower() for _, reason in reasons):
        return ProviderConflict(f"{what}: busy ({text})", status_code=status)
    if status in (400, 422) and method == "POST" and path == "/linode/instances":
        label_clash = next(
            (r for f, r in reasons if f == "label" and "unique" in r.lower()),
            None,
        )
        if label_clash is not None:
            # Our labels are derived from our instance id: an earlier send went through.
            return ProviderAlreadyExists("label", label_clash[:300], status_code=status)
    if status in (400, 422):
        field, reason = next(
            ((f, r) for f, r in reasons if f), reasons[0] if reasons else (None, text)
        )
        return ProviderValidationError(
            _FIELD_NAMES.get(field, field) if field else None, reason[:300], status_code=status
        )
    return ProviderError(f"{what}: HTTP {status} ({text})", status_code=status)


class LinodeClient(JsonClient):
    async def get_response(
        self,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        filter: dict[str, Any] | None = None,
    ) -> httpx.Response:
        headers = {"X-Filter": json.dumps(filter, separators=(",", ":"))} if filter else None
        return await self.transport.request("GET", path, params=params, headers=headers)

    async def get(self, path: str) -> dict[str, Any]:
        body: dict[str, Any] = (await self.get_response(path)).json()
        return body

    async def list_all(
        self, path: str, *, filter: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Every item of a paginated collection (`{data, page, pages, results}`)."""
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            response = await self.get_response(
                path, params={"page": page, "page_size": PAGE_SIZE}, filter=filter
            )
            body = response.json()
            items.extend(body.get("data") or [])
            if page >= int(body.get("pages") or 1):
                return items
            page += 1
