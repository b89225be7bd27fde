"""The FastAPI application: routers, error handlers, health, metrics."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Literal

import structlog
from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vpspanel import metrics
from vpspanel.api_tokens.router import router as api_tokens_router
from vpspanel.auth.account_router import router as account_router
from vpspanel.auth.router import router as auth_router
from vpspanel.catalog.router import router as admin_catalog_router
from vpspanel.config import Settings, get_settings
from vpspanel.customers.router import router as admin_customers_router
from vpspanel.db.engine import DatabaseTrouble, database_trouble, read_only_engine
from vpspanel.errors import (
    ERROR_RESPONSES,
    AppError,
    FieldError,
    ServiceBusy,
    ServiceUnavailable,
)
from vpspanel.instances.admin_router import router as admin_instances_router
from vpspanel.instances.repository import InstanceRepository
from vpspanel.instances.router import router as instances_router
from vpspanel.logging import configure_logging
from vpspanel.organizations.router import invitations_router
from vpspanel.organizations.router import router as organizations_router
from vpspanel.orphans.router import router as admin_orphans_router
from vpspanel.provider_accounts.router import router as admin_providers_router
from vpspanel.request_guards import BodySizeLimit, require_json_body
from vpspanel.ssh_keys.router import router as ssh_keys_router
from vpspanel.state import AppState
from vpspanel.storefront.router import router as storefront_router
from vpspanel.web.headers import install_security_headers
from vpspanel.web.openapi import operation_id
from vpspanel.web.ui import install_ui

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from vpspanel.simulator.persistence import SimulatorSnapshots

log = structlog.get_logger(__name__)

WorkerMode = Literal["all", "none"]

STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def _field_name(loc: tuple[int | str, ...]) -> str:
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _validation_response(exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    if any(error.get("type") == "json_invalid" for error in errors):
        return JSONResponse(
            {"error": "malformed_json", "detail": "The request body is not valid JSON."},
            status_code=400,
        )
    fields = [
        FieldError(field=_field_name(tuple(error["loc"])), message=error["msg"]).model_dump()
        for error in errors
    ]
    names = ", ".join(dict.fromkeys(field["field"] for field in fields))
    return JSONResponse(
        {"error": "validation_error", "detail": f"Invalid fields: {names}.", "fields": fields},
        status_code=422,
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_request: Request, exc: AppError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return _validation_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = STATUS_CODES.get(exc.status_code, "error")
        detail = exc.detail if isinstance(exc.detail, str) else code
        return JSONResponse(
            {"error": code, "detail": detail},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, exc: IntegrityError) -> JSONResponse:
        # A race the service could not see coming (two requests creating the same thing, a row
        # deleted under a request): a conflict to retry, never a 500.
        log.info("integrity_conflict", error_type=type(exc.orig).__name__)
        return JSONResponse(
            {
                "error": "conflict",
                "detail": "The request conflicts with a concurrent change. Try again.",
            },
            status_code=409,
        )

    @app.exception_handler(DataError)
    async def _data(_request: Request, exc: DataError) -> JSONResponse:
        log.info("data_rejected_by_database", error_type=type(exc.orig).__name__)
        return JSONResponse(
            {"error": "validation_error", "detail": "A value is not acceptable.", "fields": []},
            status_code=422,
        )

    @app.exception_handler(SQLAlchemyError)
    @app.exception_handler(OSError)
    async def _database(request: Request, exc: Exception) -> JSONResponse:
        # An exhausted pool, a statement timeout or an unreachable database is a 503 to retry;
        # anything else is a bug (500).
        trouble = database_trouble(exc)
        if trouble is None:
            return await _unexpected(request, exc)
        log.warning("database_" + trouble.value, error_type=type(exc).__name__)
        error: AppError = (
            ServiceBusy()
            if trouble is DatabaseTrouble.BUSY
            else ServiceUnavailable("The service cannot reach its database. Try again later.")
        )
        return await _app_error(request, error)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error", path=request.url.path, error_type=type(exc).__name__)
        return JSONResponse(
            {"error": "internal_error", "detail": "Something went wrong on our side."},
            status_code=500,
        )


NUL_MARKERS = (b"\\u0000", b"\x00")
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def install_input_guard(app: FastAPI) -> None:
    """No legitimate input holds a NUL character, and PostgreSQL cannot store one in text:
    refuse it at the door instead of failing deep inside a transaction. A plain ASGI
    middleware: a request without a body costs two substring checks."""

    def input_guard(inner: ASGIApp) -> ASGIApp:
        async def guard(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await inner(scope, receive, send)
                return
            if "\x00" in scope["path"]:
                await _nul_refused([])(scope, receive, send)
                return
            if b"%00" in scope["query_string"]:
                query = Request(scope).query_params.multi_items()
                await _nul_refused([name for name, value in query if "\x00" in value])(
                    scope, receive, send
                )
                return
            if scope["method"] not in BODY_METHODS:
                await inner(scope, receive, send)
                return
            chunks: list[bytes] = []
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    return  # the client went away before sending its body
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    break
            body = b"".join(chunks)
            if any(marker in body for marker in NUL_MARKERS):
                await _nul_refused(_fields_with_nul(body))(scope, receive, send)
                return
            replayed = False

            async def replay() -> Message:
                # The body once, whole, as read; then whatever comes next (a disconnect).
                nonlocal replayed
                if replayed:
                    return await receive()
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}

            await inner(scope, replay, send)

        return guard

    app.add_middleware(input_guard)


def _fields_with_nul(body: bytes) -> list[str]:
    """Where a JSON body holds a NUL, named like validation errors (`name`, `ssh_keys[1]`)."""
    try:
        document = json.loads(body)
    except ValueError:
        return []
    found: list[str] = []

    def walk(value: object, path: str) -> None:
        if isinstance(value, str) and "\x00" in value:
            found.append(path or "body")
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{path}[{index}]")

    walk(document, "")
    return found


def _nul_refused(fields: list[str]) -> JSONResponse:
    return JSONResponse(
        {
            "error": "validation_error",
            "detail": "Text may not contain NUL characters.",
            "fields": [
                {"field": field, "message": "May not contain NUL characters."} for field in fields
            ],
        },
        status_code=422,
    )


def install_request_context(app: FastAPI) -> None:
    """Each request's id (from `X-Request-Id` or new) bound to its log lines and sent back, its
    count and latency per route, and one log line. A plain ASGI middleware: no task or stream
    per request, as `@app.middleware("http")` would add."""

    def request_context(inner: ASGIApp) -> ASGIApp:
        async def context(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await inner(scope, receive, send)
                return
            request_id = Headers(scope=scope).get("X-Request-Id", "")[:64] or uuid.uuid4().hex
            status = 500  # if no response starts, the app's error handler answers 500

            async def send_with_id(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                    MutableHeaders(scope=message)["X-Request-Id"] = request_id
                await send(message)

            structlog.contextvars.bind_contextvars(request_id=request_id)
            started = time.perf_counter()
            try:
                await inner(scope, receive, send_with_id)
            finally:
                structlog.contextvars.unbind_contextvars("request_id")
            route_path = getattr(scope.get("route"), "path", "unmatched")
            elapsed = time.perf_counter() - started
            metrics.HTTP_REQUESTS.labels(scope["method"], route_path, str(status)).inc()
            metrics.HTTP_REQUEST_SECONDS.labels(scope["method"], route_path).observe(elapsed)
            log.info(
                "request",
                request_id=request_id,
                method=scope["method"],
                route=route_path,
                status=status,
                ms=round(elapsed * 1000, 1),
            )

        return context

    app.add_middleware(request_context)


def _demo_simulator(settings: Settings) -> tuple[Starlette, SimulatorSnapshots]:
    """The demo's built-in simulator and the file that keeps its clouds across restarts."""
    from vpspanel.demo import simulator_state_path
    from vpspanel.simulator import create_simulator_app
    from vpspanel.simulator.persistence import SimulatorSnapshots

    simulator_app = create_simulator_app()
    return simulator_app, SimulatorSnapshots(
        simulator_app.state.simulator, simulator_state_path(settings)
    )


