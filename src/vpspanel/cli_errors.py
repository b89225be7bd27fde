"""Every CLI failure is one clear line on stderr and a non-zero exit, never a traceback.

`@guarded` wraps a command: known failures are turned into a sentence that says what to do;
anything else is still one line naming the error.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer

P = ParamSpec("P")
R = TypeVar("R")

KEY_HOWTO = (
    'make one with: python3 -c "import base64,os;'
    'print(base64.urlsafe_b64encode(os.urandom(32)).decode())"'
)


class CliError(Exception):
    """A failure whose message is already the sentence to show."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def explain(exc: Exception) -> CliError:
    """The one line to print for a failure (imports lazily: the CLI starts fast)."""
    from pydantic import ValidationError
    from sqlalchemy.exc import SQLAlchemyError

    from vpspanel.errors import AppError
    from vpspanel.security.secrets import DecryptionError, SecretKeyError

    if isinstance(exc, CliError):
        return exc
    if isinstance(exc, DecryptionError):
        if exc.key_id is not None:
            return CliError(
                f"stored secrets were written with key id {exc.key_id}, which is not "
                "configured: put the old key after the new one in VPSPANEL_ENCRYPTION_KEYS "
                "(new,old), run the command again, then drop the old key"
            )
        return CliError(f"a stored secret cannot be read: {exc}")
    if isinstance(exc, SecretKeyError):
        return CliError(f"VPSPANEL_ENCRYPTION_KEYS: {exc}; {KEY_HOWTO}", exit_code=2)
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "input"
        return CliError(f"{field}: {first['msg']}", exit_code=2)
    if isinstance(exc, AppError):
        return CliError(exc.detail)
    if isinstance(exc, SQLAlchemyError):
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        return CliError(f"the database failed: {reason} (check VPSPANEL_DATABASE_URL)")
    if isinstance(exc, ValueError):
        return CliError(f"configuration error: {str(exc).splitlines()[0]}", exit_code=2)
    if isinstance(exc, OSError):
        return CliError(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
    return CliError(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")


def guarded(command: Callable[P, R]) -> Callable[P, R]:
    """Run `command`; print any failure as one line on stderr and exit non-zero."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # every failure, by design: the user gets one line, not a trace
            error = explain(exc)
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(error.exit_code) from None

    return run
