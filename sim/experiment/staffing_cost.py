"""Full cost in the staffing search: what a plan costs, and what one unit of each lever costs.

With ``economics`` in the scenario, each replication the search simulates reports the
plan's full cost per opinion (``money.cost_per_opinion_usd``: per-case costs, salaried
hours idle or not, navigators, outsourced prices, unused contract commitments, SLA credits
taken off; :mod:`sim.outputs.full_cost`) and, per lever, ``unit_cost_usd``: what one unit
costs over the measured window whatever the cases do (a salaried specialist's contracted
hours at the loaded rate, a paid navigator's hours; 0 for a specialist paid per case or per
worked hour, a diary slot, a contract's cap, which costs nothing until cases are sent).
The search's down phase removes first the unit that saves most, and keeps a removal only
if the cost per opinion does not rise by more than :data:`COST_TOLERANCE` (a smaller cap
can raise it: cases committed and not sent), compared on the same replications, nor above
the scenario as given when the search started from it.

Example:
    >>> import sim
    >>> res = sim.run(sim.load_scenario("scenarios/baseline.yaml",
    ...     ["simulation.horizon_days=28", "simulation.warmup_days=0"]), replications=1)
    >>> cost, units = plan_costs(res)
    >>> cost > 0, units["in_house/oncology"] > 0
    (True, True)
"""

from __future__ import annotations

import math

COST = "cost_per_opinion_usd"
UNIT_COST = "unit_cost_usd"
COST_TOLERANCE = 0.001
"""A removal raising the mean full cost per opinion by more than this share is undone (a
smaller share is the noise of cases routed differently, not a cost)."""


def costs_more(trial: float, now: float, ceiling: float = math.inf) -> bool:
    """Whether ``trial`` cost per opinion is above ``now`` by more than the tolerance, or
    above ``ceiling`` (the scenario as given, when the search started from it: the plan
    never costs more than it); never without economics (NaN).

    >>> costs_more(527.0, 499.0), costs_more(499.3, 499.0), costs_more(float("nan"), 1.0)
    (True, False, False)
    >>> costs_more(499.3, 499.0, ceiling=499.2)
    True
    """
    return trial > min(now * (1 + COST_TOLERANCE), ceiling)


def plan_costs(res) -> tuple[float, dict[str, float]]:  # noqa: ANN001  (a Results)
    """(full cost per opinion, per queue or lever the cost of one unit) of a one-replication
    run; ``(nan, {})`` without ``economics``."""
    from sim.experiment.levers import TEAM
    from sim.outputs.full_cost import navigator_hours, staff_table

    plan = res.plan
    e = plan.scenario.economics
    if e is None:
        return math.nan, {}
    cost = float(res.kpis["money.cost_per_opinion_usd"].iloc[0])
    staff = staff_table(plan, res.replications[0])
    units = {row.queue: row.cost_usd / row.servers if row.servers else 0.0
             for row in staff.itertuples()}
    team = plan.records_team
    if team is not None:
        paid = e.coordinators_paid_for == "contracted_hours"
        units[TEAM] = navigator_hours(plan) / max(team.navigators, 1) * \
            team.wage_per_hour_usd if paid else 0.0
    return cost, units
