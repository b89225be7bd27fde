"""The command line: every failure is one clear line and a non-zero exit; flags read as flags."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vpspanel.cli import app
from vpspanel.config import get_settings
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.security.passwords import verify_password
from vpspanel.security.secrets import SecretBox, generate_key, provider_key_context
from vpspanel.state import AppState

OLD_KEY = "q0BTmBnGcrFqo7TbBbMrdY0sAKhW8rZzF9fQdx6uOQ4="


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    environment = {
        "VPSPANEL_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "VPSPANEL_DATA_DIR": str(tmp_path),
        "VPSPANEL_ENCRYPTION_KEYS": OLD_KEY,
        "VPSPANEL_ENV": "development",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield environment
    get_settings.cache_clear()


def command_names() -> list[str]:
    """Every command of `vpspanel`, as typed on the command line."""
    names = [
        command.name or (command.callback.__name__.replace("_", "-") if command.callback else "")
        for command in app.registered_commands
    ]
    assert len(names) >= 8
    return names


def invoke(*args: str) -> tuple[int, str]:
    get_settings.cache_clear()
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def assert_one_line_error(code: int, output: str, *needles: str) -> None:
    assert code != 0
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert "Traceback" not in output
    for needle in needles:
        assert needle in lines[0], lines[0]


def _store_provider_key(database_path: str, key: str) -> None:
    async def _store() -> None:
        state = AppState.from_settings(get_settings())
        try:
            box = SecretBox([key])
            async with state.sessionmaker() as session, session.begin():
                provider = ServiceProvider(
                    name="Linode", type="linode", api_key_encrypted="x", api_key_hint="abcd"
                )
                session.add(provider)
                await session.flush()
                provider.api_key_encrypted = box.encrypt(
                    "token-1234", context=provider_key_context(provider.id)
                )
        finally:
            await state.close()

    asyncio.run(_store())


class TestHelp:
    def test_boolean_options_render_as_plain_flags(self) -> None:
        for name in command_names():
            code, output = invoke(name, "--help")
            assert code == 0, output
            assert "<bool>" not in output, output
        code, output = invoke("serve", "--help")
        assert "--demo " in output and "--no-worker " in output


class TestCreateAdmin:
    def test_an_invalid_email_is_refused_like_registration(
        self, cli_env: dict[str, str], tmp_path: Path
    ) -> None:
        code, output = invoke(
            "create-admin", "--email", "notanemail", "--password", "long-enough-password"
        )
        assert_one_line_error(code, output, "email")
        if (tmp_path / "cli.db").exists():
            with sqlite3.connect(tmp_path / "cli.db") as db:
                assert db.execute("SELECT count(*) FROM users").fetchone() == (0,)

    def test_a_short_password_is_refused(self, cli_env: dict[str, str]) -> None:
        code, output = invoke("create-admin", "--email", "a@example.com", "--password", "short")
        assert_one_line_error(code, output, "password")

    def test_a_common_password_is_refused_with_the_reason(self, cli_env: dict[str, str]) -> None:
        code, output = invoke(
            "create-admin", "--email", "a@example.com", "--password", "password123"
        )
        assert_one_line_error(code, output, "password", "commonly used passwords")

    def test_a_taken_email_is_one_line(self, cli_env: dict[str, str]) -> None:
        arguments = ("create-admin", "--email", "a@example.com", "--password", "long-password-1")
        assert invoke(*arguments)[0] == 0
        code, output = invoke(*arguments)
        assert_one_line_error(code, output, "already exists")


class TestResetPassword:
    def test_sets_a_new_password(self, cli_env: dict[str, str], tmp_path: Path) -> None:
        invoke("create-admin", "--email", "admin@example.com", "--password", "first-password-1")
        code, output = invoke(
            "reset-password", "--email", "Admin@example.com", "--password", "second-password-2"
        )
        assert code == 0, output
        assert "second-password-2" not in output
        with sqlite3.connect(tmp_path / "cli.db") as db:
            (password_hash,) = db.execute("SELECT password_hash FROM users").fetchone()
        assert verify_password(password_hash, "second-password-2")

    def test_a_password_with_the_email_in_it_is_refused(self, cli_env: dict[str, str]) -> None:
        invoke("create-admin", "--email", "admin@example.com", "--password", "first-password-1")
        code, output = invoke(
            "reset-password", "--email", "admin@example.com", "--password", "admin@example.com"
        )
        assert_one_line_error(code, output, "password", "email")

    def test_an_unknown_account_is_one_line(self, cli_env: dict[str, str]) -> None:
        code, output = invoke(
            "reset-password", "--email", "nobody@example.com", "--password", "second-password-2"
        )
        assert_one_line_error(code, output, "nobody@example.com")


class TestRotateKeys:
    def test_a_missing_key_in_production_is_one_line(
        self, cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("VPSPANEL_ENV", "production")
        monkeypatch.delenv("VPSPANEL_ENCRYPTION_KEYS", raising=False)
        code, output = invoke("rotate-keys")
        assert_one_line_error(code, output, "VPSPANEL_ENCRYPTION_KEYS must be set")

    def test_missing_old_key_says_what_to_do(
        self, cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        assert invoke("migrate")[0] == 0
        _store_provider_key(cli_env["VPSPANEL_DATABASE_URL"], OLD_KEY)
        monkeypatch.setenv("VPSPANEL_ENCRYPTION_KEYS", generate_key())  # only the new key
        code, output = invoke("rotate-keys")
        assert_one_line_error(
            code, output, "which is not configured", "put the old key after the new one"
        )
        assert "VPSPANEL_ENCRYPTION_KEYS" in output

    def test_with_both_keys_it_rotates(
        self, cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        assert invoke("migrate")[0] == 0
        _store_provider_key(cli_env["VPSPANEL_DATABASE_URL"], OLD_KEY)
        monkeypatch.setenv("VPSPANEL_ENCRYPTION_KEYS", f"{generate_key()},{OLD_KEY}")
        code, output = invoke("rotate-keys")
        assert (code, output.strip()) == (0, "re-encrypted 1 secret(s) with the current key")

    @pytest.mark.parametrize("placeholder", ["changeme", "not-a-real-key"])
    def test_a_placeholder_key_is_one_line(
        self, cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, placeholder: str
    ) -> None:
        monkeypatch.setenv("VPSPANEL_ENCRYPTION_KEYS", placeholder)
        code, output = invoke("rotate-keys")
        assert_one_line_error(code, output, "VPSPANEL_ENCRYPTION_KEYS")


class TestStatus:
    def test_prints_health_queue_oldest_and_orphans_one_line_each(
        self, cli_env: dict[str, str]
    ) -> None:
        assert invoke("migrate")[0] == 0
        _store_provider_key(cli_env["VPSPANEL_DATABASE_URL"], OLD_KEY)
        code, output = invoke("status")
        assert code == 0, output
        assert output.strip().splitlines() == [
            "account Linode (linode): not checked yet",
            "queue: 0 queued, 0 running",
            "oldest unfinished operation: none",
            "orphans: 0 waiting for a decision",
        ]
