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


class TestSupabaseSettings:
    def test_off_by_default(self) -> None:
        settings = Settings()
        assert settings.supabase_url == ""
        assert settings.supabase_issuer == ""

    def test_issuer_and_jwks_url_follow_the_project_url(self) -> None:
        settings = Settings(supabase_url="https://abcd.supabase.co/")
        assert settings.supabase_issuer == "https://abcd.supabase.co/auth/v1"
        assert (
            settings.supabase_jwks_url == "https://abcd.supabase.co/auth/v1/.well-known/jwks.json"
        )

    def test_algorithms_default_to_the_keys_given(self) -> None:
        jwks_only = Settings(supabase_url="https://abcd.supabase.co")
        assert jwks_only.supabase_jwt_algorithms == ["ES256", "RS256"]
        with_secret = Settings(
            supabase_url="https://abcd.supabase.co", supabase_jwt_secret="s" * 40
        )
        assert with_secret.supabase_jwt_algorithms == ["HS256"]

    def test_algorithms_read_from_the_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("VPSPANEL_SUPABASE_URL", "https://abcd.supabase.co")
        monkeypatch.setenv("VPSPANEL_SUPABASE_JWT_SECRET", "s" * 40)
        monkeypatch.setenv("VPSPANEL_SUPABASE_JWT_ALGORITHMS", "HS256, ES256")
        assert Settings().supabase_jwt_algorithms == ["HS256", "ES256"]

    @pytest.mark.parametrize("algorithm", ["none", "HS512", "PS256"])
    def test_other_algorithms_are_refused(self, algorithm: str) -> None:
        with pytest.raises(ValidationError, match="SUPABASE_JWT_ALGORITHMS"):
            Settings(supabase_url="https://a.supabase.co", supabase_jwt_algorithms=[algorithm])

    def test_hs256_needs_the_secret(self) -> None:
        with pytest.raises(ValidationError, match="SUPABASE_JWT_SECRET"):
            Settings(supabase_url="https://a.supabase.co", supabase_jwt_algorithms=["HS256"])
