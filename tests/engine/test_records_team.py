"""The records team (sim.engine.records_team) on hand-computed timelines, and its settings.

One navigator on Mon-Fri 08:00-17:00, fixed efforts and waits: every timestamp can be
computed by walking the clock (``_business_end`` of tests/engine/test_access.py).
"""

from __future__ import annotations

import numpy as np
import pytest
import yaml

import sim
from sim.core.calendar import WorkCalendar
from sim.engine.records_team import simulate_team
from sim.loading import scenario_from_text
from sim.scenario import ScenarioError
from tests.engine.test_access import _business_end

BUSINESS = WorkCalendar.weekly(sim.load_scenario("scenarios/baseline.yaml").simulation.start,
                               range(5), [(8.0, 17.0)])

DOC = """
name: team
simulation: {start: 2026-01-05, horizon_days: 60, seed: 4}
calendars:
  business: {days: [mon, tue, wed, thu, fri], hours: ["08:00", "17:00"]}
demand:
  cases_per_year: 600
  mix:
    specialty: {oncology: 1.0}
    channel: {online: 0.5, referral: 0.5}
    payer: {p: 1.0}
    priority: {urgent: 0.3, routine: 0.7}
intake:
  digital: {dist: fixed, value: 4, unit: hours}
  paper: {dist: fixed, value: 2, unit: business_days}
  digital_share: {online: 1.0, referral: 0.0}
  team:
    navigators: 1
    calendar: business
    handling:
      paper: {dist: fixed, value: 1.5, unit: hours}
      rerequest: {dist: fixed, value: 0.5, unit: hours}
incomplete_records:
  share: {referral: 0.5}
  request: {dist: fixed, value: 1, unit: business_days}
triage: {policy: direct}
payers: {p: {}}
pools:
  x: {kind: outsourced, calendar: 24x7, specialists: {oncology: 50},
      review: {dist: fixed, value: 1, unit: hours}}
outcomes: {default: {confirmed: 0.2, refined: 0.6, changed: 0.2}}
"""


def _scenario(doc: str = DOC, **patch: object) -> sim.Scenario:
    d = yaml.safe_load(doc)
    for key, value in patch.items():
        d["intake"]["team"][key] = value
    return scenario_from_text(yaml.safe_dump(d, sort_keys=False))


def test_timelines_by_hand() -> None:
    """Digital records skip the team; paper ones wait for the navigator (urgent first, then
    first come, first served), get 1.5 working hours, then 2 business days; incomplete ones
    are asked again when the first batch is in (0.5 h), then wait 1 business day."""
    res = sim.run(_scenario(), replications=1)
    c = res.cases
    digital = c[(c["records"] == "digital") & c["intake_end_h"].notna()]
    assert c.loc[c["records"] == "digital", "records_seize_h"].isna().all()
    assert np.allclose(digital["intake_end_h"], digital["arrival_h"] + 4)
    paper = c[(c["records"] == "paper") & c["intake_end_h"].notna()]
    assert len(paper) > 30
    for row in paper.itertuples():
        done = _business_end(row.records_seize_h, 1.5)
        assert row.records_end_h == pytest.approx(done)
        first = _business_end(done, 2 * 9)
        assert row.first_records_h == pytest.approx(first)
        if row.records_incomplete:
            assert row.rerequest_end_h == pytest.approx(_business_end(row.rerequest_seize_h, 0.5))
            assert row.intake_end_h == pytest.approx(_business_end(row.rerequest_end_h, 9))
        else:
            assert row.intake_end_h == pytest.approx(first)
    # one navigator: the requests never overlap, and none is picked up before it is asked
    log = res.replications[0].records_team
    spans = sorted((a, b) for a, b in zip(np.concatenate([log.seize_h[0], log.seize_h[1]]),
                                          np.concatenate([log.end_h[0], log.end_h[1]]),
                                          strict=True) if not np.isnan(a))
    assert all(b0 <= a1 + 1e-9 for (_, b0), (a1, _) in zip(spans, spans[1:], strict=False))


