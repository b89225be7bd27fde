"""The ``vpspanel`` command line."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from vpspanel.config import Settings, get_settings

app = typer.Typer(no_args_is_help=True, add_completion=False, help="vpspanel: a VPS panel.")


def _settings() -> Settings:
    try:
        return get_settings()
    except ValueError as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        raise typer.Exit(2) from exc


@app.command()
def migrate() -> None:
    """Upgrade the database to the newest schema."""
    from vpspanel.db.migrate import upgrade_database

    settings = _settings()
    upgrade_database(settings.database_url)
    typer.echo("database is up to date")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
) -> None:
    """Migrate the database, then serve the API."""
    import uvicorn

    from vpspanel.app import create_app
    from vpspanel.db.migrate import upgrade_database

    settings = _settings()
    upgrade_database(settings.database_url)
    uvicorn.run(create_app(settings), host=host, port=port, log_config=None)


@app.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(help="The admin's email")],
    password: Annotated[
        str, typer.Option(help="At least 10 characters", prompt=True, hide_input=True)
    ],
    name: Annotated[str, typer.Option(help="Display name")] = "Administrator",
) -> None:
    """Create an administrator account."""
    from vpspanel.auth.models import UserRole
    from vpspanel.auth.service import create_user
    from vpspanel.db.migrate import upgrade_database
    from vpspanel.errors import AppError
    from vpspanel.state import AppState

    if len(password) < 10:
        typer.echo("password: at least 10 characters", err=True)
        raise typer.Exit(2)
    settings = _settings()
    upgrade_database(settings.database_url)

    async def _create() -> None:
        state = AppState.from_settings(settings)
        try:
            async with state.sessionmaker() as session, session.begin():
                await create_user(
                    session, email=email, password=password, name=name, role=UserRole.ADMIN
                )
        finally:
            await state.close()

    try:
        asyncio.run(_create())
    except AppError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"admin {email} created")


@app.command("rotate-keys")
def rotate_keys() -> None:
    """Re-encrypt every stored secret with the first key in VPSPANEL_ENCRYPTION_KEYS."""
    from vpspanel.security.rotation import rotate_stored_secrets
    from vpspanel.state import AppState

    settings = _settings()

    async def _rotate() -> int:
        state = AppState.from_settings(settings)
        try:
            async with state.sessionmaker() as session, session.begin():
                return await rotate_stored_secrets(session, state.secret_box)
        finally:
            await state.close()

    count = asyncio.run(_rotate())
    typer.echo(f"re-encrypted {count} secret(s) with the current key")


@app.command()
def simulator(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 9100,
) -> None:
    """Serve the Linode and DigitalOcean API simulator (for demos and development)."""
    from vpspanel.simulator import serve as serve_simulator

    serve_simulator(host, port)


if __name__ == "__main__":
    app()
