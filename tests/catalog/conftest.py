"""Catalog tests never wait out a provider's back-off."""

import pytest


@pytest.fixture(autouse=True)
def _no_back_off_waits(instant_providers: None) -> None:
    """Every test here runs with `instant_providers` (tests/fixtures/providers.py)."""
