"""Fixed durations through known calendars give exactly the expected timestamps.

t = 0 is Monday 2026-01-05 00:00. The business calendar is Mon-Fri
08:00-17:00 (9 h a business day) with Monday 2026-01-19 a holiday. Every case:

- records intake: digital (channel ``online``) takes no time; paper (channel
  ``courier``) takes 2 business days (18 working hours, pausing off-calendar);
- AI triage: 6 minutes, 24x7, unlimited capacity, always right;
- pre-authorisation: 1 business day for payer ``insurer``, none for ``self``;
- specialist review: 2 working hours on the business calendar.

Hand-placed cases (run through :class:`sim.engine.model.Model` directly) are checked
against timelines worked out by hand; a Poisson run at low load is checked,
case by case, against a reference calendar written here (a day-by-day walk over the
weekly hours, independent of :class:`WorkCalendar`'s interval search).

Power: exact, not statistical: every timestamp must match to 1e-9 h, so one case a
second off fails.
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest

import sim
from sim.core.streams import Streams
from sim.engine.demand import Cases
from sim.engine.draws import draw
from sim.engine.model import Model, Replication
from sim.engine.plan import build_plan
from sim.outputs.event_log import event_log
from sim.outputs.results import case_table

from .conftest import scenario

START = datetime.date(2026, 1, 5)
HOLIDAY = datetime.date(2026, 1, 19)
TEXT = """
name: deterministic
simulation: {start: 2026-01-05, horizon_days: HORIZON, warmup_days: 0, seed: 5}
calendars:
  business: {days: [mon, tue, wed, thu, fri], hours: ["08:00", "17:00"], holidays: [2026-01-19]}
demand:
  cases_per_year: VOLUME
  mix:
    specialty: {oncology: 1.0}
    channel: {online: 0.5, courier: 0.5}
    payer: {self: 0.5, insurer: 0.5}
    priority: {urgent: 0.3, routine: 0.7}
intake:
  digital: {dist: fixed, value: 0, unit: hours}
  paper: {dist: fixed, value: 2, unit: business_days}
  digital_share: {online: 1.0, courier: 0.0}
triage:
  policy: ai
  ai: {servers: null, service: {dist: fixed, value: 6, unit: minutes}, accuracy: 1.0}
payers:
  self: {}
  insurer: {preauth: {delay: {dist: fixed, value: 1, unit: business_days}}}
pools:
  clinic: {kind: in_house, calendar: business, specialists: {oncology: SPECIALISTS},
           review: {dist: fixed, value: 2, unit: hours}}
outcomes: {default: {confirmed: 0.2, refined: 0.6, changed: 0.2}}
"""
ONLINE, COURIER = 0, 1
SELF, INSURER = 0, 1
URGENT, ROUTINE = 0, 1


def day(d: int, hour: float) -> float:
    """Clock hours of ``hour`` o'clock on day ``d`` (day 0 = Monday 2026-01-05)."""
    return 24.0 * d + hour


def _scenario(specialists: int, volume: float = 100, horizon: int = 35):  # noqa: ANN202
    return scenario(TEXT.replace("SPECIALISTS", str(specialists))
                    .replace("VOLUME", str(volume)).replace("HORIZON", str(horizon)))


def run_cases(specialists: int, rows: list[tuple[float, int, int, int]]) -> pd.DataFrame:
    """Run hand-placed cases ``(arrival_h, channel, payer, priority)``; their case table."""
    plan = build_plan(_scenario(specialists))
    assert plan.channels == ("online", "courier") and plan.payers == ("self", "insurer")
    rows = sorted(rows)
    n = len(rows)
    cases = Cases(
        arrival_h=np.asarray([r[0] for r in rows], dtype=float),
        line=np.zeros(n, dtype=np.int32),
        specialty=np.zeros(n, dtype=np.int32),
        channel=np.asarray([r[1] for r in rows], dtype=np.int32),
        payer=np.asarray([r[2] for r in rows], dtype=np.int32),
        priority=np.asarray([r[3] for r in rows], dtype=np.int32),
    )
    draws = draw(plan, cases, Streams(5, 0))
    model = Model(plan, cases, draws)
    records = model.run()
    assert model.started + model.pending == model.finished == n
    rep = Replication(index=0, seed=5, cases=cases, draws=draws, records=records,
                      counts=model.counts())
    table = case_table(plan, rep)
    table.attrs["plan"] = plan
    return table


