"""The package is layered: each layer imports only the layers below it, and nothing is circular.

Layers, bottom to top (``docs/architecture.md``)::

    sim._version, sim._exits  (the version; how a command stops on bad input)
    sim.scenario      the edge: schema, loader, messages
    sim.core          clock, calendars, random streams, distributions, queueing formulas
    sim.engine        plan, policies, specs, demand, draws, pools, triage, records, model
    sim.capacity      the capacity check (network, overflow, spill, reach, limits): above
                      the plan's data, beside the simulation, which never imports it
    sim.outputs       results, KPIs, economics, runner, report, figures, writing
    sim.market        market files, projections, volumes, demand from a market
    sim.experiment, sim.timeline, sim.rerun, sim.loading, sim.fit
    sim.cli, sim.__main__, sim (the package's lazy public API), sim.app (the web page)

Every ``import`` statement counts, wherever it is (module level, inside a
function, under ``TYPE_CHECKING``): a function-level import only hides a cycle
until the function runs. So do imports by name: a string that names a sim module
(``importlib.import_module("sim.fit.api")``, a command list) and the values of a lazy
``_LAZY`` map, relative to the package (``{"Task": "tasks"}`` in ``sim.experiment``).
The test parses every module with :mod:`ast` and names the offending module and line.

Inside the layer of studies (experiment, timeline, rerun, loading, fit) the units are
ordered too (:data:`STUDY_TIERS`): loading, then the fit and
the timeline, then experiments, then reruns (which reproduce all of them).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[1] / "sim"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("sim._version", "sim._exits"),
    ("sim.scenario",),
    ("sim.core",),
    ("sim.engine",),
    ("sim.capacity",),
    ("sim.outputs",),
    ("sim.market",),
    ("sim.experiment", "sim.timeline", "sim.rerun", "sim.loading", "sim.fit"),
    ("sim.cli", "sim.__main__", "sim", "sim.app"),
)


STUDY_TIERS: tuple[tuple[str, ...], ...] = (
    ("sim.loading",),
    ("sim.fit", "sim.timeline"),
    ("sim.experiment",),
    ("sim.rerun",),
)
"""The units of the studies layer, bottom to top: each imports only the tiers below it."""


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SIM.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(SIM.rglob("*.py"))}


def unit(module: str) -> str:
    """The layer unit a module belongs to: its subpackage (``sim.engine``) or own name."""
    for layer in LAYERS:
        for name in sorted(layer, key=len, reverse=True):
            if name == "sim":
                continue
            if module == name or module.startswith(name + "."):
                return name
    if module == "sim":
        return "sim"
    raise AssertionError(f"{module} is in no layer: add its subpackage to LAYERS in {__file__}")


def rank(module: str) -> int:
    u = unit(module)
    return next(k for k, layer in enumerate(LAYERS) if u in layer)


def _resolve(importer: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".")
    if MODULES[importer].name != "__init__.py":
        base = base[:-1]
    base = base[: len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _package(module: str) -> str:
    return module if MODULES[module].name == "__init__.py" else module.rsplit(".", 1)[0]


def _named(module: str, node: ast.AST) -> list[str]:
    """Modules imported by name: a string constant that is a sim module's full name
    (``importlib.import_module("sim.fit.api")``), and a ``_LAZY`` map's values, full or
    relative to the package."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) \
            and node.value in MODULES:
        return [node.value]
    if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict) and any(
            isinstance(t, ast.Name) and t.id == "_LAZY" for t in node.targets):
        out = []
        for v in node.value.values:
            if isinstance(v, ast.Constant) and isinstance(v.value, str):
                relative = f"{_package(module)}.{v.value}"
                out.append(relative if relative in MODULES else v.value)
        return out
    return []


def imports(module: str) -> list[tuple[str, int]]:
    """``(imported sim module, line)`` for every import statement of ``module``, and every
    module it imports by name (:func:`_named`)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"), filename=str(MODULES[module]))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, node)
            # ``from sim.outputs import figures`` imports the submodule sim.outputs.figures
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                       for a in node.names]
        elif named := _named(module, node):
            targets = named
        else:
            continue
        for target in dict.fromkeys(targets):
            if target == "sim" or target.startswith("sim."):
                while target not in MODULES:  # ``import sim.core.clock`` -> that module
                    target = target.rsplit(".", 1)[0]
                if target != module:
                    out.append((target, node.lineno))
    return out


GRAPH = {m: imports(m) for m in MODULES}


def where(module: str, line: int) -> str:
    return f"{MODULES[module].relative_to(SIM.parent)}:{line}"


def test_every_module_has_a_layer() -> None:
    for m in MODULES:
        rank(m)


def tier(module: str) -> int | None:
    """The tier of ``module``'s unit inside the studies layer (None outside it)."""
    return next((k for k, names in enumerate(STUDY_TIERS) if unit(module) in names), None)


