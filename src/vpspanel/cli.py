"""The ``vpspanel`` command line."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from vpspanel.cli_errors import CliError, guarded
from vpspanel.config import Settings, get_settings

# rich_markup_mode=None: plain click help, where a boolean flag reads `--demo`, not `--demo <bool>`.
app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    help="vpspanel: a VPS panel.",
)


def _settings() -> Settings:
    from pydantic import ValidationError

    try:
        return get_settings()
    except ValidationError as exc:
        # One line: the first problem's own words, without pydantic's input dump.
        first = exc.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        field = ".".join(str(part) for part in first["loc"])
        where = f"VPSPANEL_{field.upper()}: " if field else ""
        raise CliError(f"configuration error: {where}{message}", exit_code=2) from exc
    except ValueError as exc:
        raise CliError(f"configuration error: {exc}", exit_code=2) from exc


@app.command()
@guarded
def migrate() -> None:
    """Upgrade the database to the newest schema."""
    from vpspanel.db.migrate import upgrade_database

    settings = _settings()
    upgrade_database(settings.database_url)
    typer.echo("database is up to date")


@app.command()
@guarded
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    demo: Annotated[
        bool, typer.Option("--demo", help="Serve the simulator under /_sim with sample data")
    ] = False,
    no_worker: Annotated[
        bool,
        typer.Option(
            "--no-worker",
            help="Leave every operation to `vpspanel worker` processes: this one serves the "
            "API and makes no provider writes",
        ),
    ] = False,
) -> None:
    """Migrate the database, then serve the API (and the worker, unless --no-worker)."""
    import uvicorn

    from vpspanel.app import create_app
    from vpspanel.db.migrate import upgrade_database
    from vpspanel.gc_tuning import tune_for_serving

    settings = _settings()
    upgrade_database(settings.database_url)
    public_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
    application = create_app(
        settings,
        worker="none" if no_worker else "all",
        demo_public_url=f"http://{public_host}:{port}" if demo else None,
    )
    tune_for_serving()
    uvicorn.run(application, host=host, port=port, log_config=None, access_log=False)


@app.command()
@guarded
def worker() -> None:
    """Run the operations worker and reconcilers alone (for more machines)."""
    from vpspanel.db.migrate import upgrade_database
    from vpspanel.gc_tuning import tune_for_serving
    from vpspanel.worker.main import run_standalone

    settings = _settings()
    upgrade_database(settings.database_url)
    tune_for_serving()
    asyncio.run(run_standalone(settings))


@app.command("create-admin")
@guarded
def create_admin(
    email: Annotated[str, typer.Option(help="The admin's email")],
    password: Annotated[
        str, typer.Option(help="At least 10 characters", prompt=True, hide_input=True)
    ],
    name: Annotated[str, typer.Option(help="Display name")] = "Administrator",
) -> None:
    """Create an administrator account."""
    from vpspanel.auth.models import UserRole
    from vpspanel.auth.schemas import RegisterIn
    from vpspanel.auth.service import create_user
    from vpspanel.db.migrate import upgrade_database
    from vpspanel.state import AppState

    # The same rules as registering through the API (email syntax, password length, name).
    account = RegisterIn.model_validate({"email": email, "password": password, "name": name})
    settings = _settings()
    upgrade_database(settings.database_url)

    async def _create() -> None:
        state = AppState.from_settings(settings)
        try:
            async with state.sessionmaker() as session, session.begin():
                await create_user(
                    session,
                    email=str(account.email),
                    password=account.password,
                    name=account.name,
                    role=UserRole.ADMIN,
                )
        finally:
            await state.close()

    asyncio.run(_create())
    typer.echo(f"admin {account.email} created")


@app.command("reset-password")
@guarded
def reset_password(
    email: Annotated[str, typer.Option(help="The account's email")],
    password: Annotated[
        str,
        typer.Option(
            help="The new password, at least 10 characters (asked for when left out)",
            prompt="New password",
            hide_input=True,
            confirmation_prompt=True,
        ),
    ],
) -> None:
    """Set a new password for an account and sign it out everywhere (e.g. the demo admin's)."""
    from vpspanel.auth.schemas import RegisterIn
    from vpspanel.auth.service import reset_password as reset
    from vpspanel.db.migrate import upgrade_database
    from vpspanel.state import AppState

    RegisterIn.model_validate({"email": email, "password": password, "name": "unchanged"})
    settings = _settings()
    upgrade_database(settings.database_url)

    async def _reset() -> None:
        state = AppState.from_settings(settings)
        try:
            async with state.sessionmaker() as session, session.begin():
                await reset(session, email=email, password=password)
        finally:
            await state.close()

    asyncio.run(_reset())
    typer.echo(f"password of {email} changed; its sessions are signed out")


@app.command("rotate-keys")
@guarded
def rotate_keys() -> None:
    """Re-encrypt every stored secret with the first key in VPSPANEL_ENCRYPTION_KEYS: provider
    API keys, and the root passwords of creates and rebuilds still in flight."""
    from vpspanel.operations.handoff import reseal_with_current_key
    from vpspanel.provider_accounts.key_rotation import rotate_stored_secrets
    from vpspanel.state import AppState

    settings = _settings()

    async def _rotate() -> int:
        state = AppState.from_settings(settings)
        try:
            async with state.sessionmaker() as session, session.begin():
                api_keys = await rotate_stored_secrets(session, state.secret_box)
                return api_keys + await reseal_with_current_key(
                    session, state.secret_box, state.clock()
                )
        finally:
            await state.close()

    count = asyncio.run(_rotate())
    typer.echo(f"re-encrypted {count} secret(s) with the current key")


@app.command("refresh-prices")
@guarded
def refresh_prices() -> None:
    """Re-read plans' base prices from the providers and print what changed (as JSON)."""
    from vpspanel.catalog.service import refresh_plan_prices
    from vpspanel.state import AppState

    settings = _settings()

    async def _refresh() -> str:
        state = AppState.from_settings(settings)
        try:
            return (await refresh_plan_prices(state)).model_dump_json(indent=2)
        finally:
            await state.close()

    typer.echo(asyncio.run(_refresh()))


@app.command()
@guarded
def status() -> None:
    """Print each provider account's health, the operations queue and its oldest unfinished
    operation, and the orphans waiting for a decision (one line each)."""
    from vpspanel.state import AppState
    from vpspanel.worker.status import collect_status

    settings = _settings()

    async def _collect() -> list[str]:
        state = AppState.from_settings(settings)
        try:
            async with state.read_sessionmaker() as session:
                return (await collect_status(session, state.clock())).lines()
        finally:
            await state.close()

    for line in asyncio.run(_collect()):
        typer.echo(line)


@app.command()
@guarded
def simulator(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 9100,
) -> None:
    """Serve the Linode and DigitalOcean API simulator (for demos and development)."""
    from vpspanel.simulator import serve as serve_simulator

    serve_simulator(host, port)


if __name__ == "__main__":
    app()
