"""The white-label scanner: what a customer must never see, in page text or in any response a
customer page received. The provider's names, its plan and region ids, base prices and markup.

The ids and prices are read from the admin API of the panel under test (not hard-coded), so a
plan added by a test is covered too. Ids match as whole tokens: `us-east` inside `us-east-1` or a
UUID is a different token, so ordinary words and our own ids do not trip it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx
from playwright.sync_api import Page, Response

PROVIDER_NAMES = re.compile(r"linode|digital\s?ocean|akamai", re.IGNORECASE)
# Keys an answer to a customer must not carry at all.
FORBIDDEN_KEYS = re.compile(r"base_price|markup|provider_plan|upstream", re.IGNORECASE)


def _token_pattern(tokens: Iterable[str]) -> re.Pattern[str] | None:
    words = sorted({token for token in tokens if token}, key=len, reverse=True)
    if not words:
        return None
    alternatives = "|".join(re.escape(word) for word in words)
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


def _amount(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    try:
        return Decimal(str(value)).normalize()
    except InvalidOperation:
        return None


@dataclass
class WhiteLabel:
    plan_ids: set[str] = field(default_factory=set)
    region_ids: set[str] = field(default_factory=set)
    # Upstream prices that no customer price equals (a customer price may equal another plan's
    # base price by chance; that is not a leak).
    base_amounts: set[Decimal] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._plans = _token_pattern(self.plan_ids)
        self._regions = _token_pattern(self.region_ids)

    def leaks_in_text(self, text: str) -> list[str]:
        # The customer API names regions by the panel's own ids: an upstream region id is a
        # leak anywhere (a region's `id`, a plan's `regions`, a server's `region`, any text).
        patterns = [PROVIDER_NAMES, self._plans, self._regions]
        return [_around(text, match) for p in patterns if p for match in p.finditer(text)]

    def leaks_in_json(self, document: Any) -> list[str]:
        leaks: list[str] = []
        self._walk(document, "$", None, leaks)
        return leaks

    def leaks_in_body(self, body: str) -> list[str]:
        try:
            document = json.loads(body)
        except ValueError:
            return self.leaks_in_text(body)
        return self.leaks_in_json(document)

    def _walk(self, node: Any, where: str, key: str | None, leaks: list[str]) -> None:
        if isinstance(node, dict):
            for child_key, child in node.items():
                if FORBIDDEN_KEYS.search(child_key):
                    leaks.append(f"{where}.{child_key}: a forbidden key")
                self._walk(child, f"{where}.{child_key}", child_key, leaks)
        elif isinstance(node, list):
            for index, child in enumerate(node):
                self._walk(child, f"{where}[{index}]", key, leaks)
        else:
            if isinstance(node, str):
                leaks.extend(f"{where}: {leak}" for leak in self.leaks_in_text(node))
            amount = _amount(node)
            # A price difference comes from customer prices; it may equal a base price by chance.
            priced = key is not None and "price" in key and "difference" not in key
            if priced and amount is not None and amount in self.base_amounts:
                leaks.append(f"{where}: {node!r} is an upstream base price")


def _amounts(item: dict[str, Any], *keys: str) -> set[Decimal]:
    return {amount for key in keys if (amount := _amount(item[key])) is not None}


def _around(text: str, match: re.Match[str]) -> str:
    return repr(text[max(0, match.start() - 40) : match.end() + 40])


def read_white_label(admin: httpx.Client) -> WhiteLabel:
    """Everything upstream the panel's admin API knows: the configured plans' upstream ids,
    base prices and regions, and each provider's whole upstream plan and region lists."""
    plans = admin.get("/api/admin/plans").json()["plans"]
    plan_ids = {plan["provider_plan_id"] for plan in plans}
    region_ids = {region["id"] for plan in plans for region in plan["regions"]}
    base: set[Decimal] = set()
    customer: set[Decimal] = set()
    for plan in plans:
        base |= _amounts(plan, "base_price", "base_price_hourly")
        customer |= _amounts(plan, "price_monthly", "price_hourly")
        for region in plan["regions"]:
            base |= _amounts(region, "base_price_monthly", "base_price_hourly")
            customer |= _amounts(region, "price_monthly", "price_hourly")
    for provider in sorted({plan["provider"]["type"] for plan in plans}):
        upstream_plans = admin.get("/api/admin/upstream/plans", params={"provider": provider})
        plan_ids.update(item["id"] for item in upstream_plans.json()["plans"])
        upstream_regions = admin.get("/api/admin/upstream/regions", params={"provider": provider})
        region_ids.update(item["id"] for item in upstream_regions.json()["regions"])
    assert plan_ids and region_ids and base, "the admin API listed no upstream catalog"
    return WhiteLabel(plan_ids=plan_ids, region_ids=region_ids, base_amounts=base - customer)


def watch_responses(page: Page, white_label: WhiteLabel) -> list[str]:
    """Scans every API answer the page receives from now on; returns the (growing) leak list."""
    leaks: list[str] = []

    def on_response(response: Response) -> None:
        if "/api/" not in response.url or response.request.resource_type not in ("fetch", "xhr"):
            return
        try:
            body = response.text()
        except Exception:  # a navigation away can drop a body; nothing to scan
            return
        leaks.extend(f"{response.url}: {leak}" for leak in white_label.leaks_in_body(body))

    page.on("response", on_response)
    return leaks


def assert_page_is_white_label(page: Page, white_label: WhiteLabel) -> None:
    """The page's visible text (open dialogs included) shows nothing of the provider."""
    text = page.locator("body").inner_text()
    leaks = white_label.leaks_in_text(text)
    assert not leaks, f"provider details on the customer page {page.url}:\n" + "\n".join(leaks)
