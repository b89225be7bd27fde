"""The per-process sealing key for root passwords."""

from __future__ import annotations

from vpspanel.operations.handoff import SecretHandoff, process_handoff, secret_context


class TestSecretHandoff:
    def test_the_sealing_process_can_unseal(self) -> None:
        handoff = SecretHandoff()
        sealed = handoff.seal("Secret-Pass-123", context=secret_context("op-1"))
        assert "Secret-Pass-123" not in sealed
        assert handoff.unseal(sealed, context=secret_context("op-1")) == "Secret-Pass-123"
        assert handoff.owns(sealed)

    def test_another_process_cannot(self) -> None:
        sealed = SecretHandoff().seal("Secret-Pass-123", context="ctx")
        assert SecretHandoff().unseal(sealed, context="ctx") is None

    def test_a_ciphertext_moved_to_another_operation_does_not_open(self) -> None:
        handoff = SecretHandoff()
        sealed = handoff.seal("Secret-Pass-123", context=secret_context("op-1"))
        assert handoff.unseal(sealed, context=secret_context("op-2")) is None
        assert handoff.unseal(sealed[:-4] + "AAAA", context=secret_context("op-1")) is None

    def test_the_process_key_is_one_per_process(self) -> None:
        assert process_handoff() is process_handoff()
        assert "key" not in repr(process_handoff()).replace("key_id", "")
