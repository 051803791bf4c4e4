"""The stages of a case's journey, declared once.

Each :class:`Stage` says everything the rest of sosim needs to know about it:

``times``
    the timestamps (clock hours) the journey writes for it into the
    columnar records (:class:`~sim.engine.records.Records`), in journey order;
``states``
    where a case is once it has passed each of some time columns: the last
    one reached by the horizon names where an unfinished case is
    (``stage_at_end`` of the case table);
``activities``
    the event log's activities: a name, start and complete columns, and the
    resource (a case-table column, or ``=name`` for a fixed one);
``spans``
    the ``stage_h.<name>`` KPIs: each is the time from the previous span's end
    column (at first ``arrival_h``) to its own, over delivered cases; a column a
    case skipped (no triage) takes the previous one's value, so the spans add
    up to the time to opinion.

Adding a stage means a row here and the lines of :meth:`sim.engine.model.Model.journey`
(or :mod:`sim.engine.triage`) that write its times.

Example:
    >>> TIMES[:3]
    ('triage_seize_h', 'triage_start_h', 'triage_end_h')
    >>> [name for name, _ in SPANS][:3]
    ['intake', 'triage_wait', 'triage_work']
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ABANDONED", "ACCESS_ACTIVITIES", "ACTIVITIES", "ARRIVED", "DELIVERED",
           "EVENT_ACTIVITIES", "MILESTONES", "RECORDS_REQUEST", "RERQUEST", "SPANS", "STAGES",
           "TEAM_ACTIVITIES", "TIMES", "Activity", "Stage"]


@dataclass(frozen=True)
class Activity:
    """An activity of the event log: from ``start`` to ``end``, done by ``resource``."""

    name: str
    start: str
    end: str
    resource: str  # a case-table column, or "=name" for a fixed resource


@dataclass(frozen=True)
class Stage:
    """One stage of the journey (see the module docstring for each field)."""

    name: str
    times: tuple[str, ...] = ()
    states: tuple[tuple[str, str], ...] = ()
    activities: tuple[Activity, ...] = ()
    spans: tuple[tuple[str, str], ...] = ()


# The event log's activities, named once: the outputs write them (sim.outputs.results) and
# the fit reads sosim's own log by them (sim.fit.mapping.SOSIM_MAP).
INTAKE = Activity("records intake", "arrival_h", "intake_end_h", "records")
TRIAGE = Activity("triage", "triage_start_h", "triage_end_h", "triaged_by")
CHECK = Activity("coordinator check", "check_start_h", "check_end_h", "=coordinators")
REFERRAL = Activity("referral cycle", "triage_end_h", "referral_end_h", "=referral")
PREAUTH = Activity("pre-authorisation", "first_match_h", "auth_end_h", "payer")
SCREENING = Activity("misroute screening", "screen_start_h", "screen_end_h", "screen_specialist")
REROUTING = Activity("re-routing", "screen_end_h", "reroute_end_h", "=referral")
REVIEW = Activity("specialist review", "review_start_h", "review_end_h", "specialist")
ARRIVED, DELIVERED, ABANDONED = "case arrived", "opinion delivered", "case abandoned"
"""The log's single events: arrival, the opinion, and drop-out."""
REQUESTED_AGAIN, BOOKED, HELD = ("records requested again", "appointment booked",
                                 "appointment held")
"""The log's access events (``incomplete_records``, ``appointments``)."""
ACCESS_ACTIVITIES = (REQUESTED_AGAIN, BOOKED, HELD)
RECORDS_REQUEST, RERQUEST = "records request", "records re-request"
"""A records team's navigators at work on a request, and on a second one (``intake.team``)."""
TEAM_ACTIVITIES = (RECORDS_REQUEST, RERQUEST)

STAGES = (
    Stage("records intake",  # arrival_h and intake_end_h come with the case and its draws
          states=(("arrival_h", "records intake"),),
          activities=(INTAKE,),
          spans=(("intake", "intake_end_h"),)),
    Stage("triage",
          times=("triage_seize_h",  # triage staff (AI service or coordinator) takes the case
                 "triage_start_h",  # ... and starts working on it (calendar permitting)
                 "triage_end_h"),
          states=(("intake_end_h", "triage queue"), ("triage_seize_h", "triage")),
          activities=(TRIAGE,),
          spans=(("triage_wait", "triage_start_h"), ("triage_work", "triage_end_h"))),
    Stage("coordinator check",  # hybrid: a coordinator checks the AI's match
          times=("check_seize_h", "check_start_h", "check_end_h"),
          states=(("triage_end_h", "referral cycle or check"),),
          activities=(CHECK,)),
    Stage("referral cycle",
          times=("referral_end_h",),  # legacy: end of the referral cycle
          activities=(REFERRAL,),
          spans=(("referral_or_check", "first_match_h"),)),
    Stage("pre-authorisation",
          times=("first_match_h",  # triage has matched the case to a line (maybe the wrong one)
                 "auth_end_h"),  # pre-authorisation done (equals first_match_h when none needed)
          states=(("first_match_h", "authorisation"), ("auth_end_h", "specialist queue")),
          activities=(PREAUTH,),
          spans=(("authorisation", "auth_end_h"),)),
    Stage("misroute",
          times=("screen_queue_h",  # misrouted: joins the wrong specialists' queue
                 "screen_seize_h",
                 "screen_start_h",
                 "screen_end_h",  # ... who spot the mistake and hand it back
                 "reroute_end_h"),  # ... and it is re-routed
          states=(("screen_seize_h", "screening (misrouted)"), ("screen_end_h", "re-routing"),
                  ("reroute_end_h", "specialist queue")),
          activities=(SCREENING, REROUTING),
          spans=(("misroute_rework", "queue_h"),)),
    Stage("specialist review",
          times=("match_h",  # matched to the right line
                 "queue_h",  # joins the right specialists' queue
                 "seize_h",  # a specialist takes it
                 "review_start_h",  # ... and starts work (calendar permitting)
                 "review_end_h"),  # opinion delivered
          states=(("seize_h", "specialist review"), ("review_end_h", "delivered")),
          activities=(REVIEW,),
          spans=(("specialist_wait", "review_start_h"), ("review", "review_end_h"))),
)

TIMES = tuple(t for s in STAGES for t in s.times)
"""Every timestamp the journey records, in journey order."""
MILESTONES = tuple(m for s in STAGES for m in s.states)
"""(time column, state of a case once past it), in journey order."""
ACTIVITIES = tuple(a for s in STAGES for a in s.activities)
"""The event log's activities with a start and an end, in journey order."""
EVENT_ACTIVITIES = (ARRIVED, *(a.name for a in ACTIVITIES), DELIVERED, *ACCESS_ACTIVITIES,
                    *TEAM_ACTIVITIES, ABANDONED)
"""Every activity name the event log can show."""
SPANS = tuple(p for s in STAGES for p in s.spans)
"""(``stage_h`` KPI name, end column), in journey order; the first starts at ``arrival_h``."""
