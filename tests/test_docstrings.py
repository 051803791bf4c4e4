"""Every runnable example in sim's docstrings runs and shows what it says.

Each module's examples run in a fresh temporary folder that holds the shipped ``scenarios/``
(a link), so that ``sim.load_scenario("scenarios/baseline.yaml")`` works and whatever an
example writes (``runs/...``, ``results/...``) is thrown away. The namespace
(:func:`doctest_namespace`) adds a few small objects the examples share, built once a session:

- ``scenario``: the shipped baseline cut to a 14-day horizon (about 460 cases);
- ``results``: two replications of it (``sim.run(scenario, replications=2)``);
- ``market``, ``p`` and ``p003``: the shipped market file ``doc000_2026`` and the
  projections of it and of ``doc003_2025`` (:mod:`sim.market`);
- ``tmp``: the example's temporary folder (a :class:`~pathlib.Path`);
- for :mod:`sim.fit` only: ``events.parquet`` in that folder (replication 0 of ``results``'s
  event log), ``log`` (it, read by :func:`~sim.fit.read.read_log`) and ``fitted``
  (:func:`~sim.fit.build.fit_scenario` of it).

A ``# doctest: +SKIP`` stays only where running is impossible or unreasonable here (a Dask
cluster, a long study), and then says why in a comment beside it (checked below).
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

import sim

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted(m.name for m in pkgutil.walk_packages(sim.__path__, "sim.")
                 if not m.name.endswith("__main__"))
SMALL = ["simulation.horizon_days=14", "simulation.warmup_days=0"]


@cache
def _shared() -> dict[str, Any]:
    from sim.market import load_market, project

    scenario = sim.load_scenario(ROOT / "scenarios" / "baseline.yaml", SMALL)
    market = load_market(ROOT / "scenarios" / "market" / "doc000_2026.yaml")
    return {"scenario": scenario, "results": sim.run(scenario, replications=2),
            "market": market, "p": project(market),
            "p003": project(ROOT / "scenarios" / "market" / "doc003_2025.yaml")}


def _events(results: Any) -> Any:
    """Replication 0's event log: one platform's log, as ``sosim fit`` reads it."""
    ev = results.events
    return ev[ev["case_id"].astype(str).str.startswith("r0-").to_numpy()]


@cache
def _fit_shared(folder: Path) -> dict[str, Any]:
    from sim.fit.build import fit_scenario
    from sim.fit.read import read_log

    _events(_shared()["results"]).to_parquet(folder / "events.parquet")
    log = read_log(folder / "events.parquet")
    return {"log": log, "fitted": fit_scenario(log)}


@pytest.fixture
def doctest_namespace(request: pytest.FixtureRequest, tmp_path: Path,
                      tmp_path_factory: pytest.TempPathFactory,
                      monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The examples' globals, in a fresh folder holding the shipped ``scenarios/``."""
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    namespace = {"sim": sim, "Path": Path, "tmp": tmp_path, **_shared()}
    if request.node.callspec.params.get("name", "").startswith("sim.fit"):
        _events(namespace["results"]).to_parquet(tmp_path / "events.parquet")
        namespace.update(_fit_shared(tmp_path_factory.getbasetemp()))
    return namespace


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str, doctest_namespace: dict[str, Any]) -> None:
    import matplotlib.pyplot as plt

    module = importlib.import_module(name)
    try:
        result = doctest.testmod(module, extraglobs=doctest_namespace,
                                 optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    finally:
        plt.close("all")
    assert result.failed == 0


SKIP = re.compile(r"#\s*doctest:.*\+SKIP")
REASON = re.compile(r"#(?!\s*doctest:)\s*\S.*#\s*doctest:")


def test_every_skipped_example_says_why() -> None:
    """A skipped example line carries a comment before its directive saying why it cannot run."""
    silent = [f"{p.relative_to(ROOT)}:{k}" for p in sorted((ROOT / "sim").rglob("*.py"))
              for k, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
              if SKIP.search(line) and not REASON.search(line)]
    assert silent == []