# (name, arrival, channel, payer, expected queue_h, review_start_h, review_end_h)
HAND = [
    # Friday 16:00, 6 min of triage, 2 h of review: 16:06-17:00 and Monday 08:00-09:06
    ("fri-16:00", day(4, 16), ONLINE, SELF, day(4, 16.1), day(4, 16.1), day(7, 9.1)),
    # Saturday: seized at once, but work starts Monday 08:00
    ("sat-10:00", day(5, 10), ONLINE, SELF, day(5, 10.1), day(7, 8), day(7, 10)),
    # exactly at opening
    ("mon-08:00", day(7, 8), ONLINE, SELF, day(7, 8.1), day(7, 8.1), day(7, 10.1)),
    # paper records from Friday 07:00: Fri 08-17 and Mon 08-17 = 18 h, end at 17:00 (not
    # Tuesday 08:00); triage to 17:06, closed; review Tuesday 08:00-10:00
    ("fri-07:00-paper", day(4, 7), COURIER, SELF, day(7, 17.1), day(8, 8), day(8, 10)),
    # paper from Thursday 15 Jan 14:00: Thu 3 h + Fri 9 h + (Mon 19 holiday) + Tue 6 h ->
    # Tue 20 14:00; triage 14:06; pre-auth 9 h: Tue 2.9 h + Wed 6.1 h -> Wed 21 14:06;
    # review 14:06-16:06
    ("thu-paper-insurer", day(10, 14), COURIER, INSURER, day(16, 14.1), day(16, 14.1),
     day(16, 16.1)),
    # Sunday 18 Jan 23:00; pre-auth skips the Monday holiday: Tue 08:00-17:00 (ends 17:00);
    # review waits for Wednesday 08:00
    ("sun-insurer", day(13, 23), ONLINE, INSURER, day(15, 17), day(16, 8), day(16, 10)),
    # on the holiday itself
    ("holiday-11:00", day(14, 11), ONLINE, SELF, day(14, 11.1), day(15, 8), day(15, 10)),
]


@pytest.fixture(scope="module")
def hand_table() -> pd.DataFrame:
    rows = [(a, ch, pay, ROUTINE) for _, a, ch, pay, *_ in HAND]
    return run_cases(specialists=10, rows=rows)


@pytest.mark.parametrize(("name", "arrival", "channel", "payer", "queue", "start", "end"), HAND,
                         ids=[h[0] for h in HAND])
def test_hand_computed_timelines(hand_table: pd.DataFrame, name: str, arrival: float,
                                 channel: int, payer: int, queue: float, start: float,
                                 end: float) -> None:
    row = hand_table.loc[hand_table["arrival_h"] == arrival].iloc[0]
    assert row["status"] == "delivered"
    assert row["queue_h"] == pytest.approx(queue, abs=1e-9)
    assert row["seize_h"] == pytest.approx(queue, abs=1e-9)  # nobody else in the way
    assert row["review_start_h"] == pytest.approx(start, abs=1e-9)
    assert row["review_end_h"] == pytest.approx(end, abs=1e-9)
    assert row["specialist_wait_h"] == pytest.approx(start - queue, abs=1e-9)
    assert row["time_to_opinion_h"] == pytest.approx(end - arrival, abs=1e-9)
    assert row["triage_end_h"] - row["triage_seize_h"] == pytest.approx(0.1, abs=1e-9)


def test_event_log_wall_clock(hand_table: pd.DataFrame) -> None:
    """Friday 16:00 + 6 min + 2 h of review on 08:00-17:00 -> opinion Monday 09:06."""
    log = event_log(hand_table.attrs["plan"], hand_table)
    first = hand_table.index[hand_table["arrival_h"] == day(4, 16)][0]
    ev = log[(log["case_id"] == f"r0-{first}") & (log["activity"] == "opinion delivered")]
    assert ev["timestamp"].tolist() == [pd.Timestamp("2026-01-12 09:06:00")]


