"""The stage table (sim.engine.stages) agrees with what the engine records and the tables show."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.engine.records import Records
from sim.engine.stages import ACTIVITIES, MILESTONES, SPANS, STAGES, TIMES


def test_every_recorded_time_belongs_to_exactly_one_stage() -> None:
    assert len(TIMES) == len(set(TIMES))
    assert set(vars(Records(1))) >= set(TIMES)


@pytest.mark.parametrize("policy", ["ai", "legacy", "hybrid"])
def test_stage_columns_exist_and_spans_add_up(make_scenario, policy: str) -> None:  # noqa: ANN001
    res = sim.run(make_scenario(f"triage.policy={policy}", "simulation.horizon_days=30"),
                  replications=1)
    cases = res.cases
    named = {c for c, _ in MILESTONES} | {c for _, c in SPANS}
    named |= {c for a in ACTIVITIES for c in (a.start, a.end)}
    named |= {a.resource for a in ACTIVITIES if not a.resource.startswith("=")}
    assert named <= set(cases.columns)
    assert set(cases["stage_at_end"].cat.categories) == {label for _, label in MILESTONES}
    k = res.kpis.iloc[0]
    spans = sum(k[f"stage_h.{name}"] for name, _ in SPANS)
    assert np.isclose(spans, k["time_to_opinion_h.mean"], rtol=1e-9)
    assert [s.name for s in STAGES][0] == "records intake"
