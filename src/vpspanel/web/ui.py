"""Serves the built web UI (`scripts/build-ui` writes it to `web/static/`) and the offline API docs.

* `/assets/*`: Vite's content-hashed files, cached for a year (`immutable`).
* Any other GET outside /api that accepts HTML gets `index.html` (no-cache), so `/vps/123` opened
  from a bookmark reaches the app's router. Before the UI is built it gets a 503 page saying how
  to build it.
* `/docs` and `/redoc` load Swagger UI and ReDoc from the `fastapi-offline` package, not a CDN.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi_offline.core import _STATIC_PATH as DOCS_ASSETS
from starlette.exceptions import HTTPException
from starlette.types import Receive, Scope, Send

from vpspanel.web.headers import CSP, docs_policy

STATIC_DIR = Path(__file__).parent / "static"
FAVICON = Path(__file__).parent / "assets" / "favicon.svg"
DOCS_ASSETS_URL = "/_docs-assets"
IMMUTABLE = "public, max-age=31536000, immutable"
NO_CACHE = "no-cache"
NOT_SPA = ("api/", "_sim/", "_docs-assets/")

UNBUILT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vpspanel: web UI not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto">
<h1>The web UI has not been built</h1>
<p>The API is running (see <a href="/docs">/docs</a>), but the browser app is missing from
<code>src/vpspanel/web/static/</code>. Build it with <code>scripts/build-ui</code>
(or start the panel with <code>make run</code>, which builds it when needed).</p>
</body></html>
"""


def install_ui(app: FastAPI, static_dir: Path | None = None) -> None:
    """Adds the docs, favicon and asset routes, and answers every GET no route matched with the
    app.
    `static_dir`: where the built app is (default `web/static/`)."""
    static_dir = static_dir or STATIC_DIR

    title = app.title
    app.mount(DOCS_ASSETS_URL, StaticFiles(directory=DOCS_ASSETS), name="docs-assets")

    @app.get("/favicon.svg", include_in_schema=False)
    async def favicon() -> FileResponse:
        return FileResponse(
            FAVICON, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"}
        )

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{title} API",
            swagger_js_url=f"{DOCS_ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url="/favicon.svg",
        )
        page.headers[CSP] = docs_policy(bytes(page.body).decode())
        return page

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url="/openapi.json",
            title=f"{title} API",
            redoc_js_url=f"{DOCS_ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url="/favicon.svg",
            with_google_fonts=False,
        )

    @app.get("/assets/{path:path}", include_in_schema=False)
    async def asset(path: str) -> FileResponse:
        file = _inside(static_dir / "assets", path)
        if file is None:
            raise HTTPException(404, "No such asset.")
        return FileResponse(file, headers={"Cache-Control": IMMUTABLE})

    async def spa(request: Request) -> Response:
        path = request.url.path.lstrip("/")
        if request.method not in ("GET", "HEAD") or path.startswith(NOT_SPA) or path == "api":
            raise HTTPException(404, "Not Found")
        file = _inside(static_dir, path) if path else None
        if file is not None and file.name != "index.html":
            return FileResponse(file, headers={"Cache-Control": NO_CACHE})
        if "text/html" not in request.headers.get("accept", ""):
            raise HTTPException(404, "Not Found")
        index = static_dir / "index.html"
        if not index.is_file():
            return HTMLResponse(UNBUILT_PAGE, status_code=503, headers={"Cache-Control": NO_CACHE})
        return FileResponse(index, media_type="text/html", headers={"Cache-Control": NO_CACHE})

    async def no_route_matched(scope: Scope, receive: Receive, send: Send) -> None:
        # The router's fallback, not a catch-all route: routes added later still win.
        if scope["type"] != "http":
            await default_not_found(scope, receive, send)
            return
        response = await spa(Request(scope, receive))
        await response(scope, receive, send)

    default_not_found = app.router.default
    app.router.default = no_route_matched


def _inside(root: Path, relative: str) -> Path | None:
    """The file `relative` names under `root`, or None when it is missing or escapes `root`."""
    candidate = (root / relative).resolve()
    if not candidate.is_file() or not candidate.is_relative_to(root.resolve()):
        return None
    return candidate
