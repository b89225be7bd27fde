"""DigitalOcean API v2 over HTTP: paths, pagination, error bodies."""

from __future__ import annotations

import re
from typing import Any

import httpx

from vpspanel.providers.errors import (
    ProviderAuthError,
    ProviderConflict,
    ProviderError,
    ProviderNotFound,
    ProviderPermissionError,
    ProviderValidationError,
)
from vpspanel.providers.http import JsonClient, RateLimits, RateRule

PER_PAGE = 200  # DigitalOcean's maximum

# DigitalOcean API v2 rate limits (description.yml "Rate Limit"), per token; all adjustable
# by rule name. Listing SSH keys has its own limit. Writes leave a fifth of the shared budgets
# to reads, so polls of droplets being made always have room.
READ_SHARE = 0.2
DIGITALOCEAN_LIMITS = RateLimits(
    (
        RateRule("ssh_keys_list", 10, 60.0, frozenset({"GET"}), path_regex=r"/account/keys"),
        RateRule("burst", 250, 60.0, read_share=READ_SHARE),
        RateRule("hourly", 5000, 3600.0, read_share=READ_SHARE),
    )
)

_SCOPE_RESOURCES = {
    "droplets": "droplet",
    "sizes": "sizes",
    "regions": "regions",
    "images": "image",
    "monitoring": "monitoring",
    "actions": "actions",
}
_SCOPE_VERBS = {"GET": "read", "POST": "create", "PUT": "update", "PATCH": "update"}
# Words in a 422 message -> the field of ours it is about.
_MESSAGE_FIELDS = (
    ("size", "plan_id"),
    ("region", "region_id"),
    ("image", "image_id"),
    ("ssh", "ssh_public_keys"),
    ("key", "ssh_public_keys"),
    ("name", "label"),
    ("user_data", "root_pass"),
)
_CONFLICT_WORDS = re.compile(r"lock|pending|in progress|already", re.IGNORECASE)


def required_scope(method: str, path: str) -> str:
    """The custom scope an operation needs (DigitalOcean names it <resource>:<verb>)."""
    parts = path.strip("/").split("/")
    if parts[:2] == ["account", "keys"]:
        resource = "ssh_key"
    elif parts[0] == "account":
        resource = "account"
    else:
        resource = _SCOPE_RESOURCES.get(parts[0], parts[0])
    if resource == "droplet" and method == "POST" and parts[-1] == "actions":
        return "droplet:update"
    return f"{resource}:{_SCOPE_VERBS.get(method, 'delete')}"


def translate_error(response: httpx.Response, method: str, path: str) -> ProviderError:
    """DigitalOcean `{"id", "message"}` -> the typed error tree."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    message = str(body.get("message") or f"HTTP {status}")[:300]
    what = f"digitalocean {method} {path}"
    if status == 401:
        return ProviderAuthError(f"{what}: the API token was rejected", status_code=status)
    if status == 403:
        return ProviderPermissionError(
            f"{what}: permission denied ({message})",
            missing_permission=required_scope(method, path),
        )
    if status == 404:
        return ProviderNotFound(f"{what}: not found", status_code=status)
    if status == 409 or (status == 422 and _CONFLICT_WORDS.search(message)):
        return ProviderConflict(f"{what}: {message}", status_code=status)
    if status in (400, 422):
        lowered = message.lower()
        field = next((ours for word, ours in _MESSAGE_FIELDS if word in lowered), None)
        return ProviderValidationError(field, message, status_code=status)
    return ProviderError(f"{what}: HTTP {status} ({message})", status_code=status)


class DigitalOceanClient(JsonClient):
    async def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.transport.request("GET", path, params=params)
        body: dict[str, Any] = response.json()
        return body

    async def list_all(
        self, path: str, key: str, params: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Every item of a paginated collection; follows `links.pages.next`. The page number
        is taken from that link, but requests go to our own base URL."""
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            body = await self.get(path, {**(params or {}), "page": page, "per_page": PER_PAGE})
            items.extend(body.get(key) or [])
            next_link = ((body.get("links") or {}).get("pages") or {}).get("next")
            if not next_link:
                return items
            next_page = httpx.URL(next_link).params.get("page")
            page = int(next_page) if next_page and int(next_page) > page else page + 1