def create_app(
    settings: Settings | None = None,
    state: AppState | None = None,
    *,
    worker: WorkerMode = "none",
    demo_public_url: str | None = None,
) -> FastAPI:
    """The application.

    `worker`: "all" runs the operations worker inside this process (as `vpspanel serve` does);
    "none" runs none, so this process makes no provider writes (`serve --no-worker`, and tests
    that drive workers themselves): `vpspanel worker` processes run every operation.
    `demo_public_url` mounts the simulator under /_sim and seeds the sample data, reaching the
    simulator through that URL."""
    settings = settings or (state.settings if state else get_settings())
    configure_logging(json=settings.log_json, level=settings.log_level)
    app_state = state or AppState.from_settings(settings)
    demo_simulator = _demo_simulator(settings) if demo_public_url is not None else None
    lifespan = _lifespan(
        app_state,
        owns_state=state is None,
        worker=worker,
        demo_simulator=demo_simulator,
        demo_public_url=demo_public_url,
    )
    app = FastAPI(
        title="vpspanel",
        version="0.1.0",
        description="Deploy and manage virtual private servers.",
        lifespan=lifespan,
        responses={**ERROR_RESPONSES},
        dependencies=[Depends(require_json_body)],
        generate_unique_id_function=operation_id,
        docs_url=None,  # install_ui serves /docs and /redoc from local assets
        redoc_url=None,
    )
    app.state.vpspanel = app_state
    install_error_handlers(app)
    install_middleware(app, settings)
    install_routers(app)
    if demo_simulator is not None:
        from vpspanel.demo import SIMULATOR_MOUNT

        app.mount(SIMULATOR_MOUNT, demo_simulator[0])
    install_operations_routes(app, app_state)
    install_ui(app)
    return app


