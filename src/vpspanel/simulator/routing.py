"""A tiny method+path router so each simulated API controls its own 404/405 bodies."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import Headers, QueryParams

from vpspanel.simulator.state import Account, SimulatorState

JSON = dict[str, Any]


@dataclass
class Call:
    """One parsed request, as a handler sees it."""

    state: SimulatorState
    account: Account
    params: dict[str, str]
    query: QueryParams
    headers: Headers
    body: Any
    base_url: str
    """Absolute URL of this provider's API root, honouring any mount prefix."""
    now: float

    def int_param(self, name: str) -> int:
        return int(self.params[name])


@dataclass
class Reply:
    status: int
    body: Any = None
    """JSON-serialisable body; None means an empty body."""
    headers: dict[str, str] = field(default_factory=dict)


class ApiError(Exception):
    """Raised by handlers; carries the provider-shaped response."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.status)
        self.reply = reply


Handler = Callable[[Call], Reply]


@dataclass
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    public: bool
    rate_class: str | None


def _compile(template: str) -> re.Pattern[str]:
    def group(match: re.Match[str]) -> str:
        name, _, kind = match.group(1).partition(":")
        return f"(?P<{name}>[0-9]+)" if kind == "int" else f"(?P<{name}>[^/]+)"

    return re.compile("^" + re.sub(r"\{([^}]+)\}", group, template) + "/?$")


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(
        self, method: str, template: str, *, public: bool = False, rate_class: str | None = None
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.routes.append(Route(method, _compile(template), handler, public, rate_class))
            return handler

        return register

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | bool:
        """The route and its path parameters; False if no path matches, True if only the
        method is wrong."""
        path_matched = False
        for route in self.routes:
            found = route.pattern.match(path)
            if found is None:
                continue
            if route.method == method:
                return route, found.groupdict()
            path_matched = True
        return path_matched
