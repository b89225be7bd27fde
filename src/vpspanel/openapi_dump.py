"""Writes the OpenAPI document without a server or database: `python -m vpspanel.openapi_dump
frontend/openapi.json` (or `-` for stdout). The web UI's typed client is generated from it."""

from __future__ import annotations

import json
import sys
from typing import Any

from vpspanel.app import create_app
from vpspanel.config import Settings


def openapi_document() -> dict[str, Any]:
    """The document `/openapi.json` serves; building the app opens no connection."""
    from cryptography.fernet import Fernet

    settings = Settings(
        database_url="sqlite:///:memory:",
        encryption_keys=[Fernet.generate_key().decode()],
        log_json=False,
    )
    return create_app(settings).openapi()


def render() -> str:
    """The document as stable, sorted, indented JSON with a final newline."""
    return json.dumps(openapi_document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    target = argv[1] if len(argv) > 1 else "-"
    text = render()
    if target == "-":
        sys.stdout.write(text)
    else:
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