def test_the_studies_layer_is_ordered() -> None:
    units = {u for names in STUDY_TIERS for u in names}
    layer = next(names for names in LAYERS if "sim.experiment" in names)
    assert units == set(layer), "STUDY_TIERS must order every unit of its layer"
    bad = [f"{where(m, line)}: {m} (tier {tier(m)}) imports {t} (tier {tier(t)}), which is "
           f"above it in the studies layer" for m, edges in GRAPH.items() for t, line in edges
           if tier(m) is not None and tier(t) is not None and tier(t) > tier(m)]
    assert not bad, "upward imports inside the studies layer:\n" + "\n".join(bad)


def test_imports_by_name_are_seen() -> None:
    """The command list, lazy maps and import_module strings are edges of the graph."""
    edges = {m: {t for t, _ in GRAPH[m]} for m in ("sim", "sim.cli", "sim.experiment",
                                                 "sim.fit")}
    assert {"sim.outputs.runner", "sim.loading"} <= edges["sim"]  # _LAZY, full names
    assert {"sim.market.cli", "sim.fit.cli", "sim.app.cli"} <= edges["sim.cli"]
    assert {"sim.experiment.tasks", "sim.experiment.study"} <= edges["sim.experiment"]
    assert "sim.fit.api" in edges["sim.fit"]  # importlib.import_module(where[name])


def test_no_upward_imports() -> None:
    bad = [f"{where(m, line)}: {m} (layer {rank(m)}, {unit(m)}) imports {t} "
           f"(layer {rank(t)}, {unit(t)}), which is above it"
           for m, edges in GRAPH.items() for t, line in edges if rank(t) > rank(m)]
    assert not bad, "upward imports:\n" + "\n".join(bad)


def _cycles(graph: dict[str, list[tuple[str, int]]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            for w, _ in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(graph[w])))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


def _describe(comp: list[str], graph: dict[str, list[tuple[str, int]]]) -> str:
    inside = set(comp)
    edges = [f"  {where(m, line)}: {m} imports {t}"
             for m in comp for t, line in graph[m] if t in inside]
    return "cycle between " + ", ".join(comp) + ":\n" + "\n".join(edges)


def test_no_cycles_between_modules() -> None:
    found = _cycles(GRAPH)
    assert not found, "\n".join(_describe(c, GRAPH) for c in found)


def test_no_cycles_between_subpackages() -> None:
    units: dict[str, list[tuple[str, int]]] = defaultdict(list)
    lines: dict[tuple[str, str], str] = {}
    for m, edges in GRAPH.items():
        units[unit(m)]
        for t, line in edges:
            if unit(t) != unit(m):
                units[unit(m)].append((unit(t), line))
                lines.setdefault((unit(m), unit(t)), f"{where(m, line)}: {m} imports {t}")
    found = _cycles(dict(units))
    assert not found, "\n".join(
        "cycle between " + ", ".join(c) + ":\n" + "\n".join(
            f"  {lines[(a, b)]}" for a in c for b in c if (a, b) in lines)
        for c in found)


@pytest.mark.parametrize("source, expected", [
    ("sim/engine/x.py", "sim.engine.x"), ("sim/engine/__init__.py", "sim.engine")])
def test_module_names(source: str, expected: str) -> None:
    assert module_name(SIM.parent / source) == expected


def test_the_checks_can_fail() -> None:
    graph = {"a": [("b", 3)], "b": [("c", 4)], "c": [("a", 5)], "d": [("a", 1)]}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert rank("sim.cli") > rank("sim.engine.model") > rank("sim.scenario.models")


SIMULATION = ("sim.engine.model", "sim.engine.pools", "sim.engine.triage", "sim.engine.launch",
              "sim.engine.draws", "sim.engine.contracts", "sim.engine.records")
"""The engine modules that run a replication (SimPy, queues, per-case draws and records)."""


def test_the_simulation_never_imports_the_capacity_check() -> None:
    bad = [f"{where(m, line)}: {m} imports {t}" for m, edges in GRAPH.items()
           if unit(m) == "sim.engine" for t, line in edges if unit(t) == "sim.capacity"]
    assert not bad, "the simulation imports the capacity check:\n" + "\n".join(bad)


def test_the_capacity_check_runs_no_simulation() -> None:
    """sim.capacity reads the plan's data types (plan, policies, specs, rosters' head-counts,
    the arrival rate), never the modules that run a replication."""
    bad = [f"{where(m, line)}: {m} imports {t}" for m, edges in GRAPH.items()
           if unit(m) == "sim.capacity" for t, line in edges if t in SIMULATION]
    assert not bad, "the capacity check imports the simulation:\n" + "\n".join(bad)


def test_moved_loaders_say_where_they_went() -> None:
    with pytest.raises(ImportError, match=r"moved to sim\.loading\.load_scenario"):
        from sim.scenario import load_scenario  # noqa: F401


def test_a_lazy_import_upward_would_be_caught() -> None:
    """An engine module importing the CLI by name, or by a relative lazy map, is an edge."""
    call = ast.parse('importlib.import_module("sim.cli")')
    found = [t for node in ast.walk(call) for t in _named("sim.engine.model", node)]
    lazy = ast.parse('_LAZY = {"run": "runner", "x": "sim.app.page"}').body[0]
    assert found == ["sim.cli"] and rank("sim.cli") > rank("sim.engine.model")
    assert _named("sim.outputs", lazy) == ["sim.outputs.runner", "sim.app.page"]
