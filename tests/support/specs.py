"""Where tests find the official provider documents, and what happens when they are missing.

The official Linode and DigitalOcean OpenAPI documents, SDK fixtures and recorded bodies are not
part of this repository (we must not copy them in). They are read from `$VPSPANEL_SPECS_DIR`, else
from `<repo>/../shared/specs`, which exists beside CI. Every test that reads one of them goes
through `spec_file()` (or `require_spec_files()`):

- the file is there: its path is returned;
- it is missing on a developer's machine: the test is skipped with a reason naming the file and
  `VPSPANEL_SPECS_DIR`, and the session ends with one loud line counting such skips
  (`tests/conftest.py`);
- it is missing under CI (`CI` set to anything but `false`/`0`): the test fails instead, so CI can
  never pass without the documents.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SPECS_DIR_VARIABLE = "VPSPANEL_SPECS_DIR"
DEFAULT_SPECS_DIR = REPO_ROOT.parent / "shared" / "specs"
# Every skip reason starts with this, so the session summary can count them.
MISSING_SPECS_REASON_PREFIX = "official provider document missing:"


def specs_dir() -> Path:
    """The configured specs directory (it may not exist)."""
    configured = os.environ.get(SPECS_DIR_VARIABLE)
    return Path(configured) if configured else DEFAULT_SPECS_DIR


def running_under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "false", "0")


def missing_specs_reason(path: Path) -> str:
    return (
        f"{MISSING_SPECS_REASON_PREFIX} {path} — set {SPECS_DIR_VARIABLE} to the directory "
        "holding the official Linode and DigitalOcean documents to run this test"
    )


def spec_file(relative_path: str | Path) -> Path:
    """The path of one file under the specs directory; skips (or, under CI, fails) if absent."""
    path = specs_dir() / relative_path
    if path.is_file():
        return path
    reason = missing_specs_reason(path)
    if running_under_ci():
        pytest.fail(reason)
    pytest.skip(reason)


def require_spec_files(*relative_paths: str | Path) -> Path:
    """The specs directory once every named file is there; skips (or fails under CI) otherwise."""
    for relative_path in relative_paths:
        spec_file(relative_path)
    return specs_dir()
