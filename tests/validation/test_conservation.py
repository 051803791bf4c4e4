"""Conservation: every case that arrives is either delivered or still in the system.

Checked on a stable M/M/c, an overloaded pool (rho = 1.3: the run must still
end at its horizon, with the backlog reported, not dropped) and two rich
scenarios (business calendars, intake, legacy or hybrid triage with misroutes,
pre-authorisation, two pools with overflow routing, priorities, subspecialties).
For every replication: the KPI counts add up, the engine's own journey counters
agree with the case table, each arrival appears exactly once, the status
matches the timestamps, and each case's milestones are in order.

Power: the counts, the status and the milestones are checked exactly (one case lost,
double-counted or out of order fails). The one statistical check, the overloaded pool's
delivered cases and backlog at the horizon, accepts 4 Poisson standard deviations: 7.5%
of the delivered count and 38% of the backlog (it guards against a dropped backlog, not
small errors; the overloaded queue has no steady state to hold to 2%).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.capacity.network import capacity_report

from .conftest import run_results, single_pool
from .conftest import scenario as scenario_of

RICH = """
name: rich
simulation: {start: 2026-01-05, horizon_days: 120, warmup_days: 14, seed: 3}
calendars:
  business: {days: [mon, tue, wed, thu, fri], hours: ["08:00", "17:00"], holidays: [2026-01-19, 2026-02-16]}
  split: {days: [mon, tue, wed, thu, fri, sat], hours: ["07:00-12:00", "13:00-19:00"]}
demand:
  cases_per_year: 9000
  profile:
    weekday: [1.2, 1.1, 1.0, 1.0, 0.9, 0.4, 0.3]
    hour_of_day: [0.2, 0.2, 0.2, 0.2, 0.2, 0.3, 0.5, 1, 2, 2, 2, 2, 1.5, 2, 2, 2, 1.5, 1, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2]
  mix:
    specialty: {oncology: 0.5, cardiology: 0.3, neurology: 0.2}
    subspecialty: {oncology: {sarcoma: 0.2}, neurology: {movement: 0.3}}
    channel: {online: 0.6, referral: 0.4}
    payer: {insurer: 0.7, self: 0.3}
    priority: {urgent: 0.2, routine: 0.8}
intake:
  digital: {dist: exponential, mean: 4, unit: hours}
  paper: {dist: uniform, low: 1, high: 4, unit: business_days}
  digital_share: {online: 0.9, referral: 0.4}
triage:
  policy: TRIAGE_POLICY
  ai: {servers: 2, calendar: 24x7, accuracy: 0.85, service: {dist: exponential, mean: 3, unit: minutes}}
  legacy: {coordinators: 2, handling: {dist: triangular, low: 10, mode: 20, high: 60, unit: minutes}, referral_cycle: {dist: uniform, low: 3, high: 8, unit: business_days}, accuracy: 0.8}
  hybrid: {coordinators: 1, handling: {dist: fixed, value: 15, unit: minutes}, check: {fraction: 0.1}}
  misroute: {detection: {dist: fixed, value: 20, unit: minutes}, reroute_delay: {dist: fixed, value: 1, unit: business_days}}
payers:
  insurer: {preauth: {delay: {dist: uniform, low: 1, high: 3, unit: business_days}, share: 0.6}}
  self: {}
pools:
  in_house:
    kind: in_house
    calendar: business
    specialists: {oncology: 3, cardiology: 2, neurology: 1}
    subspecialists: {oncology: {sarcoma: 1}, neurology: {movement: 1}}
    review: {dist: lognormal, mean: 2.5, sd: 1.5, unit: hours}
  outsourced:
    kind: outsourced
    calendar: split
    specialists: {oncology: 2, cardiology: 2, neurology: 1}
    subspecialists: {oncology: {sarcoma: 1}}
    review: {dist: gamma, mean: 2.0, sd: 1.0, unit: hours}
    review_by_specialty: {cardiology: {dist: empirical, values: [1, 2, 3], weights: [1, 2, 1], unit: hours}}
