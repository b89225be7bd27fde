"""Operation ids the generated TypeScript client is named from.

`listInstances`, `getInstance`, `adminListPlans`: the route function's name (or the route's
`name=` where the function name alone would be ambiguous) in camelCase, with `admin` in front of
every route under /api/admin so the customer and admin halves never collide."""

from __future__ import annotations

from fastapi.routing import APIRoute

ADMIN_PREFIX = "/api/admin/"


def operation_id(route: APIRoute) -> str:
    """`list_plans` on /api/admin/plans -> `adminListPlans`; `get_me` -> `getMe`."""
    words = route.name.split("_")
    if route.path.startswith(ADMIN_PREFIX) and words[0] != "admin":
        words.insert(0, "admin")
    return words[0] + "".join(word[:1].upper() + word[1:] for word in words[1:])
