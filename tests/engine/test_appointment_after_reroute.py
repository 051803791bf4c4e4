"""A misrouted case waits for its appointment slot after re-routing, in business days.

Cases matched up front to their right line have their slot computed in one vectorised
step; a misrouted one is screened by the wrong specialists, re-routed, and only then
books its slot, in the event loop (``Model._appointment``). Here every timestamp of both
paths is computed by hand on the Mon-Fri 08:00-17:00 calendar.
"""

import numpy as np
import pytest

import sim
from sim.loading import scenario_from_text
from tests.engine.test_access import _business_end

DOC = """
name: reroute_slot
simulation: {start: 2026-01-05, horizon_days: 90, seed: 5, business_calendar: business}
calendars:
  business: {days: [mon, tue, wed, thu, fri], hours: ["08:00", "17:00"]}
demand:
  cases_per_year: 400
  mix:
    specialty: {oncology: 0.5, cardiology: 0.5}
    channel: {in_person: 1.0}
    payer: {p: 1.0}
intake:
  digital: {dist: fixed, value: 4, unit: hours}
  paper: {dist: fixed, value: 4, unit: hours}
  digital_share: {in_person: 1.0}
triage:
  policy: ai
  ai: {accuracy: 0.6, service: {dist: fixed, value: 0, unit: hours}}
  misroute:
    detection: {dist: fixed, value: 1, unit: hours}
    reroute_delay: {dist: fixed, value: 2, unit: hours}
payers: {p: {}}
pools:
  x: {kind: outsourced, calendar: 24x7, specialists: {oncology: 60, cardiology: 60},
      review: {dist: fixed, value: 1, unit: hours}}
outcomes: {default: {confirmed: 0.2, refined: 0.6, changed: 0.2}}
appointments:
  in_person: {dist: fixed, value: 3, unit: business_days}
"""


def test_the_slot_is_booked_after_re_routing_in_business_days():
    res = sim.run(scenario_from_text(DOC), replications=1)
    c = res.cases[res.cases["status"] == "delivered"]
    wrong = c[c["misrouted"].astype(bool)]
    right = c[~c["misrouted"].astype(bool)]
    assert len(wrong) > 20 and len(right) > 20
    for row in right.itertuples():  # booked as soon as matched, 4 h after arrival
        assert row.appointment_start_h == pytest.approx(row.arrival_h + 4)
        assert row.queue_h == pytest.approx(_business_end(row.arrival_h + 4, 27))
    for row in wrong.itertuples():  # screened (1 h, 24x7, free), re-routed (2 h), then booked
        rerouted = row.arrival_h + 4 + 1 + 2
        assert row.appointment_start_h == pytest.approx(rerouted)
        assert row.queue_h == pytest.approx(_business_end(rerouted, 27))
        assert row.review_end_h == pytest.approx(row.queue_h + 1)
    assert np.isfinite(wrong["appointment_start_h"]).all()
