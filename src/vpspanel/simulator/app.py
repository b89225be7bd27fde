"""The simulator as one ASGI app: Linode at `/linode/v4`, DigitalOcean at `/digitalocean/v2`,
the control API at `/_control`. Works mounted under any prefix (self-links use the request's
own base URL).

Request pipeline for the provider APIs, in order: count the request, add configured latency,
apply an injected fault (server_error / rate_limit answer at once; timeout waits and then
proceeds, unless the client hung up meanwhile; lost_response proceeds and replaces the
answer; late_write answers with a gateway page and carries the request out later), advance
lifecycles, route, authenticate, rate-limit, refuse writes for read-only tokens, run the
handler.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import replace
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from vpspanel.simulator import catalog, digitalocean, linode
from vpspanel.simulator.clock import Clock, ManualClock, SystemClock
from vpspanel.simulator.routing import ApiError, Call, Reply, Router
from vpspanel.simulator.settings import RateLimit, SimulatorSettings
from vpspanel.simulator.state import (
    PROVIDERS,
    Account,
    Fault,
    FaultKind,
    Instance,
    Provider,
    RateDecision,
    SimulatorState,
    account_name,
)

JSON = dict[str, Any]
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
GATEWAY_PAGE = (
    "<html>\r\n<head><title>{status} {title}</title></head>\r\n<body>\r\n"
    "<center><h1>{status} {title}</h1></center>\r\n</body>\r\n</html>\r\n"
)
_GATEWAY_TITLES = {
    502: "Bad Gateway",
    503: "Service Temporarily Unavailable",
    504: "Gateway Time-out",
}


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _json_response(reply: Reply) -> Response:
    if reply.body is None:
        return Response(status_code=reply.status, headers=reply.headers)
    return Response(
        json.dumps(reply.body, separators=(",", ":")),
        status_code=reply.status,
        headers=reply.headers,
        media_type="application/json",
    )


class ProviderGateway:
    """Runs the shared request pipeline for one simulated provider."""

    def __init__(self, state: SimulatorState, provider: Provider) -> None:
        self.state = state
        self.provider = provider
        self.router: Router = linode.router if provider == "linode" else digitalocean.router

    # provider-specific answers -------------------------------------------------------
    def _error(self, kind: str, status: int = 500) -> Reply:
        module: Any = linode if self.provider == "linode" else digitalocean
        if kind == "server_error":
            return module.server_error(status)  # type: ignore[no-any-return]
        return getattr(module, kind)()  # type: ignore[no-any-return]

    def _rate_limit(
        self, client_key: str, rate_class: str | None, now: float
    ) -> tuple[bool, dict[str, str]]:
        """Check and record one request. With limits disabled the headers are still sent
        (clients read them) but nothing is ever refused."""
        limits = self.state.settings.rate_limits
        limiter = self.state.limiter
        if self.provider == "linode":
            rule = limits.linode.get(rate_class or "general") or limits.linode["general"]
            key = ("linode", client_key, rate_class or "general")
            decision = limiter.check(key, rule, now, record=True)
            if not limits.enabled:
                decision = replace(decision, allowed=True, retry_after=0.0)
            return decision.allowed, linode.rate_limit_headers(decision)
        rules: dict[str, RateLimit] = {
            "hourly": limits.digitalocean["hourly"],
            "burst": limits.digitalocean["burst"],
        }
        if rate_class and rate_class in limits.digitalocean:
            rules[rate_class] = limits.digitalocean[rate_class]
        probes = {
            name: limiter.check(("digitalocean", client_key, name), rule, now, record=False)
            for name, rule in rules.items()
        }
        allowed = all(p.allowed for p in probes.values()) or not limits.enabled
        if allowed:
            probes = {
                name: limiter.check(("digitalocean", client_key, name), rule, now, record=True)
                for name, rule in rules.items()
            }
        refused_short = next(
            (p for name, p in probes.items() if name != "hourly" and not p.allowed), None
        )
        if not limits.enabled:
            refused_short = None
        return allowed, digitalocean.rate_limit_headers(probes["hourly"], refused_short)

    def _forced_rate_limit_headers(self, now: float) -> dict[str, str]:
        decision = RateDecision(
            allowed=False, limit=1, remaining=0, reset_at=now + 1, retry_after=1.0
        )
        if self.provider == "linode":
            return linode.rate_limit_headers(decision)
        return digitalocean.rate_limit_headers(decision, decision)

    # pipeline ------------------------------------------------------------------------
    async def handle(self, request: Request) -> Response:
        rest = "/" + request.path_params["rest"]
        method = request.method.upper()
        state = self.state
        state.count_request(self.provider, method, rest)
        if state.settings.latency_ms:
            await asyncio.sleep(state.settings.latency_ms / 1000)

        fault = state.take_fault(self.provider, method, rest)
        if fault is not None and fault.kind == "late_write":
            return await self._late_write(request, method, rest, fault)
        if fault is not None and fault.kind == "timeout":
            await asyncio.sleep(30.0 if fault.delay_seconds is None else fault.delay_seconds)
            fault = None
        if fault is not None and fault.kind == "server_error":
            return _json_response(self._error("server_error", fault.status or 500))
        if fault is not None and fault.kind == "rate_limit":
            reply = self._error("rate_limited")
            reply.headers.update(self._forced_rate_limit_headers(state.clock.now()))
            return _json_response(reply)

        reply = await self._dispatch(request, method, rest)
        if method == "HEAD":
            reply.body = None
        if fault is not None and fault.kind == "lost_response":
            status = fault.status or 502
            page = GATEWAY_PAGE.format(status=status, title=_GATEWAY_TITLES.get(status, "Error"))
            return Response(page, status_code=status, media_type="text/html")
        return _json_response(reply)

    async def _late_write(self, request: Request, method: str, rest: str, fault: Fault) -> Response:
        """The answer is lost (a gateway page, after `delay_seconds` when given, as when the
        client times out first) and the request is carried out `write_delay_seconds` after it
        arrived, as a cloud whose front end gave up while its back end kept going."""
        await request.body()  # read now: the write runs after this response has gone
        write_delay = fault.write_delay_seconds or 0.0

        async def write_later() -> None:
            await asyncio.sleep(write_delay)
            await self._dispatch(request, method, rest)

        task = asyncio.create_task(write_later())
        with self.state.lock:
            self.state.late_writes.add(task)
        task.add_done_callback(self.state.late_writes.discard)
        if fault.delay_seconds:
            await asyncio.sleep(fault.delay_seconds)
        status = fault.status or 504
        page = GATEWAY_PAGE.format(status=status, title=_GATEWAY_TITLES.get(status, "Error"))
        return Response(page, status_code=status, media_type="text/html")

    async def _dispatch(self, request: Request, method: str, rest: str) -> Reply:
        state = self.state
        state.tick()
        now = state.clock.now()
        # HEAD answers like GET without a body (the DigitalOcean docs suggest it for headers).
        matched = self.router.match("GET" if method == "HEAD" else method, rest)
        token = _bearer(request)
        account: Account | None = None
        if token is not None and token.startswith("invalid"):
            return self._error("unauthorized")  # a bad token is refused even where none is needed
        if token is not None:
            with state.lock:
                account = state.account(self.provider, token)
        public = isinstance(matched, tuple) and matched[0].public
        if account is None and not public:
            return self._error("unauthorized")
        if not isinstance(matched, tuple):
            return self._error("method_not_allowed" if matched else "not_found")
        route, params = matched
        client = request.client.host if request.client else "unknown"
        client_key = f"account:{account.uid}" if account is not None else f"ip:{client}"
        with state.lock:
            allowed, rate_headers = self._rate_limit(client_key, route.rate_class, now)
        scope_headers = linode.scope_headers(account) if self.provider == "linode" else {}
        extra_headers = {**rate_headers, **scope_headers}
        if not allowed:
            reply = self._error("rate_limited")
        elif account is not None and account.read_only and method in WRITE_METHODS:
            reply = self._error("forbidden_write")
        else:
            reply = await self._run(request, route.handler, params, account, now)
        reply.headers.update(extra_headers)
        return reply

    async def _run(
        self,
        request: Request,
        handler: Any,
        params: dict[str, str],
        account: Account | None,
        now: float,
    ) -> Reply:
        raw = await request.body()
        body: Any = None
        if raw.strip():
            try:
                body = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError):
                return self._error("bad_json")
        rest = "/" + request.path_params["rest"]
        path = request.url.path
        prefix = path[: len(path) - len(rest)] if path.endswith(rest) else path
        base_url = f"{request.url.scheme}://{request.url.netloc}{prefix.rstrip('/')}"
        call = Call(
            state=self.state,
            account=account or Account(provider=self.provider, token="", uid=0),
            params=params,
            query=request.query_params,
            headers=request.headers,
            body=body,
            base_url=base_url,
            now=now,
        )
        with self.state.lock:
            try:
                result: Reply = handler(call)
            except ApiError as error:
                result = error.reply
        return result


# --- control API ------------------------------------------------------------------------------


class FaultRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    provider: Provider
    kind: FaultKind
    method: str | None = None
    path: str | None = None
    status: int | None = Field(default=None, ge=400, le=599)
    times: int = Field(default=1, ge=1)
    delay_seconds: float | None = Field(default=None, ge=0)
    write_delay_seconds: float | None = Field(default=None, ge=0)


class InstancePatch(BaseModel):
    """Changes made "in the provider's console". Each is recorded in the account's activity
    feed (Linode events, DigitalOcean actions) as the provider would, unless `silent`."""

    model_config = ConfigDict(extra="forbid")

    status: str | None = None
    label: str | None = Field(default=None, min_length=1)
    plan: str | None = None
    ipv4: str | None = None
    # The instance's whole tag list, replaced (no feed entry: neither provider records one).
    tags: list[str] | None = None
    silent: bool = False


class ClockAdvance(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seconds: float = Field(ge=0)


def _problem(status: int, error: str, detail: str) -> JSONResponse:
    return JSONResponse({"error": error, "detail": detail}, status_code=status)


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    return json.loads(raw) if raw.strip() else {}


def _module(provider: Provider) -> Any:
    return linode if provider == "linode" else digitalocean


def _known_plan(provider: Provider, plan: str) -> bool:
    plans = catalog.LINODE_TYPES_BY_ID if provider == "linode" else catalog.DO_SIZES_BY_SLUG
    return plan in plans


def _render(instance: Any) -> JSON:
    if instance.provider == "linode":
        return linode.render_instance(instance)
    return digitalocean.render_droplet(instance)


class ControlApi:
    """The simulator's control routes (`/_control/...`): reset, settings, faults, request
    counts, the clock, and instances edited behind the API's back."""

    def __init__(self, state: SimulatorState) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        return [
            Route("/_control/reset", self.reset, methods=["POST"]),
            Route("/_control/config", self.get_config, methods=["GET"]),
            Route("/_control/config", self.patch_config, methods=["PATCH"]),
            Route("/_control/faults", self.add_fault, methods=["POST"]),
            Route("/_control/faults", self.list_faults, methods=["GET"]),
            Route("/_control/faults", self.clear_faults, methods=["DELETE"]),
            Route("/_control/faults/{id}", self.delete_fault, methods=["DELETE"]),
            Route("/_control/requests", self.get_requests, methods=["GET"]),
            Route("/_control/requests", self.clear_requests, methods=["DELETE"]),
            Route("/_control/clock", self.get_clock, methods=["GET"]),
            Route("/_control/clock/advance", self.advance_clock, methods=["POST"]),
            Route("/_control/{provider}/instances", self.list_instances, methods=["GET"]),
            Route(
                "/_control/{provider}/instances/{id:int}", self.patch_instance, methods=["PATCH"]
            ),
            Route(
                "/_control/{provider}/instances/{id:int}", self.delete_instance, methods=["DELETE"]
            ),
        ]

    async def reset(self, request: Request) -> Response:
        self.state.reset()
        return JSONResponse({"ok": True})

    async def get_config(self, request: Request) -> Response:
        return JSONResponse(self.state.settings.model_dump())

    async def patch_config(self, request: Request) -> Response:
        try:
            changes = await _json_body(request)
            if not isinstance(changes, dict):
                return _problem(422, "validation_error", "expected a JSON object")
            with self.state.lock:
                self.state.settings = self.state.settings.patched(changes)
        except json.JSONDecodeError:
            return _problem(400, "bad_request", "invalid JSON")
        except ValidationError as exc:
            return _problem(422, "validation_error", str(exc))
        return JSONResponse(self.state.settings.model_dump())

    async def add_fault(self, request: Request) -> Response:
        try:
            spec = FaultRequest.model_validate(await _json_body(request))
            fault = self.state.add_fault(
                spec.provider,
                spec.kind,
                spec.method,
                spec.path,
                spec.status,
                spec.times,
                spec.delay_seconds,
                spec.write_delay_seconds,
            )
        except json.JSONDecodeError:
            return _problem(400, "bad_request", "invalid JSON")
        except (ValidationError, ValueError, re.error) as exc:
            return _problem(422, "validation_error", str(exc))
        return JSONResponse({"id": fault.id, "fault": fault.describe()}, status_code=201)

    async def list_faults(self, request: Request) -> Response:
        with self.state.lock:
            faults: list[Fault] = list(self.state.faults)
        return JSONResponse({"faults": [f.describe() for f in faults]})

    async def clear_faults(self, request: Request) -> Response:
        with self.state.lock:
            self.state.faults.clear()
        return Response(status_code=204)

    async def delete_fault(self, request: Request) -> Response:
        with self.state.lock:
            self.state.faults[:] = [
                f for f in self.state.faults if f.id != request.path_params["id"]
            ]
        return Response(status_code=204)

    async def get_requests(self, request: Request) -> Response:
        q = request.query_params
        try:
            rows = self.state.request_counts(q.get("provider"), q.get("method"), q.get("path"))
        except re.error as exc:
            return _problem(422, "validation_error", f"path is not a valid regex: {exc}")
        return JSONResponse({"total": sum(r["count"] for r in rows), "requests": rows})

    async def clear_requests(self, request: Request) -> Response:
        with self.state.lock:
            self.state.requests.clear()
        return Response(status_code=204)

    async def list_instances(self, request: Request) -> Response:
        provider = _provider_of(request)
        if provider is None:
            return _problem(404, "not_found", "unknown provider")
        token = request.headers.get("x-simulator-token") or request.query_params.get("token")
        self.state.tick()
        with self.state.lock:
            if token is None:
                instances = self.state.all_instances(provider)
            else:
                account = self.state.accounts.get((provider, account_name(token)))
                instances = list(account.instances.values()) if account else []
            rendered = [_render(i) for i in sorted(instances, key=lambda i: i.id)]
        return JSONResponse({"instances": rendered})

    def _instance_in_path(self, request: Request) -> Instance | None:
        """The instance the path's `{provider}` and `{id}` name, or None (hold the lock)."""
        provider = _provider_of(request)
        if provider is None:
            return None
        return self.state.find_instance(provider, int(request.path_params["id"]))

    async def patch_instance(self, request: Request) -> Response:
        try:
            patch = InstancePatch.model_validate(await _json_body(request))
        except (ValidationError, json.JSONDecodeError) as exc:
            return _problem(422, "validation_error", str(exc))
        self.state.tick()
        with self.state.lock:
            instance = self._instance_in_path(request)
            if instance is None:
                return _problem(404, "not_found", "no such instance")
            if patch.plan is not None and not _known_plan(instance.provider, patch.plan):
                return _problem(422, "validation_error", f"plan: unknown plan {patch.plan!r}")
            changes: list[str] = []
            if patch.status is not None:
                pending = instance.transition
                instance.transition = None
                if pending is not None:  # finish what was in flight so nothing stays locked
                    for callback in pending.on_complete:
                        callback(self.state.clock.now())
                instance.status = patch.status
                power = _module(instance.provider).POWER_STATUSES.get(patch.status)
                changes += [power] if power else []
            if patch.label is not None and patch.label != instance.name:
                instance.name = patch.label
                changes.append("rename")
            if patch.plan is not None and patch.plan != instance.type:
                instance.type = patch.plan
                changes.append("resize")
            if patch.ipv4 is not None:
                instance.attrs["public_ipv4"] = patch.ipv4
                changes.append("ip_change")
            if patch.tags is not None:
                instance.tags = list(patch.tags)
            instance.updated = self.state.clock.now()
            account = self.state.accounts[(instance.provider, instance.token)]
            for change in [] if patch.silent else changes:
                _module(instance.provider).record_console_change(
                    self.state, account, instance, change
                )
            return JSONResponse({"instance": _render(instance)})

    async def delete_instance(self, request: Request) -> Response:
        with self.state.lock:
            instance = self._instance_in_path(request)
            if instance is None:
                return _problem(404, "not_found", "no such instance")
            account = self.state.accounts[(instance.provider, instance.token)]
            del account.instances[instance.id]
            if request.query_params.get("silent") != "true":
                _module(instance.provider).record_console_change(
                    self.state, account, instance, "delete"
                )
        return Response(status_code=204)

    async def get_clock(self, request: Request) -> Response:
        return JSONResponse(
            {"now": self.state.clock.now(), "manual": isinstance(self.state.clock, ManualClock)}
        )

    async def advance_clock(self, request: Request) -> Response:
        if not isinstance(self.state.clock, ManualClock):
            return _problem(409, "not_manual_clock", "the simulator runs on the real clock")
        try:
            spec = ClockAdvance.model_validate(await _json_body(request))
        except (ValidationError, json.JSONDecodeError) as exc:
            return _problem(422, "validation_error", str(exc))
        return JSONResponse({"now": self.state.clock.advance(spec.seconds)})


def _provider_of(request: Request) -> Provider | None:
    name = request.path_params["provider"]
    for provider in PROVIDERS:
        if provider == name:
            return provider
    return None


ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def create_simulator_app(
    settings: SimulatorSettings | None = None, clock: Clock | None = None
) -> Starlette:
    """Build the simulator. `app.state.simulator` is the live `SimulatorState`."""
    state = SimulatorState(settings or SimulatorSettings(), clock or SystemClock())
    linode_gateway = ProviderGateway(state, "linode")
    do_gateway = ProviderGateway(state, "digitalocean")
    app = Starlette(
        routes=[
            Route("/linode/v4/{rest:path}", linode_gateway.handle, methods=ALL_METHODS),
            Route("/digitalocean/v2/{rest:path}", do_gateway.handle, methods=ALL_METHODS),
            *ControlApi(state).routes(),
        ]
    )
    app.state.simulator = state
    return app
