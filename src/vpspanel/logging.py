"""Structured JSON logs with a request id. Secrets are redacted by key name before rendering."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

SECRET_KEY_PARTS = (
    "password",
    "root_pass",
    "api_key",
    "token",
    "secret",
    "authorization",
    "cookie",
)


def _redact(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event):
        if any(part in key.lower() for part in SECRET_KEY_PARTS):
            event[key] = "[redacted]"
    return event


def _stderr_logger(*_args: Any) -> structlog.PrintLogger:
    return structlog.PrintLogger(file=sys.stderr)


def configure_logging(*, json: bool = True, level: str = "INFO") -> None:
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact,
        structlog.processors.format_exc_info,
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(),
    ]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        # Looked up on every use, so that a redirected stderr (tests, daemons) is honoured.
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=level.upper(), stream=sys.stderr, format="%(message)s")
    # httpx logs full URLs at INFO; our provider layer logs what matters without them.
    logging.getLogger("httpx").setLevel(logging.WARNING)
