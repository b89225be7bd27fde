"""Provider failures translated in one place: the customer face stays neutral, the admin face
is specific (issue 11, item 7)."""

from __future__ import annotations

import pytest

from vpspanel import provider_errors
from vpspanel.providers import errors as perr


def _unreachable() -> perr.ProviderError:
    error = perr.ProviderUnavailable(
        "linode GET /profile: could not connect", may_have_succeeded=False
    )
    error.diagnosis = "connection refused at 127.0.0.1:9: is the port right?"
    error.points_at_base_url = True
    return error


class TestCustomerFace:
    @pytest.mark.parametrize(
        ("error", "status", "code"),
        [
            (
                perr.ProviderValidationError("region", "Invalid Linode region"),
                422,
                "provider_rejected",
            ),
            (perr.ProviderConflict("droplet is busy"), 409, "busy"),
            (perr.ProviderRateLimited("slow down", retry_after_s=3), 503, "provider_unavailable"),
            (_unreachable(), 503, "provider_unavailable"),
            (perr.ProviderAuthError("Invalid Token"), 502, "provider_error"),
            (perr.ProviderNotFound("Not found"), 502, "provider_error"),
        ],
    )
    def test_api_errors_never_repeat_the_cloud(
        self, error: perr.ProviderError, status: int, code: str
    ) -> None:
        answer = provider_errors.customer_error(error)
        assert (answer.status_code, answer.error_code) == (status, code)
        assert "Linode" not in str(answer.body()) and "127.0.0.1" not in str(answer.body())

    @pytest.mark.parametrize(
        ("error", "reason"),
        [
            (
                perr.ProviderValidationError(None, "droplet limit reached"),
                provider_errors.NOT_PLACED,
            ),
            (perr.ProviderAuthError("Invalid Token"), provider_errors.ACCOUNT_REFUSED),
            (perr.ProviderPermissionError("no scope"), provider_errors.ACCOUNT_REFUSED),
            (perr.ProviderNotFound("Not found"), provider_errors.GONE_AT_PROVIDER),
            (perr.ProviderValidationError("image", "bad image"), provider_errors.REQUEST_REFUSED),
            (perr.ProviderConflict("busy"), provider_errors.NOT_RESPONDING),
            (_unreachable(), provider_errors.NOT_RESPONDING),
        ],
    )
    def test_a_failed_operation_reads_a_neutral_reason(
        self, error: perr.ProviderError, reason: str
    ) -> None:
        assert provider_errors.failure_reason(error) == reason

    def test_a_refused_create_suggests_another_plan_or_region(self) -> None:
        refused = perr.ProviderValidationError("type", "Invalid Linode type")
        assert provider_errors.failure_reason(refused, creating=True) == (
            "The cloud provider refused to create this server. Try again, or choose another plan "
            "or region. If it keeps failing, contact support."
        )
        assert "plan or region" not in provider_errors.failure_reason(refused)

    @pytest.mark.parametrize(
        "error",
        [
            perr.ProviderValidationError(None, "droplet limit reached"),
            perr.ProviderAuthError("Invalid Token"),
            perr.ProviderPermissionError("no scope"),
            perr.ProviderNotFound("Not found"),
            perr.ProviderValidationError("image", "bad image"),
            perr.ProviderConflict("busy"),
            _unreachable(),
        ],
    )
    @pytest.mark.parametrize("creating", [False, True])
    def test_every_failure_reason_gives_the_customer_a_next_step(
        self, error: perr.ProviderError, creating: bool
    ) -> None:
        reason = provider_errors.failure_reason(error, creating=creating)
        assert any(step in reason for step in ("Try again", "try again", "contact support")), reason
        assert not any(name in reason.lower() for name in ("linode", "digitalocean", "droplet"))


class TestAdminFace:
    def test_a_wrong_base_url_names_the_field_and_the_reason(self) -> None:
        answer = provider_errors.admin_error(_unreachable())
        assert answer.status_code == 422 and answer.error_code == "invalid_api_base_url"
        assert answer.fields is not None and answer.fields[0].field == "api_base_url"
        assert "connection refused at 127.0.0.1:9" in answer.detail

    def test_a_refused_key_and_a_missing_permission_are_errors_of_the_key(self) -> None:
        refused = provider_errors.key_error(perr.ProviderAuthError("Invalid Token"))
        missing = provider_errors.key_error(
            perr.ProviderPermissionError("no", missing_permission="droplet:create")
        )
        assert refused.error_code == "invalid_credentials"
        assert missing.error_code == "insufficient_permissions"
        assert "droplet:create" in missing.detail

    def test_a_connection_test_reads_the_specific_reason(self) -> None:
        assert provider_errors.admin_text(perr.ProviderAuthError("x")) == (
            "The provider rejected the API key."
        )
        assert provider_errors.admin_text(_unreachable()).startswith(
            "The API base URL looks wrong: connection refused"
        )
