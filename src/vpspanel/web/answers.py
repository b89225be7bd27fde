"""JSON answers written straight from plain values, for the hottest read routes.

FastAPI builds the route's response model from what the endpoint returns and then serializes it:
for a page of fifty servers that is some two hundred model objects built only to be turned into
text. These routes build plain dicts shaped exactly as their declared `response_model` (which
still documents them in the OpenAPI schema) and pydantic-core writes them in one call, with the
same encoding the model would use (ISO 8601 datetimes, `Z` for UTC). Tests hold every such
answer to its model (tests/instances/test_request_path.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pydantic_core
from starlette.responses import Response


def json_answer(content: Mapping[str, Any], status_code: int = 200) -> Response:
    """`content` as an `application/json` response; raises `PydanticSerializationError` for a
    value JSON cannot hold (a bug: these values come from our own columns)."""
    return Response(
        pydantic_core.to_json(content), status_code=status_code, media_type="application/json"
    )
