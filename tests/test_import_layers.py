"""The packages under `src/vpspanel/` import each other in one direction only: no two of them
import each other, directly or around a circle.

Two exceptions, by design: `db/` (its `models.py` gathers every table so Alembic sees them),
and any package's `models` module, which is the shared table definitions a repository may join
or count on. KNOWN_CYCLES lists circles still to be untangled; a new one fails.
"""

from __future__ import annotations

import ast
from pathlib import Path

import vpspanel

SOURCE = Path(vpspanel.__file__).parent
EXEMPT_PACKAGES = frozenset({"db"})
# Each: the packages that reach each other, sorted. Empty since issue 11: keep it so.
KNOWN_CYCLES: frozenset[tuple[str, ...]] = frozenset()


def packages() -> list[str]:
    return sorted(
        path.name
        for path in SOURCE.iterdir()
        if (path / "__init__.py").exists() and path.name not in EXEMPT_PACKAGES
    )


def imported_modules(path: Path) -> list[str]:
    """Every module a file imports by absolute name (`from a.b import c` gives `a.b.c`, which
    may be a name in `a.b` rather than a module: only package and `models` matter here)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
    return names


def imported_packages(package: str, known: set[str]) -> set[str]:
    """The other packages `package` imports (their `models` modules excepted)."""
    found: set[str] = set()
    for path in (SOURCE / package).rglob("*.py"):
        for name in imported_modules(path):
            parts = name.split(".")
            if len(parts) < 3 or parts[0] != "vpspanel" or parts[1] not in known:
                continue
            if parts[1] != package and parts[2] != "models":
                found.add(parts[1])
    return found


def cycles(graph: dict[str, set[str]]) -> set[tuple[str, ...]]:
    """The strongly connected groups of more than one package (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: set[tuple[str, ...]] = set()

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.add(tuple(sorted(group)))

    for node in graph:
        if node not in index:
            visit(node)
    return groups


def import_graph() -> dict[str, set[str]]:
    known = set(packages())
    return {package: imported_packages(package, known) for package in known}


def test_no_two_packages_import_each_other() -> None:
    assert cycles(import_graph()) - KNOWN_CYCLES == set()


def test_known_cycles_are_still_there() -> None:
    """A circle untangled comes off the list, so the list never hides a new one."""
    assert KNOWN_CYCLES - cycles(import_graph()) == set()


def test_catalog_provider_accounts_and_storefront_go_one_way() -> None:
    graph = import_graph()
    assert "catalog" not in graph["provider_accounts"]
    assert "storefront" not in graph["catalog"] | graph["provider_accounts"]
    assert "instances" not in graph["catalog"] | graph["provider_accounts"] | graph["storefront"]


def test_auth_and_the_tasks_sit_below_their_users() -> None:
    """Every router uses `auth`'s dependencies, so `auth` imports no domain package (API tokens
    and sign-up settings are its own); the worker runs `instances`' tasks, so they never import
    the worker (they read its timings through a protocol)."""
    graph = import_graph()
    assert graph["auth"] <= {"security"}
    assert "worker" not in graph["instances"]


def test_a_cycle_is_found() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == {("a", "b", "c")}
