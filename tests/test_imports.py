"""Who may import whom: no import cycle between our modules, and the rooms' contracts.

A small AST walk over every module of ours counts every import, also those inside
functions (an import a function makes runs too, and a cycle hidden there is still
a cycle). Then the contracts: the queue core is pure; the shared package
``sothutu`` loads no framework and none of the programs; the device programs
import nothing of the server or of each other; a kiosk or display process never
loads Flask (checked in a real interpreter).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import ROOT

PACKAGES = ("sothutu", "counter_api", "kiosk", "display", "keypads", "hub")
DEVICES = ("kiosk", "display", "keypads", "hub")


def module_files() -> dict[str, Path]:
    """Every module of ours by dotted name: the packages (hub when it exists) and
    deploy's scripts."""
    out: dict[str, Path] = {}
    for package in PACKAGES:
        root = ROOT / package
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    for path in sorted((ROOT / "deploy").glob("*.py")):
        out[f"deploy.{path.stem}"] = path
    return out


def imported_names(name: str, path: Path) -> Iterator[str]:
    """Every module name an import anywhere in the file names (functions included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            for alias in node.names:  # `from pkg import module` names pkg.module
                yield f"{source}.{alias.name}"


def import_graph() -> dict[str, set[str]]:
    """Module → the modules of ours it imports: for each name, the longest module of
    ours it starts with (``pkg.module.attr`` → ``pkg.module``; a package's
    ``__init__`` is not counted when one of its modules is imported)."""
    files = module_files()
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        edges: set[str] = set()
        for target in imported_names(name, path):
            while target and target not in files:  # pkg.attr → pkg
                target = target.rpartition(".")[0]
            if target and target != name:
                edges.add(target)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def a_cycle(graph: dict[str, set[str]], component: frozenset[str]) -> list[str]:
    """One path around a cycle of the component, to name it in a failure."""
    start = min(component)
    path, seen = [start], {start}
    while True:
        nxt = min(w for w in graph[path[-1]] if w in component)
        if nxt in seen:
            return [*path[path.index(nxt) :], nxt]
        path.append(nxt)
        seen.add(nxt)


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


def test_the_walk_sees_imports_inside_functions(tmp_path: Path) -> None:
    """The walk itself: a cycle made only by an import in a function is found."""
    (tmp_path / "a.py").write_text("def f():\n    from pkg import b\n", encoding="utf-8")
    (tmp_path / "b.py").write_text("from . import a\n", encoding="utf-8")
    names = {"pkg.a": tmp_path / "a.py", "pkg.b": tmp_path / "b.py"}
    g = {n: {t for t in imported_names(n, p) if t in names and t != n} for n, p in names.items()}
    assert g == {"pkg.a": {"pkg.b"}, "pkg.b": {"pkg.a"}}
    assert cycles(g) == [frozenset(names)]


def test_no_import_cycle_between_our_modules(graph) -> None:
    assert "counter_api.web.endpoint" in graph and "sothutu.config" in graph
    found = cycles(graph)
    assert not found, "import cycles: " + "; ".join(" → ".join(a_cycle(graph, c)) for c in found)


def imports_of(graph: dict[str, set[str]], prefix: str) -> dict[str, set[str]]:
    """Every name (ours or not) each module under ``prefix`` imports, functions included."""
    files = module_files()
    return {
        name: set(imported_names(name, files[name]))
        for name in graph
        if name == prefix or name.startswith(prefix + ".")
    }


def root(name: str) -> str:
    return name.split(".")[0]


def test_the_queue_core_is_pure(graph) -> None:
    """No framework, database or screen; of ours only the core, sothutu.hours and
    sothutu.ratings (the five levels, shared with the province hub's reports)."""
    forbidden = {"flask", "werkzeug", "sqlite3", "sqlite_utils", "pygame", "waitress"}
    shared = {"sothutu.hours", "sothutu.ratings"}
    for module, names in imports_of(graph, "counter_api.core").items():
        assert not {root(n) for n in names} & forbidden, module
        for target in graph[module]:
            assert target.startswith("counter_api.core") or target in shared, (
                f"{module} imports {target}"
            )


def test_the_shared_package_imports_no_framework_and_no_program(graph) -> None:
    forbidden = {"flask", "werkzeug", "pygame", "waitress", "sqlite3", "sqlite_utils", "psycopg"}
    programs = {"counter_api", "kiosk", "display", "keypads", "hub", "deploy"}
    for module, names in imports_of(graph, "sothutu").items():
        bad = {(module, r) for r in {root(n) for n in names} & forbidden}
        assert not bad, sorted(bad)
        assert not {root(t) for t in graph[module]} & programs, (module, sorted(graph[module]))


@pytest.mark.parametrize("device", DEVICES)
def test_a_device_program_imports_no_server_and_no_other_device(graph, device: str) -> None:
    others = {"counter_api", *DEVICES} - {device}
    for module, edges in graph.items():
        if root(module) == device:
            assert not {root(t) for t in edges} & others, (module, sorted(edges))


def test_a_kiosk_or_display_process_never_loads_flask() -> None:
    """Every module of the kiosk, the display and the keypads, imported in a fresh
    interpreter (as their processes do), loads no Flask, Werkzeug or server code."""
    code = (
        "import importlib, pkgutil, sys\n"
        "for pkg in ('kiosk', 'display', 'keypads'):\n"
        "    mod = importlib.import_module(pkg)\n"
        "    for info in pkgutil.walk_packages(mod.__path__, pkg + '.'):\n"
        "        if not info.name.endswith('__main__'):\n"
        "            importlib.import_module(info.name)\n"
        "loaded = [m for m in ('kiosk.app', 'display.app', 'keypads.counter.app') "
        "if m in sys.modules]\n"
        "bad = sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('flask', 'werkzeug', 'waitress', 'counter_api'))\n"
        "print(len(loaded), bad)\n"
    )
    env = {"SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy", "PATH": "/usr/bin:/bin"}
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["3", "[]"], r.stdout
