from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from vpspanel.db.base import Base
from vpspanel.provider_accounts.key_rotation import rotate_stored_secrets
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.security.secrets import (
    DecryptionError,
    SecretBox,
    SecretKeyError,
    generate_key,
    key_hint,
    provider_key_context,
)
from vpspanel.state import AppState

CANARY = "canary-linode-key-7f3a9c1e5b2d4068"


class TestSecretBox:
    def test_encrypts_and_decrypts_in_the_same_place(self) -> None:
        box = SecretBox([generate_key()])
        sealed = box.encrypt(CANARY, context="service_providers.api_key:1")
        assert CANARY not in sealed
        assert box.decrypt(sealed, context="service_providers.api_key:1") == CANARY

    def test_a_ciphertext_copied_to_another_row_does_not_decrypt(self) -> None:
        box = SecretBox([generate_key()])
        sealed = box.encrypt(CANARY, context=provider_key_context("row-a"))
        with pytest.raises(DecryptionError):
            box.decrypt(sealed, context=provider_key_context("row-b"))

    def test_tampered_ciphertext_is_an_error_not_plaintext(self) -> None:
        box = SecretBox([generate_key()])
        sealed = box.encrypt(CANARY, context="c")
        tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
        with pytest.raises(DecryptionError):
            box.decrypt(tampered, context="c")
        with pytest.raises(DecryptionError):
            box.decrypt(CANARY, context="c")

    def test_first_key_encrypts_and_every_key_decrypts(self) -> None:
        old, new = generate_key(), generate_key()
        sealed_with_old = SecretBox([old]).encrypt(CANARY, context="c")
        rotated_box = SecretBox([new, old])
        assert rotated_box.decrypt(sealed_with_old, context="c") == CANARY
        assert rotated_box.needs_rotation(sealed_with_old)
        rewritten = rotated_box.rotate(sealed_with_old, context="c")
        assert not rotated_box.needs_rotation(rewritten)
        assert SecretBox([new]).decrypt(rewritten, context="c") == CANARY
        with pytest.raises(DecryptionError):
            SecretBox([old]).decrypt(rewritten, context="c")

    def test_a_key_that_is_not_configured_cannot_decrypt(self) -> None:
        sealed = SecretBox([generate_key()]).encrypt(CANARY, context="c")
        with pytest.raises(DecryptionError):
            SecretBox([generate_key()]).decrypt(sealed, context="c")

    @pytest.mark.parametrize("bad", ["", "not base64 !!", "c2hvcnQ="])
    def test_malformed_keys_are_refused(self, bad: str) -> None:
        with pytest.raises(SecretKeyError):
            SecretBox([bad])

    def test_hint_shows_only_the_last_four_characters(self) -> None:
        assert key_hint(CANARY) == "…4068"


async def _store_provider(state: AppState, api_key: str) -> uuid.UUID:
    provider_id = uuid.uuid4()
    async with state.sessionmaker() as session, session.begin():
        session.add(
            ServiceProvider(
                id=provider_id,
                name="Primary Linode Account",
                type="linode",
                api_key_encrypted=state.secret_box.encrypt(
                    api_key, context=provider_key_context(provider_id)
                ),
                api_key_hint=key_hint(api_key),
                configuration={},
            )
        )
    return provider_id


async def _dump_database(state: AppState) -> str:
    """Every value of every row of every table, as text."""
    chunks: list[str] = []
    async with state.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            rows = await connection.execute(text(f"SELECT * FROM {table.name}"))
            chunks.extend(repr(tuple(row)) for row in rows)
    return "\n".join(chunks)


class TestSecretsAtRest:
    async def test_canary_key_is_stored_only_as_ciphertext(self, state: AppState) -> None:
        await _store_provider(state, CANARY)
        dump = await _dump_database(state)
        assert "Primary Linode Account" in dump  # the dump does see the row
        assert CANARY not in dump
        assert CANARY[:16] not in dump

    async def test_rotate_keys_reencrypts_and_old_data_still_decrypts(
        self, state: AppState
    ) -> None:
        provider_id = await _store_provider(state, CANARY)
        new_key = generate_key()
        old_keys = state.settings.resolved_encryption_keys()
        rotated = SecretBox([new_key, *old_keys])
        async with state.sessionmaker() as session, session.begin():
            assert await rotate_stored_secrets(session, rotated) == 1
        async with state.sessionmaker() as session:
            stored = await session.scalar(
                select(ServiceProvider.api_key_encrypted).where(ServiceProvider.id == provider_id)
            )
        assert stored is not None
        assert SecretBox([new_key]).decrypt(stored, context=provider_key_context(provider_id)) == (
            CANARY
        )
        async with state.sessionmaker() as session, session.begin():
            assert await rotate_stored_secrets(session, rotated) == 0

    async def test_rotate_keys_command_rewrites_under_the_newest_key(
        self, state: AppState, tmp_path: Path
    ) -> None:
        provider_id = await _store_provider(state, CANARY)
        new_key = generate_key()
        keys = ",".join([new_key, *state.settings.resolved_encryption_keys()])
        env = {
            **os.environ,
            "VPSPANEL_DATABASE_URL": state.settings.database_url,
            "VPSPANEL_ENCRYPTION_KEYS": keys,
            "VPSPANEL_DATA_DIR": str(tmp_path),
        }
        result = subprocess.run(
            [sys.executable, "-m", "vpspanel.cli", "rotate-keys"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert "re-encrypted 1 secret" in result.stdout
        assert CANARY not in result.stdout + result.stderr
        async with state.sessionmaker() as session:
            stored = await session.scalar(
                select(ServiceProvider.api_key_encrypted).where(ServiceProvider.id == provider_id)
            )
        assert stored is not None
        assert SecretBox([new_key]).decrypt(stored, context=provider_key_context(provider_id)) == (
            CANARY
        )


class TestSecretBoxProperties:
    @given(secret=st.text(max_size=300), context=st.text(min_size=1, max_size=80))
    @settings(max_examples=150, deadline=None)
    def test_round_trips_any_text_and_never_contains_it(self, secret: str, context: str) -> None:
        sealed = PROPERTY_BOX.encrypt(secret, context=context)
        assert PROPERTY_BOX.decrypt(sealed, context=context) == secret
        if len(secret) >= 8:
            assert secret not in sealed

    @given(context=st.text(min_size=1, max_size=40), other=st.text(min_size=1, max_size=40))
    @settings(max_examples=100, deadline=None)
    def test_only_the_same_context_decrypts(self, context: str, other: str) -> None:
        sealed = PROPERTY_BOX.encrypt("k", context=context)
        if other != context:
            with pytest.raises(DecryptionError):
                PROPERTY_BOX.decrypt(sealed, context=other)


PROPERTY_BOX = SecretBox([generate_key()])
