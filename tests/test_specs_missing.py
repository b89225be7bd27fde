"""Without the official provider documents, spec-reading tests skip loudly (and fail under CI)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import specs

REPO_ROOT = Path(__file__).resolve().parents[1]


class TestSpecFile:
    def test_present_file_is_returned(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        (tmp_path / "linode").mkdir()
        (tmp_path / "linode" / "openapi.yaml").write_text("openapi: 3.0.0\n")
        monkeypatch.setenv("VPSPANEL_SPECS_DIR", str(tmp_path))
        assert specs.spec_file("linode/openapi.yaml") == tmp_path / "linode" / "openapi.yaml"

    def test_missing_file_skips_naming_it_and_the_variable(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.setenv("VPSPANEL_SPECS_DIR", str(tmp_path))
        monkeypatch.delenv("CI", raising=False)
        with pytest.raises(pytest.skip.Exception) as skipped:
            specs.spec_file("linode/fixtures/regions.json")
        assert str(tmp_path / "linode" / "fixtures" / "regions.json") in str(skipped.value)
        assert "VPSPANEL_SPECS_DIR" in str(skipped.value)

    @pytest.mark.parametrize("ci", ["true", "1", "yes"])
    def test_missing_file_fails_under_ci(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ci: str
    ) -> None:
        monkeypatch.setenv("VPSPANEL_SPECS_DIR", str(tmp_path))
        monkeypatch.setenv("CI", ci)
        with pytest.raises(pytest.fail.Exception, match="VPSPANEL_SPECS_DIR"):
            specs.spec_file("linode/openapi.yaml")

    def test_ci_false_is_not_ci(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        monkeypatch.setenv("VPSPANEL_SPECS_DIR", str(tmp_path))
        monkeypatch.setenv("CI", "false")
        with pytest.raises(pytest.skip.Exception):
            specs.require_spec_files("linode/openapi.yaml")


@pytest.mark.slow
def test_spec_reading_tests_skip_with_one_loud_line_when_the_documents_are_missing(
    tmp_path: Path,
) -> None:
    """The provider tests (every one of which reads fixtures or documents) on a fresh clone."""
    environment = {
        key: value for key, value in os.environ.items() if key not in ("CI", "PYTEST_ADDOPTS")
    }
    environment["VPSPANEL_SPECS_DIR"] = str(tmp_path / "absent")
    environment.pop("PYTEST_XDIST_WORKER", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            "tests/providers",
            "tests/simulator/test_openapi_contract.py",
        ],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "FileNotFoundError" not in output
    loud_lines = [line for line in output.splitlines() if "tests SKIPPED" in line]
    assert len(loud_lines) == 1, output[-4000:]
    assert "VPSPANEL_SPECS_DIR" in loud_lines[0]
