"""The contract helper itself: it must catch real violations and allow only the documented
exceptions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import openapi_contract
from tests.support.openapi_contract import (
    ContractViolation,
    require_specs,
    validate_request,
    validate_response,
)

AUTH = {"Authorization": "Bearer x"}
ERROR = {"errors": [{"reason": "Not found"}]}
DO_HEADERS = {
    "ratelimit-limit": "5000",
    "ratelimit-remaining": "4999",
    "ratelimit-reset": "1700000000",
}


@pytest.fixture(autouse=True)
def _specs() -> None:
    require_specs()


class TestRequests:
    def test_valid_linode_create(self) -> None:
        validate_request(
            "linode",
            "POST",
            "/v4/linode/instances",
            headers=AUTH,
            body={
                "type": "g6-nanode-1",
                "region": "us-east",
                "image": "linode/debian12",
                "root_pass": "Corr3ct-Horse-Battery",
                "label": "web-1",
                "tags": ["a-tag"],
            },
        )

    def test_label_pattern_is_enforced(self) -> None:
        with pytest.raises(ContractViolation, match="label"):
            validate_request(
                "linode",
                "POST",
                "/linode/instances",
                headers=AUTH,
                body={"type": "g6-nanode-1", "region": "us-east", "label": "bad label"},
            )

    def test_do_create_requires_size(self) -> None:
        with pytest.raises(ContractViolation):
            validate_request(
                "digitalocean",
                "POST",
                "/v2/droplets",
                headers=AUTH,
                body={"name": "web-1", "image": "ubuntu-24-04-x64"},
            )
        validate_request(
            "digitalocean",
            "POST",
            "/v2/droplets",
            headers=AUTH,
            body={"name": "web-1", "size": "s-1vcpu-1gb", "image": "ubuntu-24-04-x64"},
        )

    def test_query_parameters_are_checked(self) -> None:
        validate_request(
            "digitalocean",
            "GET",
            "/v2/droplets",
            headers=AUTH,
            query={"per_page": "50", "tag_name": "x"},
        )
        with pytest.raises(ContractViolation):
            validate_request(
                "digitalocean", "GET", "/v2/droplets", headers=AUTH, query={"per_page": "500"}
            )

    def test_full_simulator_urls_are_understood(self) -> None:
        validate_request(
            "linode",
            "GET",
            "http://127.0.0.1:9100/_sim/linode/v4/linode/instances?page=2",
            headers=AUTH,
        )
        validate_request(
            "digitalocean", "GET", "http://127.0.0.1:9100/digitalocean/v2/sizes", headers=AUTH
        )


class TestResponses:
    def test_an_undocumented_property_is_rejected(self) -> None:
        with pytest.raises(ContractViolation, match="surprise"):
            validate_response(
                "linode",
                "GET",
                "/v4/linode/instances/1",
                404,
                {"errors": [{"reason": "x", "surprise": 1}]},
            )

    def test_missing_required_field_is_rejected(self) -> None:
        with pytest.raises(ContractViolation):
            validate_response(
                "digitalocean",
                "GET",
                "/v2/account",
                200,
                {"account": {"email": "a@b.c"}},
                DO_HEADERS,
            )

    def test_linode_naive_timestamps_are_accepted_but_garbage_is_not(self) -> None:
        event = {
            "id": 1,
            "action": "linode_boot",
            "created": "2024-01-01T00:00:00",
            "status": "finished",
        }
        page = {"data": [event], "page": 1, "pages": 1, "results": 1}
        validate_response("linode", "GET", "/v4/account/events", 200, page)
        with pytest.raises(ContractViolation):
            event["created"] = "yesterday"
            validate_response("linode", "GET", "/v4/account/events", 200, page)

    def test_linode_event_entities_are_checked(self) -> None:
        event = {
            "id": 2,
            "action": "linode_shutdown",
            "created": "2024-01-01T00:00:00",
            "status": "started",
            "entity": {"id": 7, "label": "web", "type": "linode", "url": "/v4/linode/instances/7"},
        }
        page = {"data": [event], "page": 1, "pages": 1, "results": 1}
        validate_response("linode", "GET", "/v4/account/events", 200, page)
        with pytest.raises(ContractViolation, match="droplet"):
            event["entity"] = {**event["entity"], "type": "droplet"}  # type: ignore[dict-item]
            validate_response("linode", "GET", "/v4/account/events", 200, page)

    def test_do_action_pages(self) -> None:
        action = {
            "id": 36804636,
            "status": "completed",
            "type": "power_off",
            "started_at": "2020-11-14T16:29:21Z",
            "completed_at": "2020-11-14T16:30:06Z",
            "resource_id": 3164444,
            "resource_type": "droplet",
            "region_slug": "nyc3",
        }
        page = {"actions": [action], "links": {}, "meta": {"total": 1}}
        validate_response("digitalocean", "GET", "/v2/actions", 200, page, DO_HEADERS)
        with pytest.raises(ContractViolation, match="done"):
            action["status"] = "done"
            validate_response("digitalocean", "GET", "/v2/actions", 200, page, DO_HEADERS)

    def test_linode_stats_must_be_wrapped(self) -> None:
        series = {"cpu": [[1, 2.0]], "title": "t"}
        with pytest.raises(ContractViolation, match="wrapped"):
            validate_response("linode", "GET", "/v4/linode/instances/1/stats", 200, series)
        validate_response(
            "linode",
            "GET",
            "/v4/linode/instances/1/stats",
            200,
            {"data": {"cpu": [[1, 2.0]]}, "title": "t"},
        )

    def test_do_status_off_is_a_string_enum_value(self) -> None:
        # PyYAML would read the enum's `off` as False; the loader keeps YAML 1.2 booleans.
        spec = openapi_contract._openapi("digitalocean").spec
        status = spec / "paths" / "/v2/droplets/{droplet_id}" / "get" / "responses" / "200"
        assert status.exists()
        with pytest.raises(ContractViolation, match="status"):
            validate_response(
                "digitalocean",
                "GET",
                "/v2/droplets/1",
                200,
                {"droplet": {"status": False}},
                DO_HEADERS,
            )

    def test_error_bodies(self) -> None:
        validate_response("linode", "GET", "/v4/linode/instances/1", 404, ERROR)
        validate_response(
            "digitalocean",
            "GET",
            "/v2/droplets/1",
            404,
            {"id": "not_found", "message": "gone"},
            DO_HEADERS,
        )


class TestMissingSpecs:
    def test_fails_under_ci_and_skips_otherwise(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.setenv("VPSPANEL_SPECS_DIR", str(tmp_path))
        monkeypatch.setenv("CI", "true")
        with pytest.raises(pytest.fail.Exception, match="VPSPANEL_SPECS_DIR"):
            require_specs()
        monkeypatch.delenv("CI")
        with pytest.raises(pytest.skip.Exception, match="VPSPANEL_SPECS_DIR"):
            require_specs()
