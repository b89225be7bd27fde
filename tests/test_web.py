"""The browser-facing side of the app: the SPA fallback and its caching, the offline API docs,
security headers, and the OpenAPI naming (and committed copy) the generated client depends on."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response

from tests.conftest import TEST_ENCRYPTION_KEY
from vpspanel import openapi_dump
from vpspanel.app import create_app
from vpspanel.config import Settings
from vpspanel.web import ui

ROOT = Path(__file__).resolve().parents[1]
HTML = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def make_app(*, cookie_secure: bool = False) -> FastAPI:
    settings = Settings(
        database_url="sqlite:///:memory:",
        encryption_keys=[TEST_ENCRYPTION_KEY],
        cookie_secure=cookie_secure,
    )
    return create_app(settings)


@pytest.fixture
def built_ui(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in for `scripts/build-ui` output, used by the app created after this fixture."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>vpspanel</title><div id=root>")
    (tmp_path / "assets" / "index-3f2a1b.js").write_text("console.log('app')")
    (tmp_path / "robots.txt").write_text("User-agent: *\n")
    monkeypatch.setattr(ui, "STATIC_DIR", tmp_path)
    return tmp_path


@pytest.fixture
def unbuilt_ui(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ui, "STATIC_DIR", tmp_path / "missing")


async def get(app: FastAPI, path: str, headers: dict[str, str] | None = None) -> Response:
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as http:
        return await http.get(path, headers=headers)


@pytest.fixture
async def http(built_ui: Path) -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=make_app())
    async with AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


class TestSinglePageApp:
    @pytest.mark.parametrize("path", ["/", "/login", "/vps", "/vps/0b5e7c1e-1d1c-4f51", "/admin"])
    async def test_app_paths_get_index_html_uncached(self, http: AsyncClient, path: str) -> None:
        response = await http.get(path, headers=HTML)
        assert response.status_code == 200
        assert "<div id=root>" in response.text
        assert response.headers["cache-control"] == "no-cache"

    async def test_hashed_assets_are_cached_for_a_year(self, http: AsyncClient) -> None:
        response = await http.get("/assets/index-3f2a1b.js")
        assert response.status_code == 200
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"

    async def test_missing_asset_is_404_not_the_app(self, http: AsyncClient) -> None:
        response = await http.get("/assets/index-000000.js", headers=HTML)
        assert response.status_code == 404

    async def test_root_files_of_the_build_are_served(self, http: AsyncClient) -> None:
        response = await http.get("/robots.txt")
        assert response.status_code == 200
        assert response.text.startswith("User-agent")

    async def test_unknown_api_paths_stay_json_404(self, http: AsyncClient) -> None:
        response = await http.get("/api/nothing-here", headers=HTML)
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"

    async def test_non_html_requests_do_not_get_the_app(self, http: AsyncClient) -> None:
        response = await http.get("/vps", headers={"accept": "application/json"})
        assert response.status_code == 404

    async def test_paths_cannot_escape_the_build_directory(self, http: AsyncClient) -> None:
        response = await http.get("/assets/..%2F..%2Fpyproject.toml")
        assert response.status_code == 404

    async def test_unbuilt_ui_explains_how_to_build_it(self, unbuilt_ui: None) -> None:
        response = await get(make_app(), "/vps", HTML)
        assert response.status_code == 503
        assert "scripts/build-ui" in response.text


class TestOfflineDocs:
    @pytest.mark.parametrize("path", ["/docs", "/redoc"])
    async def test_docs_load_nothing_from_another_origin(
        self, http: AsyncClient, path: str
    ) -> None:
        response = await http.get(path)
        assert response.status_code == 200
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", response.text)
        assert "/favicon.svg" in response.text
        assert "vpspanel" in response.text
        for asset in re.findall(r"""(?:src|href)=["']?(/_docs-assets/[^"' >]+)""", response.text):
            assert (await http.get(asset)).status_code == 200, asset

    async def test_swagger_start_up_script_is_allowed_by_hash_only(self, http: AsyncClient) -> None:
        response = await http.get("/docs")
        policy = response.headers["content-security-policy"]
        assert re.search(r"script-src 'self' 'sha256-[A-Za-z0-9+/=]+'", policy)
        assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]

    async def test_favicon_is_ours(self, http: AsyncClient) -> None:
        response = await http.get("/favicon.svg")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("image/svg+xml")


class TestSecurityHeaders:
    @pytest.mark.parametrize("path", ["/", "/api/nothing-here", "/openapi.json", "/assets/x.js"])
    async def test_every_response_carries_them(self, http: AsyncClient, path: str) -> None:
        response = await http.get(path, headers=HTML)
        policy = response.headers["content-security-policy"]
        assert "script-src 'self';" in policy
        assert "frame-ancestors 'none'" in policy
        assert "http" not in policy  # no other origin anywhere
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert "strict-transport-security" not in response.headers

    async def test_api_answers_are_never_stored_by_a_cache(self, http: AsyncClient) -> None:
        # Tokens and account data travel in API answers (a new API token is shown once).
        login = await http.post("/api/auth/login", json={"email": "a@example.com", "password": "x"})
        for response in (await http.get("/api/health"), login):
            assert response.headers["cache-control"] == "no-store"
        assets = await http.get("/favicon.svg")
        assert assets.headers["cache-control"] == "public, max-age=86400"

    async def test_hsts_when_cookies_are_secure(self, built_ui: Path) -> None:
        response = await get(make_app(cookie_secure=True), "/", HTML)
        assert response.headers["strict-transport-security"].startswith("max-age=")


class TestOpenApiNaming:
    def test_operation_ids_are_unique_camel_case_with_summaries(self) -> None:
        document = make_app().openapi()
        ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
        assert len(ids) == len(set(ids))
        for operation_id in ids:
            assert re.fullmatch(r"[a-z][a-zA-Z]*", operation_id), operation_id
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                assert operation.get("summary"), f"{method.upper()} {path} has no summary"
        admin = document["paths"]["/api/admin/plans"]["get"]["operationId"]
        assert (admin, document["paths"]["/api/vps/plans"]["get"]["operationId"]) == (
            "adminListPlans",
            "listPlans",
        )

    def test_schema_names_are_not_module_qualified(self) -> None:
        names = make_app().openapi()["components"]["schemas"]
        assert not [name for name in names if "__" in name]

    def test_committed_document_is_current(self) -> None:
        committed = (ROOT / "frontend" / "openapi.json").read_text()
        assert committed == openapi_dump.render(), (
            "frontend/openapi.json is stale: run scripts/check-client-drift --fix"
        )