def test_fcfs_and_priority_through_the_calendar() -> None:
    """One specialist; three cases on Friday afternoon queue over the weekend.

    15:00 -> triaged 15:06, reviewed 15:06-17:00 + Mon 08:00-08:06;
    15:30 -> queued 15:36, reviewed Mon 08:06-10:06 (waits 64.5 h);
    16:00 -> queued 16:06, reviewed Mon 10:06-12:06. If the 16:00 case is urgent it
    goes before the 15:30 one (non-preemptive: the case in review is not interrupted).
    """
    arrivals = [day(4, 15), day(4, 15.5), day(4, 16)]
    fcfs = run_cases(1, [(a, ONLINE, SELF, ROUTINE) for a in arrivals])
    np.testing.assert_allclose(fcfs["seize_h"], [day(4, 15.1), day(7, 8.1), day(7, 10.1)],
                               atol=1e-9)
    np.testing.assert_allclose(fcfs["review_end_h"], [day(7, 8.1), day(7, 10.1), day(7, 12.1)],
                               atol=1e-9)
    np.testing.assert_allclose(fcfs["specialist_wait_h"], [0, 64.5, 66.0], atol=1e-9)

    prio = run_cases(1, [(arrivals[0], ONLINE, SELF, URGENT), (arrivals[1], ONLINE, SELF, ROUTINE),
                         (arrivals[2], ONLINE, SELF, URGENT)])
    np.testing.assert_allclose(prio["seize_h"], [day(4, 15.1), day(7, 10.1), day(7, 8.1)],
                               atol=1e-9)
    np.testing.assert_allclose(prio["review_end_h"], [day(7, 8.1), day(7, 12.1), day(7, 10.1)],
                               atol=1e-9)


def _open_hours(d: int) -> tuple[float, float] | None:
    """The reference calendar: day ``d``'s open hours, Mon-Fri 08:00-17:00 but the holiday."""
    if d % 7 >= 5 or START + datetime.timedelta(days=d) == HOLIDAY:
        return None
    return day(d, 8.0), day(d, 17.0)