def test_urgent_first_then_first_come_first_served() -> None:
    """Four requests from 07:00 Monday for one navigator (opens 08:00, 1 h each): case 0
    finds the navigator free and is taken at once (worked from 08:00); then the urgent one
    (case 2), then the routine ones in arrival order."""
    arrival = np.array([7.0, 7.1, 7.2, 7.3])
    log = simulate_team(arrival, np.array([1, 1, 0, 1]), np.array([[1.0] * 4, [0.0] * 4]),
                        np.zeros(4), np.zeros(4, dtype=bool), (None, None), np.zeros(4), None,
                        np.full(4, np.inf), 1, BUSINESS, 1000.0)
    assert log.seize_h[0].tolist() == [7.0, 10.0, 9.0, 11.0]
    assert log.start_h[0].tolist() == [8.0, 10.0, 9.0, 11.0]
    assert log.complete_h.tolist() == [9.0, 11.0, 10.0, 12.0]


def test_a_patient_who_gives_up_frees_the_queue() -> None:
    """Case 1 would be taken at 09:00 but gives up at 08:30: case 2 takes its turn."""
    log = simulate_team(np.array([7.0, 7.1, 7.2]), np.array([1, 1, 1]),
                        np.array([[1.0] * 3, [0.0] * 3]), np.zeros(3), np.zeros(3, dtype=bool),
                        (None, None), np.zeros(3), None, np.array([np.inf, 8.5, np.inf]), 1,
                        BUSINESS, 1000.0)
    assert np.isnan(log.seize_h[0, 1]) and np.isinf(log.complete_h[1])
    assert log.seize_h[0, 2] == 9.0


def test_nothing_after_the_horizon() -> None:
    log = simulate_team(np.array([7.0, 7.1]), np.array([1, 1]), np.array([[5.0] * 2, [0.0] * 2]),
                        np.zeros(2), np.zeros(2, dtype=bool), (None, None), np.zeros(2), None,
                        np.full(2, np.inf), 1, BUSINESS, 12.0)
    assert log.start_h[0, 0] == 8.0 and np.isnan(log.seize_h[0, 1])
    assert log.end_state == (1, 1)  # one waiting, the navigator busy at the horizon


def test_the_team_moves_no_other_draw() -> None:
    """The navigators' effort has its own stream: with or without a team every other draw
    is the same (common random numbers)."""
    from sim.core.streams import Streams
    from sim.engine.demand import generate_cases
    from sim.engine.draws import draw
    from sim.engine.plan import build_plan

    d = yaml.safe_load(DOC)
    del d["intake"]["team"]
    out = []
    for s in (_scenario(), scenario_from_text(yaml.safe_dump(d, sort_keys=False))):
        plan = build_plan(s)
        st = Streams(4, 0)
        cases = generate_cases(plan, st.rng("arrivals"), st.rng("attributes"))
        out.append(draw(plan, cases, st))
    team, delays = out
    for name in ("digital", "ai_h", "correct", "review_h", "outcome", "auth_h"):
        assert np.array_equal(getattr(team, name), getattr(delays, name)), name
    assert np.array_equal(team.access.incomplete, delays.access.incomplete)
    assert team.team_effort_h is not None and delays.team_effort_h is None


@pytest.mark.parametrize(("patch", "message"), [
    ({"handling": {"paper": {"dist": "fixed", "value": 1, "unit": "business_days"}}},
     "hands-on working time"),
    ({"calendar": "nights"}, "calendar 'nights' is not defined"),
    ({"navigators": 0}, "greater than or equal to 1"),
])
def test_bad_team_settings_are_refused(patch: dict, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        _scenario(**patch)


def test_without_incomplete_records_nobody_is_asked_again() -> None:
    """``handling.rerequest`` without ``incomplete_records`` (``--set incomplete_records=null``
    on a file with a team) asks nobody a second time."""
    d = yaml.safe_load(DOC)
    del d["incomplete_records"]
    res = sim.run(scenario_from_text(yaml.safe_dump(d, sort_keys=False)), replications=1)
    assert res.cases["rerequest_seize_h"].isna().all()
    assert res.cases["records_seize_h"].notna().sum() > 30