def _lifespan(
    app_state: AppState,
    *,
    owns_state: bool,
    worker: WorkerMode,
    demo_simulator: tuple[Starlette, SimulatorSnapshots] | None,
    demo_public_url: str | None,
) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
    """What runs beside the requests: the in-process worker, the demo's simulator saver and
    seeding; on shutdown they stop in reverse order, and the state closes if we built it."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            if owns_state:
                stack.push_async_callback(app_state.close)
            if demo_simulator is not None:
                _simulator_app, snapshots = demo_simulator
                await asyncio.to_thread(snapshots.load)
                stack.callback(snapshots.save)  # runs last: after the saver stopped
                saver = asyncio.create_task(snapshots.keep_saved())
                stack.callback(saver.cancel)
            if worker != "none":
                from vpspanel.worker.main import in_process_worker

                await stack.enter_async_context(in_process_worker(app_state))
            if demo_public_url is not None:
                from vpspanel.demo import seed_demo

                seeding = asyncio.create_task(seed_demo(app_state, demo_public_url))
                stack.callback(seeding.cancel)
            yield

    return lifespan


def install_middleware(app: FastAPI, settings: Settings) -> None:
    """Outermost last: security headers, the request log, the body size limit, the NUL guard."""
    install_input_guard(app)
    # Outside the NUL guard (which reads the body) and inside the request log.
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_body_bytes)
    install_request_context(app)
    install_security_headers(app, hsts=settings.cookie_secure)


def install_routers(app: FastAPI) -> None:
    """Routes are matched in order, one after another: the customer's server pages, which every
    open page polls, come first."""
    app.include_router(storefront_router)  # before instances: /api/vps/regions is not an id
    app.include_router(instances_router)
    app.include_router(auth_router)
    app.include_router(organizations_router)
    app.include_router(invitations_router)
    app.include_router(account_router)
    app.include_router(ssh_keys_router)
    app.include_router(api_tokens_router)
    app.include_router(admin_instances_router)
    app.include_router(admin_providers_router)
    app.include_router(admin_catalog_router)
    app.include_router(admin_customers_router)
    app.include_router(admin_orphans_router)


def install_operations_routes(app: FastAPI, app_state: AppState) -> None:
    """`/api/health` (the database answers) and `/metrics` (Prometheus)."""
    # A read: a health check must neither take nor wait for SQLite's write lock.
    database = read_only_engine(app_state.engine)

    @app.get("/api/health", tags=["operations"], summary="Database reachability")
    async def health() -> JSONResponse:
        try:
            async with database.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as exc:  # any database failure means "not healthy", never a crash
            log.warning("health_database_failed", error_type=type(exc).__name__)
            return JSONResponse({"status": "error", "database": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    @app.get("/metrics", tags=["operations"], include_in_schema=False)
    async def prometheus_metrics(request: Request) -> Response:
        # With VPSPANEL_METRICS_TOKEN set, a scrape must present it as a bearer token;
        # unset, the endpoint is open (keep it off the public network then).
        token = app_state.settings.metrics_token
        if token is not None and token.get_secret_value():
            # The scheme is case-insensitive (RFC 7235): "bearer <token>" is as good.
            scheme, _, presented = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                presented.encode(), token.get_secret_value().encode()
            ):
                return JSONResponse(
                    {
                        "error": "unauthenticated",
                        "detail": "A valid metrics token is required.",
                        "fields": [],
                    },
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
        try:
            async with app_state.read_sessionmaker() as session:
                metrics.set_instance_counts(await InstanceRepository(session).count_by_status())
        except Exception as exc:  # the other metrics are still worth a scrape
            log.warning("metrics_instance_count_failed", error_type=type(exc).__name__)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