def ref_add_working_hours(t: float, h: float) -> float:
    """The earliest instant with ``h`` working hours done since ``t``, walking day by day."""
    d = int(t // 24)
    while True:
        hours = _open_hours(d)
        if hours is not None:
            t = max(t, hours[0])
            if t <= hours[1]:
                take = min(h, hours[1] - t)
                t, h = t + take, h - take
                if h <= 1e-12:
                    return t
        d += 1
        t = max(t, day(d, 0.0))


def ref_next_open(t: float) -> float:
    """The first open instant at or after ``t`` (day by day)."""
    d = int(t // 24)
    while True:
        hours = _open_hours(d)
        if hours is not None and t < hours[1]:
            return max(t, hours[0])
        d += 1
        t = max(t, day(d, 0.0))


def ref_working_hours_between(t0: float, t1: float) -> float:
    total, d = 0.0, int(t0 // 24)
    while day(d, 0.0) < t1:
        hours = _open_hours(d)
        if hours is not None:
            total += max(0.0, min(t1, hours[1]) - max(t0, hours[0]))
        d += 1
    return total


def test_reference_calendar_by_hand() -> None:
    """The reference itself, against instants worked out by hand."""
    assert ref_add_working_hours(day(4, 15.5), 3.0) == day(7, 9.5)  # Fri 15:30 -> Mon 09:30
    assert ref_add_working_hours(day(11, 16.0), 2.0) == day(15, 9.0)  # over the holiday
    assert ref_add_working_hours(day(0, 9.0), 8.0) == day(0, 17.0)  # ends at closing time
    assert ref_next_open(day(5, 3.0)) == day(7, 8.0) and ref_next_open(day(1, 9)) == day(1, 9)
    assert ref_working_hours_between(day(4, 16.0), day(7, 9.0)) == 2.0


def test_poisson_arrivals_follow_the_calendar_exactly() -> None:
    """At low load with ample specialists, every case's timeline follows from its arrival."""
    s = _scenario(specialists=40, volume=3000, horizon=120)
    res = sim.run(s, seed=9, replications=1)
    c = res.cases
    assert len(c) > 800
    add = np.vectorize(ref_add_working_hours)
    a = c["arrival_h"].to_numpy()
    paper = (c["channel"] == "courier").to_numpy()
    insured = (c["payer"] == "insurer").to_numpy()
    assert ((c["records"] == "paper").to_numpy() == paper).all()
    intake = np.where(paper, add(a, 18.0), a)
    triaged = intake + 0.1
    authorised = np.where(insured, add(triaged, 9.0), triaged)
    start = np.asarray([ref_next_open(float(t)) for t in authorised])
    end = add(authorised, 2.0)
    horizon = res.plan.horizon_h
    done = end < horizon
    assert done.sum() > 0.95 * len(c)
    assert ((c["status"] == "delivered").to_numpy() == done).all()
    for col, want in [("intake_end_h", intake), ("triage_seize_h", intake),
                      ("triage_end_h", triaged), ("auth_end_h", authorised),
                      ("queue_h", authorised), ("seize_h", authorised),
                      ("review_start_h", start), ("review_end_h", end)]:
        got = c[col].to_numpy()
        np.testing.assert_allclose(got[done], want[done], rtol=0, atol=1e-9, err_msg=col)
    np.testing.assert_allclose(c["specialist_wait_h"].to_numpy()[done],
                               (start - authorised)[done], rtol=0, atol=1e-9)
    # the specialist wait is only ever the time until the calendar opens
    wait = c["specialist_wait_h"].to_numpy()[done]
    assert (wait >= 0).all() and (wait < 24 * 4).all()
    opened = start[done]
    assert all(ref_next_open(float(t)) == t for t in opened)
    # review takes 2 working hours, never more clock time than a weekend + holiday
    worked = [ref_working_hours_between(a, b) for a, b in zip(start[done], end[done], strict=True)]
    assert np.allclose(worked, 2.0, atol=1e-9)


def test_always_open_weekly_calendar_is_24x7() -> None:
    """Mon-Sun 00:00-24:00 (and the same split into touching pieces) is exactly 24x7."""
    from .conftest import run_reps, single_pool

    cals = {"allday": {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                       "hours": ["00:00", "24:00"]},
            "pieces": {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                       "hours": ["00:00-06:00", "06:00-13:30", "13:30-24:00"]}}
    base = run_reps(single_pool(lam=4, servers=5, horizon_days=40, warmup_days=0), 3, 2)
    for name in cals:
        other = run_reps(single_pool(lam=4, servers=5, horizon_days=40, warmup_days=0,
                                     calendar=name, calendars=cals), 3, 2)
        for a, b in zip(base.reps, other.reps, strict=True):
            for field in ("seize_h", "review_start_h", "review_end_h"):
                np.testing.assert_array_equal(getattr(a.records, field),
                                              getattr(b.records, field), err_msg=name)


@pytest.mark.parametrize("calendar", ["24x7", "business"])
def test_unlimited_ai_equals_ample_ai_servers(calendar: str) -> None:
    """AI triage of unlimited capacity is the same as one with more servers than cases.

    The engine may compute a stage that contends for nothing without simulating it;
    the simulated route (a million AI servers) must give the very same case table.
    """
    from .test_conservation import RICH

    text = RICH.replace("TRIAGE_POLICY", "ai").replace("horizon_days: 120", "horizon_days: 60")
    tables = [
        sim.run(scenario(text, (f"triage.ai.servers={servers}", f"triage.ai.calendar={calendar}")),
                seed=4, replications=1).cases
        for servers in ("null", "1000000")
    ]
    pd.testing.assert_frame_equal(*tables)


def test_direct_equals_instant_perfect_ai() -> None:
    """Direct matching is AI triage that takes no time and is always right."""
    from .test_conservation import RICH

    text = RICH.replace("horizon_days: 120", "horizon_days: 60")
    direct = sim.run(scenario(text.replace("TRIAGE_POLICY", "direct")), seed=6,
                     replications=1).cases
    ai = sim.run(scenario(text.replace("TRIAGE_POLICY", "ai"), (
        "triage.ai.servers=1000000", "triage.ai.accuracy=1.0",
        "triage.ai.service={dist: fixed, value: 0, unit: minutes}")), seed=6,
        replications=1).cases
    cols = ["arrival_h", "intake_end_h", "first_match_h", "auth_end_h", "match_h", "queue_h",
            "seize_h", "review_start_h", "review_end_h", "pool", "status", "time_to_opinion_h"]
    pd.testing.assert_frame_equal(direct[cols], ai[cols])
    assert not direct["misrouted"].any()
