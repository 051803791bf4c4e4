"""The reserve fitted before the routing, as the router sees it (sim.fit.held_back).

legacy_referral's own log (the part the round trip fits: tests/fit/test_own_round_trip.py)
sends a routine neurology case out on a Friday afternoon with one of the two in-house
neurologists free but held for urgent cases. Its reserve (1, yielding at 4 routine cases
waiting) is read, and the routing's rebuilt in-house wait with it puts that case above every
case kept in house, so the overflow rule is fitted; without the reserve the case's wait is
rebuilt as the calendar's next opening, below cases kept in.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.fit.build import fit_scenario
from sim.fit.gate import holdout_split, truncate
from sim.fit.held_back import held_back
from sim.fit.staffing import _expected_inhouse_wait
from tests.fit.shipped import shipped_log


@pytest.fixture(scope="module")
def legacy():  # noqa: ANN201
    _, log = shipped_log("legacy_referral")
    first = truncate(log, holdout_split(log, 0.3))
    return first, fit_scenario(first, name="legacy")


def test_reserve_read_before_routing(legacy) -> None:  # noqa: ANN001
    log, fitted = legacy
    cals = {p: fitted.calendars[p].work_calendar(log.start) for p in fitted.scenario["pools"]}
    held = held_back(log, fitted.table, fitted.staffing.specialists, cals)
    assert held is not None
    assert (held.order, held.held, held.yields_at) == (("urgent", "routine"), {"in_house": 1}, 4)
    urgent = fitted.scenario["priorities"]["urgent"]  # the same reading, written
    assert urgent["reserve"]["in_house"].value == 1 and urgent["reserve_yields_at"].value == 4


def test_routing_waits_rebuilt_with_the_reserve(legacy) -> None:  # noqa: ANN001
    log, fitted = legacy
    t, pools = fitted.table, fitted.scenario["pools"]
    cals = {p: fitted.calendars[p].work_calendar(log.start) for p in pools}
    kinds = {p: getattr(e["kind"], "value", e["kind"]) for p, e in pools.items()}
    done = t[t["review_end_h"].notna() & t["pool"].notna()]
    rows = done[done["specialty"] == "neurology"]  # the one line both kinds staff
    held = held_back(log, t, fitted.staffing.specialists, cals)
    waits = {}
    for name, reserve in (("without", None), ("with", held.may_take)):
        w, out = _expected_inhouse_wait(done, rows, cals, kinds, fitted.staffing.specialists,
                                        None, reserve)
        waits[name] = (w[out], w[~out])
    sent, kept = waits["without"]
    assert len(sent) >= 1 and sent.min() < kept.max()  # no threshold separates them
    sent, kept = waits["with"]
    assert sent.min() > kept.max(), (sent, np.sort(kept)[-3:])
    routing = fitted.scenario["routing"]
    assert routing["policy"].value == "overflow"
    assert kept.max() < routing["overflow_wait_hours"].value < sent.min()
