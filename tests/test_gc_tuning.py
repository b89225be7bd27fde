"""The serving processes' garbage collector pace (vpspanel/gc_tuning.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from vpspanel import cli
from vpspanel.gc_tuning import YOUNG_COLLECTION_EVERY, tune_for_serving


@pytest.fixture
def restored_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


@pytest.mark.usefixtures("restored_gc")
def test_start_up_objects_are_frozen_and_young_collections_spaced_out() -> None:
    gc.unfreeze()
    middle, old = gc.get_threshold()[1:]
    tune_for_serving()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (YOUNG_COLLECTION_EVERY, middle, old)


@pytest.mark.usefixtures("restored_gc")
def test_serve_tunes_the_collector_before_serving(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    seen: list[tuple[int, int, int]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.append(gc.get_threshold()))
    monkeypatch.setattr("vpspanel.db.migrate.upgrade_database", lambda url: None)
    gc.set_threshold(700, 10, 10)
    cli.serve(host="127.0.0.1", port=8000, demo=False, no_worker=True)
    assert seen == [(YOUNG_COLLECTION_EVERY, 10, 10)]
