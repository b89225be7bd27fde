"""Provider type -> driver. A new cloud is one new folder plus one entry in _DRIVERS."""

from __future__ import annotations

import importlib

import httpx

from vpspanel.providers.base import Provider
from vpspanel.providers.http import Clock, RateBudgets, RateLimits, RetryPolicy

# Imported on first use so that loading the registry does not load every driver.
_DRIVERS: dict[str, str] = {
    "linode": "vpspanel.providers.linode.driver:LinodeProvider",
    "digitalocean": "vpspanel.providers.digitalocean.driver:DigitalOceanProvider",
}

PROVIDER_TYPES: tuple[str, ...] = tuple(_DRIVERS)
DEFAULT_BASE_URLS: dict[str, str] = {
    "linode": "https://api.linode.com/v4",
    "digitalocean": "https://api.digitalocean.com/v2",
}


class UnknownProviderType(ValueError):
    pass


def driver_class(provider_type: str) -> type[Provider]:
    try:
        module_name, class_name = _DRIVERS[provider_type].split(":")
    except KeyError:
        raise UnknownProviderType(f"unknown provider type {provider_type!r}") from None
    driver: type[Provider] = getattr(importlib.import_module(module_name), class_name)
    return driver


def default_limits(provider_type: str) -> RateLimits:
    """The built-in request budget of a provider type (adjust with RateLimits.with_limit)."""
    limits: RateLimits = getattr(driver_class(provider_type), "default_limits")  # noqa: B009
    return limits


def get_provider(
    provider_type: str,
    *,
    api_key: str,
    base_url: str | None = None,
    http: httpx.AsyncClient | None = None,
    limits: RateLimits | None = None,
    clock: Clock | None = None,
    budgets: RateBudgets | None = None,
    retry: RetryPolicy | None = None,
) -> Provider:
    """A driver for one provider account. Cheap to build per use: the HTTP client and the
    request budgets are shared by the whole process."""
    driver = driver_class(provider_type)
    return driver(  # type: ignore[call-arg]
        api_key,
        base_url=base_url or DEFAULT_BASE_URLS[provider_type],
        http=http,
        limits=limits,
        clock=clock,
        budgets=budgets,
        retry=retry,
    )
