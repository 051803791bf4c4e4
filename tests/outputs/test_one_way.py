"""Results flow one way: the engine censors its records where the run ends and counts its
cases; the outputs read them and write nothing back; the run invariants are a step of
their own, before the KPIs."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import sim
from sim.engine.model import simulate
from sim.engine.plan import build_plan
from sim.engine.stages import TIMES
from sim.outputs import kpis as kpi_module
from sim.outputs.results import Results

SHORT = ["simulation.horizon_days=21", "simulation.warmup_days=0"]


def _arrays(rep) -> dict[str, np.ndarray]:  # noqa: ANN001
    out = {f"records.{k}": v.copy() for k, v in vars(rep.records).items()
           if isinstance(v, np.ndarray)}
    out.update({f"draws.{f.name}": getattr(rep.draws, f.name).copy()
                for f in dataclasses.fields(rep.draws)
                if isinstance(getattr(rep.draws, f.name), np.ndarray)})
    return out


@pytest.mark.parametrize("name", ["baseline", "sessions_and_contract"])
def test_the_engine_censors_at_the_horizon_and_the_outputs_write_nothing_back(name: str) -> None:
    plan = build_plan(sim.load_scenario(f"scenarios/{name}.yaml", SHORT))
    rep = simulate(plan, 3)
    for t in (*TIMES, "appointment_start_h"):  # censored once, where the run ended
        x = getattr(rep.records, t)
        assert not (x >= plan.horizon_h).any(), t
    assert not (rep.draws.intake_end_h >= plan.horizon_h).any()
    before = _arrays(rep)
    res = Results(plan, [rep], 3)
    _ = res.cases, res.events, res.kpis
    after = _arrays(rep)
    for key, values in before.items():
        np.testing.assert_array_equal(after[key], values, err_msg=key)


def test_kpis_measure_only_and_the_runner_checks_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """replication_kpis does not check; the runner's check step runs once, before KPIs."""
    calls: list[str] = []
    import sim.outputs.results as results_module

    check = results_module.check_run
    monkeypatch.setattr(results_module, "check_run",
                        lambda *a: (calls.append("check"), check(*a))[1])
    measure = kpi_module.replication_kpis
    monkeypatch.setattr(kpi_module, "replication_kpis",
                        lambda *a: (calls.append("kpis"), measure(*a))[1])
    res = sim.run(sim.load_scenario("scenarios/baseline.yaml", SHORT), seed=2, replications=2)
    assert calls == ["check", "check"]  # the runner's step, before anything is measured
    _ = res.kpis
    assert calls == ["check", "check", "kpis", "kpis"]  # not checked again, not inside KPIs
    assert res.kpis.loc[0, "in_system_end"] == res.replications[0].counts.in_system
