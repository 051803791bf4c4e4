"""``sosim hiring``: what to hire, and when, so that p90 time to opinion stays under a target.

    sosim hiring SCENARIO --target-p90-hours 120 [--kpi channel.online_portal.time_to_opinion_h.p90]
                          [--years 2026-2030] [--lead-months 6] [--attrition 0.07]
                          [--replications 3] [--out DIR]

The scenario's ``timeline`` gives the years (or ``--years``) and ``timeline.hiring`` the lead
time, the attrition and hires already decided (or the options). Prints the year-by-year plan
(:func:`sim.experiment.hiring.plan_hiring`) and writes ``hiring_plan.csv``, ``staff.csv`` and
``path.csv`` into ``--out``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim._exits import EXIT_OK, refuse


def _years(text: str) -> tuple[int, int]:
    try:
        first, last = (int(x) for x in text.split("-"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"write years as FIRST-LAST, e.g. 2026-2030 (got {text!r})") from None
    if not 1900 <= first <= last <= first + 50:
        raise argparse.ArgumentTypeError(f"need FIRST <= LAST, at most 51 years (got {text!r})")
    return first, last


def register(sub: Any, scenario_args: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add the ``hiring`` command to ``sosim``'s subparsers."""
    p = sub.add_parser("hiring", help="what to hire and when, so p90 time to opinion stays "
                                      "under a target every year")
    scenario_args(p)
    p.add_argument("--target-p90-hours", type=float, required=True,
                   help="the most p90 time to opinion (hours) allowed in any year")
    p.add_argument("--kpi", default=None, metavar="KPI",
                   help="the p90 the target is on: time_to_opinion_h.p90 (default), or of one "
                        "channel's or class's cases, e.g. "
                        "channel.online_portal.time_to_opinion_h.p90 (an in-person case's "
                        "appointment lead is not shortened by hiring)")
    p.add_argument("--years", type=_years, default=None, metavar="FIRST-LAST",
                   help="the years (default: the scenario's timeline)")
    p.add_argument("--lead-months", type=float, default=None,
                   help="months from decision to productive specialist (default: "
                        "timeline.hiring, else 6)")
    p.add_argument("--attrition", type=float, default=None,
                   help="share of specialists leaving a year (default: timeline.hiring, else 0)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the scenario's)")
    p.add_argument("--replications", type=int, default=3, help="replications per year (3)")
    p.add_argument("--max-hires", type=int, default=200, help="give up after this many hires")
    p.add_argument("--out", type=Path, default=None, help="folder for the plan's tables")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(handler=cmd_hiring)


def _fail(message: str) -> int:
    return refuse("hiring", message)


def cmd_hiring(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from sim.experiment.hiring import KPI, hiring_kpis, plan_hiring
    from sim.loading import load_scenario
    from sim.scenario.hiring import Hiring
    from sim.scenario.models import Timeline

    if args.target_p90_hours <= 0:
        return _fail(f"--target-p90-hours must be positive (got {args.target_p90_hours:g})")
    if args.replications < 1:
        return _fail(f"--replications must be at least 1 (got {args.replications})")
    s = load_scenario(args.scenario, overrides=args.overrides)
    kpi = args.kpi or KPI
    if kpi not in hiring_kpis(s):
        from sim.scenario.suggest import unknown

        return _fail(f"--kpi: {unknown('hiring KPI', kpi, hiring_kpis(s))}; one of "
                     f"{', '.join(hiring_kpis(s))}")
    tl = s.timeline
    if args.years:
        tl = (tl or Timeline(first_year=args.years[0], last_year=args.years[1])).model_copy(
            update={"first_year": args.years[0], "last_year": args.years[1]})
    if tl is None:
        return _fail("the scenario has no timeline; give --years FIRST-LAST")
    update = {k: v for k, v in (("lead_time_months", args.lead_months),
                                ("attrition_per_year", args.attrition)) if v is not None}
    try:
        hiring = Hiring.model_validate({**(tl.hiring or Hiring()).model_dump(), **update})
    except ValidationError as err:
        return _fail(str(err.errors()[0]["msg"]))
    s = s.model_copy(update={"timeline": tl.model_copy(update={"hiring": hiring,
                                                               "scale_staff": False})})
    progress = None if args.quiet else (lambda line: print(line, file=sys.stderr))
    res = plan_hiring(s, args.target_p90_hours, replications=args.replications,
                      seed=args.seed, max_hires=args.max_hires, progress=progress, kpi=kpi)
    print(res.text())
    if args.out:
        from sim.outputs.writing import atomic_write_text

        args.out.mkdir(parents=True, exist_ok=True)
        rows = [{"year": y, "queue": q, "hires": n} for y, v in res.plan.items()
                for q, n in v.items()]
        import pandas as pd

        atomic_write_text(args.out / "hiring_plan.csv",
                          pd.DataFrame(rows, columns=["year", "queue", "hires"]).to_csv(
                              index=False))
        atomic_write_text(args.out / "years.csv", res.years.to_csv(index=False))
        atomic_write_text(args.out / "staff.csv", res.staff.to_csv(index=False))
        atomic_write_text(args.out / "path.csv", res.path.to_csv(index=False))
        print(f"\nplan written to {args.out}/")
    return EXIT_OK
