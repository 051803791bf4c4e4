"""Pool capabilities (``pools.<p>.serves``): routing, screening and the capacity check leave a
pool out of a case's candidates when it cannot serve the case's channel or payer, and a case
type that no pool may serve is refused with a message naming what stops each pool."""

from __future__ import annotations

import pytest

import sim
from sim.capacity.network import capacity_report
from sim.engine.plan import build_plan
from sim.scenario import ScenarioError

REMOTE = "pools.outsourced.serves={channels: [online_portal]}"


def _served_by_capable_pools(cases, serves: dict[str, set[str]]) -> None:  # noqa: ANN001
    for col in ("pool", "screen_pool"):
        seen = cases[cases[col].notna()]
        bad = seen[[ch not in serves[p] for p, ch in zip(seen[col], seen.channel, strict=True)]]
        assert bad.empty, f"{len(bad)} cases {col} cannot serve their channel:\n{bad.head()}"


def test_in_person_never_reviewed_by_a_remote_pool(make_scenario) -> None:  # noqa: ANN001
    """Outsourced serves only the portal: no in-person case is reviewed or screened there,
    though the in-house queue is busy enough for portal cases to overflow."""
    s = make_scenario(REMOTE, "demand.cases_per_year=30000")
    cases = sim.run(s, replications=1).cases
    _served_by_capable_pools(cases, {"in_house": {"online_portal", "in_person"},
                                     "outsourced": {"online_portal"}})
    portal = cases[cases.channel == "online_portal"]
    assert (portal.pool == "outsourced").sum() > 100  # the restriction is what keeps it out
    unrestricted = sim.run(make_scenario("demand.cases_per_year=30000"), replications=1).cases
    in_person = unrestricted[unrestricted.channel == "in_person"]
    assert (in_person.pool == "outsourced").sum() > 100


def test_shipped_pools_serve_their_channels() -> None:
    """sessions_and_contract: the outsourced company gives no in-person opinion, the network
    in Bangalore only written ones (finding 7 of issue 21: 17% of in-person opinions were
    given from Bangalore)."""
    s = sim.load_scenario("scenarios/sessions_and_contract.yaml",
                          ["simulation.horizon_days=60", "simulation.warmup_days=0"])
    cases = sim.run(s, replications=1).cases
    every = set(s.demand.mix.channel)
    _served_by_capable_pools(cases, {n: set(p.serves.channels or every)
                                     for n, p in s.pools.items()})
    assert (cases.pool == "abroad").sum() > 20


def test_payer_restriction(make_scenario) -> None:  # noqa: ANN001
    """A pool that does not serve a payer gets none of its cases, in the run or the check."""
    s = make_scenario("pools.outsourced.serves={payers: [medicare]}",
                      "payers.medicare={}", "demand.cases_per_year=30000")
    cases = sim.run(s, replications=1).cases
    assert set(cases.loc[cases.pool == "outsourced", "payer"]) == {"medicare"}


def test_capacity_check_sends_work_only_to_capable_pools(make_scenario) -> None:  # noqa: ANN001
    """With in-house first and outsourced serving in-person cases only, the outsourced queues
    receive no work at all: in-person cases go in house, their first choice."""
    base = make_scenario("routing.policy=outsourced_first")
    only = make_scenario("routing.policy=outsourced_first",
                         "pools.outsourced.serves={channels: [in_person]}")
    work = {k: capacity_report(build_plan(s)).set_index("resource").offered_h_per_week
            for k, s in (("base", base), ("only", only))}
    # the portal's 60% of the outsourced work moves in house, the in-person 40% stays
    out = work["only"]["outsourced/oncology"] / work["base"]["outsourced/oncology"]
    assert out == pytest.approx(0.4, rel=0.05)
    assert work["only"]["in_house/oncology"] > work["base"]["in_house/oncology"]


def test_case_type_no_pool_serves_is_refused(make_scenario) -> None:  # noqa: ANN001
    """Medicare covers only in house; in house gives no portal opinion: medicare portal cases
    have no pool, and the message says why, per pool."""
    with pytest.raises(ScenarioError) as err:
        make_scenario("pools.in_house.serves={channels: [in_person]}")
    text = str(err.value)
    assert ("oncology cases paid by medicare in channel 'online_portal' cannot reach an "
            "opinion: in_house staffs oncology but does not serve channel 'online_portal'; "
            "outsourced staffs oncology but medicare does not cover it") in text
    # commercial portal cases may go outsourced, except sarcoma, which only in house staffs
    assert "sarcoma cases paid by commercial in channel 'online_portal'" in text
    assert "oncology cases paid by commercial" not in text
    assert "in_person" not in text


def test_unknown_names_in_serves(make_scenario) -> None:  # noqa: ANN001
    with pytest.raises(ScenarioError, match=r"pools\.outsourced\.serves\.channels\.0: unknown "
                                            r"channel 'video' \(demand\.mix\.channel has "
                                            r"in_person, online_portal\)"):
        make_scenario("pools.outsourced.serves={channels: [video]}")
    with pytest.raises(ScenarioError, match="unknown payer 'medicaid'"):
        make_scenario("pools.outsourced.serves={payers: [medicaid]}")


def test_slots_for_a_channel_the_pool_does_not_serve(make_scenario) -> None:  # noqa: ANN001
    """A diary may not give slots to a pool that does not serve the diary's channel."""
    with pytest.raises(ScenarioError, match=r"appointments\.in_person\.slots_per_week\.outsourced"
                                            r": outsourced has in_person slots but does not "
                                            r"serve channel 'in_person'"):
        make_scenario(REMOTE, "appointments={in_person: {lead: {dist: fixed, value: 2, unit: "
                      "days}, slots_per_week: {in_house: 50, outsourced: 10}}}")
