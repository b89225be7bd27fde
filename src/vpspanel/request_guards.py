"""Guards on the shape of a request before any route reads it.

- `BodySizeLimit` (ASGI middleware): a body over `max_bytes` is refused with 413
  `payload_too_large` without being read whole — at once when `Content-Length` says so, else as
  soon as the streamed (chunked) body passes the limit.
- `require_json_body` (an app-wide dependency, run before a route's own): every route answers 415
  `unsupported_media_type` to a body sent as anything but JSON (`text/plain`, a form, …), before
  the body is parsed, instead of a confusing 422 on field `body`.
"""

from __future__ import annotations

import json

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vpspanel.errors import PayloadTooLarge, UnsupportedMediaType


class _BodyTooLarge(Exception):
    """Raised from the wrapped `receive` when the streamed body passes the limit."""


def _payload_too_large(max_bytes: int) -> bytes:
    error = PayloadTooLarge(f"The request body is larger than the limit of {max_bytes} bytes.")
    return json.dumps(error.body()).encode()


class BodySizeLimit:
    """Refuse HTTP request bodies larger than `max_bytes` with 413, reading at most that much."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return

        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if response_started:
                raise
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = _payload_too_large(self.max_bytes)
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


async def require_json_body(request: Request) -> None:
    """415 when a request carries a non-empty body of another type than JSON (every body this
    API takes is JSON)."""
    if _is_json(request.headers.get("content-type", "")):
        return
    if request.headers.get("content-length") == "0":
        return
    if "content-length" not in request.headers and "transfer-encoding" not in request.headers:
        return
    raise UnsupportedMediaType()
