"""Security headers on every response; the reasoning is in docs/decisions/ui-csp.md.

The app's policy allows scripts and styles only from our own origin. The Swagger UI page needs
one inline script to start itself: its page sets its own policy naming that script by hash
(`docs_policy`), which the middleware leaves in place."""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "Content-Security-Policy"

# style-src allows inline styles: Radix and recharts position popovers and chart parts with style
# attributes and sonner inserts its stylesheet at run time. Scripts stay strictly same-origin.
APP_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
HSTS_VALUE = "max-age=63072000; includeSubDomains"

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def docs_policy(html: str) -> str:
    """APP_POLICY plus the sha256 of each inline <script> in `html` (the docs page's start-up)."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(html)
    )
    return APP_POLICY.replace("script-src 'self'", f"script-src 'self' {hashes}".rstrip())


def install_security_headers(app: FastAPI, *, hsts: bool) -> None:
    """`hsts`: send Strict-Transport-Security (only when the panel is served over HTTPS, which
    VPSPANEL_COOKIE_SECURE declares). A plain ASGI middleware that sets the headers as the
    response starts."""

    def security_headers(inner: ASGIApp) -> ASGIApp:
        async def with_headers(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await inner(scope, receive, send)
                return

            api = scope["path"].startswith("/api/")

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    headers = MutableHeaders(scope=message)
                    if api:
                        # Answers carry tokens, passwords' hand-off and account data: no
                        # browser or proxy keeps a copy.
                        headers.setdefault("Cache-Control", "no-store")
                    headers.setdefault(CSP, APP_POLICY)
                    headers["X-Content-Type-Options"] = "nosniff"
                    headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
                    headers["X-Frame-Options"] = "DENY"
                    headers["Cross-Origin-Opener-Policy"] = "same-origin"
                    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
                    if hsts:
                        headers["Strict-Transport-Security"] = HSTS_VALUE
                await send(message)

            await inner(scope, receive, send_with_headers)

        return with_headers

    app.add_middleware(security_headers)
