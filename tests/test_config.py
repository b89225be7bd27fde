from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from vpspanel.config import Environment, Settings, normalize_database_url


class TestDatabaseUrl:
    @pytest.mark.parametrize(
        ("given", "expected"),
        [
            (
                "postgres://u:p@db.example.supabase.co:5432/postgres",
                "postgresql+asyncpg://u:p@db.example.supabase.co:5432/postgres",
            ),
            ("postgresql://u@localhost/app", "postgresql+asyncpg://u@localhost/app"),
            ("sqlite:///data/x.db", "sqlite+aiosqlite:///data/x.db"),
            ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
        ],
    )
    def test_common_urls_map_to_async_drivers(self, given: str, expected: str) -> None:
        assert normalize_database_url(given) == expected

    def test_default_is_a_sqlite_file_under_the_data_dir(self, tmp_path: Path) -> None:
        settings = Settings(data_dir=tmp_path, database_url="")
        assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'vpspanel.db'}"


class TestProductionSafety:
    def test_production_refuses_to_start_without_keys(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv("VPSPANEL_ENCRYPTION_KEYS", raising=False)
        with pytest.raises(ValidationError, match="ENCRYPTION_KEYS"):
            Settings(env=Environment.PRODUCTION)

    @pytest.mark.parametrize("placeholder", ["changeme", "CHANGETHIS", "secret"])
    def test_production_refuses_placeholder_keys(
        self, monkeypatch: pytest.MonkeyPatch, placeholder: str
    ) -> None:
        monkeypatch.setenv("VPSPANEL_ENV", "production")
        monkeypatch.setenv("VPSPANEL_ENCRYPTION_KEYS", placeholder)
        with pytest.raises(ValidationError, match="placeholder"):
            Settings()

    def test_keys_are_read_comma_separated_from_the_environment(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("VPSPANEL_ENCRYPTION_KEYS", "a2V5MQ==, a2V5Mg==")
        assert Settings().resolved_encryption_keys() == ["a2V5MQ==", "a2V5Mg=="]


class TestDevelopmentKeyFile:
    def test_generated_once_with_owner_only_permissions(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv("VPSPANEL_ENCRYPTION_KEYS", raising=False)
        settings = Settings(env=Environment.DEVELOPMENT, data_dir=tmp_path)
        first = settings.resolved_encryption_keys()
        key_file = tmp_path / "encryption.key"
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert settings.resolved_encryption_keys() == first
