from collections.abc import Iterator

import pytest

from vpspanel.providers.key_ids import DEFAULT_KEY_IDS


@pytest.fixture(autouse=True)
def _fresh_key_ids() -> Iterator[None]:
    """Each test's fake provider starts with no SSH keys, whatever token it reuses."""
    DEFAULT_KEY_IDS.clear()
    yield
    DEFAULT_KEY_IDS.clear()