routing: {policy: overflow, overflow_wait_hours: 24}
outcomes: {default: {confirmed: 0.3, refined: 0.5, changed: 0.2}}
"""  # noqa: E501  (one section per line, as users write it)

C_OVER, LAM_OVER, DAYS_OVER = 2, 2.6, 60  # rho = 1.3
SCENARIOS = {
    "mmc": (single_pool(lam=4.0, servers=5, horizon_days=60, warmup_days=5), 11),
    "overloaded": (single_pool(lam=LAM_OVER, servers=C_OVER, horizon_days=DAYS_OVER,
                               warmup_days=5), 12),
    "rich-hybrid": (RICH.replace("TRIAGE_POLICY", "hybrid"), 13),
    "rich-legacy": (RICH.replace("TRIAGE_POLICY", "legacy"), 14),
}
REPS = 3

ORDER = ["arrival_h", "intake_end_h", "triage_seize_h", "triage_start_h", "triage_end_h",
         "check_seize_h", "check_start_h", "check_end_h", "referral_end_h", "first_match_h",
         "auth_end_h", "screen_queue_h", "screen_seize_h", "screen_start_h", "screen_end_h",
         "reroute_end_h", "queue_h", "seize_h", "review_start_h", "review_end_h"]


@pytest.fixture(params=list(SCENARIOS), scope="module")
def res(request):  # noqa: ANN001, ANN201
    doc, seed = SCENARIOS[request.param]
    return run_results(doc, seed, REPS)


def test_kpi_counts_add_up(res) -> None:  # noqa: ANN001
    """Arrivals (demand) = delivered (timestamps) + in the system (the engine's own counts)."""
    k = res.kpis
    assert len(k) == REPS
    assert (k["arrivals"] == k["delivered"] + k["in_system_end"]).all()
    assert (k["arrivals"] > 0).all() and (k["delivered"] > 0).all()
    for rep in res.replications:
        assert k.loc[rep.index, "arrivals"] == len(rep.cases)
        # journeys the engine saw end, against opinions with a timestamp
        assert k.loc[rep.index, "delivered"] == rep.counts.finished
        assert 0 <= rep.counts.pending <= k.loc[rep.index, "in_system_end"]


def test_every_arrival_once_in_case_table(res) -> None:  # noqa: ANN001
    cases = res.cases
    assert not cases.duplicated(["replication", "case"]).any()
    for rep in res.replications:
        part = cases[cases["replication"] == rep.index]
        assert len(part) == len(rep.cases)
        assert (part["case"].to_numpy() == np.arange(len(rep.cases))).all()
        np.testing.assert_array_equal(part["arrival_h"].to_numpy(), rep.cases.arrival_h)
        assert (np.diff(rep.cases.arrival_h) >= 0).all()
        assert (rep.cases.arrival_h < res.plan.horizon_h).all()


def test_status_matches_timestamps(res) -> None:  # noqa: ANN001
    c = res.cases
    delivered = c["status"] == "delivered"
    assert c["status"].notna().all()
    assert (delivered == c["review_end_h"].notna()).all()
    assert (c.loc[delivered, "review_end_h"] < res.plan.horizon_h).all()
    assert (c.loc[delivered, "stage_at_end"] == "delivered").all()
    assert (c.loc[~delivered, "stage_at_end"] != "delivered").all()
    assert c.loc[delivered, "outcome"].notna().all() and c.loc[~delivered, "outcome"].isna().all()
    counts = c.groupby("replication", observed=True)["status"].value_counts().unstack()
    k = res.kpis
    assert (counts["delivered"] == k["delivered"]).all()
    assert (counts["in_system"] == k["in_system_end"]).all()


def test_milestones_in_order(res) -> None:  # noqa: ANN001
    c = res.cases
    t = c[ORDER].to_numpy()
    # forward-fill across unreached stages, then every step must be >= 0
    filled = pd.DataFrame(t).ffill(axis=1).to_numpy()
    assert (np.diff(filled, axis=1) >= -1e-9).all()
    done = c["status"] == "delivered"
    assert (c.loc[done, "time_to_opinion_h"] >= 0).all()
    # a review takes at least its drawn working hours of clock time (calendars only add)
    review = (c["review_end_h"] - c["review_start_h"])[done]
    assert (review >= c.loc[done, "review_effort_h"] - 1e-9).all()


def test_event_log_one_arrival_and_at_most_one_opinion_per_case(res) -> None:  # noqa: ANN001
    ev = res.events
    arrived = ev[ev["activity"] == "case arrived"]["case_id"]
    assert arrived.is_unique and len(arrived) == len(res.cases)
    opinions = ev[ev["activity"] == "opinion delivered"]["case_id"]
    assert opinions.is_unique
    assert len(opinions) == int((res.cases["status"] == "delivered").sum())


def test_overloaded_run_keeps_its_backlog() -> None:
    doc, seed = SCENARIOS["overloaded"]
    res = run_results(doc, seed, REPS)
    plan = res.plan
    report = capacity_report(plan)
    assert (report["status"] == "OVERLOADED").any()
    assert report["utilisation"].max() == pytest.approx(1.3)
    horizon = plan.horizon_h
    k = res.kpis
    # The specialists work flat out from the first hours, so over the horizon T
    # delivered ~ Poisson-like(c mu T) and the backlog ~ (lam - c mu) T, with Poisson
    # standard deviations: each within 4 of them.
    served, backlog = C_OVER * horizon, (LAM_OVER - C_OVER) * horizon
    assert (np.abs(k["delivered"] - served) < 4 * np.sqrt(served)).all(), k["delivered"]
    assert (np.abs(k["in_system_end"] - backlog) < 4 * np.sqrt(LAM_OVER * horizon + served)
            ).all(), k["in_system_end"]
    assert (k["in_system_end"] > 500).all()
    assert (k["utilisation.p"] > 0.999).all()
    c = res.cases
    stuck = c[c["status"] == "in_system"]
    assert set(stuck["stage_at_end"].unique()) <= {"specialist queue", "specialist review"}
    assert (stuck["stage_at_end"] == "specialist review").groupby(
        stuck["replication"]).sum().eq(C_OVER).all()  # both specialists busy at the end


@pytest.mark.parametrize("name", ["rich-hybrid", "rich-legacy"])
def test_rich_scenarios_exercise_every_path(name: str) -> None:
    """The rich scenarios really do misroute, overflow, pre-authorise and use paper."""
    doc, seed = SCENARIOS[name]
    res = run_results(doc, seed, REPS)
    c = res.cases
    assert c["misrouted"].any() and c["screen_queue_h"].notna().any()
    assert (c["pool_kind"] == "outsourced").any() and (c["pool_kind"] == "in_house").any()
    assert (c["auth_end_h"] > c["first_match_h"]).any()
    assert (c["records"] == "paper").any() and (c["priority"] == "urgent").any()
    assert c["service_line"].nunique() == 5


def test_replication_without_arrivals_still_counts() -> None:
    """A very low-volume scenario: some replications have no case at all.

    Regression test: ``Results.kpis`` used to pair replications with
    ``cases.groupby("replication")`` by position, so an empty replication shifted
    every later one onto the wrong case table (a spurious ConservationError here).
    """
    import sim

    doc = single_pool(lam=5 / 8760, servers=1, horizon_days=30, warmup_days=0)
    res = sim.run(scenario_of(doc), seed=3, replications=3)
    assert [len(r.cases) for r in res.replications] == [0, 0, 3]
    k = res.kpis
    assert k["arrivals"].tolist() == [0, 0, 3]
    assert (k["arrivals"] == k["delivered"] + k["in_system_end"]).all()
