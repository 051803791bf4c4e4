"""The ``sosim fit`` command: fit a scenario to an event log and report how close it is.

    sosim fit LOG --out fitted.yaml [--map MAP] [--part PART] [--replications R]
                  [--seed N] [--holdout SHARE] [--accept-poor] [--no-simulate]
                  [--no-figures] [--overwrite]

It writes the scenario (YAML, a comment beside every fitted value) and, beside it, the
folder ``<name>_fit/`` with ``report.md``, ``kpis.csv``, ``distances.csv``,
``holdout_kpis.csv``, ``scenario.yaml``, ``figures/overlays.png`` and ``manifest.json``
(``sosim rerun`` repeats it); it prints the report. The gate (:mod:`sim.fit.gate`) fits the
first 70% of the log's span and judges the rest: when a KPI falls outside its interval the
command prints a one-line verdict naming them, writes the report but not the scenario, and
exits with status 1 (``--accept-poor`` writes it anyway, status 0). A bad log or map is
refused with one line per problem (file, row or line, column, what is wrong), exit status
2, and nothing written.

Example:
    $ sosim fit events.csv --map map.yaml --out fitted.yaml
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from sim._exits import EXIT_OK, refuse

__all__ = ["EXIT_REJECTED", "cmd_fit", "register"]

EXIT_REJECTED = 1
"""Exit status when the gate rejects the fit (the report is written, the scenario is not)."""


def register(sub: argparse._SubParsersAction, scenario_args: Callable[..., None]) -> None:
    """Add ``fit`` to ``sosim``'s subcommands (``scenario_args`` is unused).

    Example:
        >>> parser = argparse.ArgumentParser(prog="sosim")
        >>> register(parser.add_subparsers(dest="command"), lambda sp: None)
        >>> parser.parse_args(["fit", "log.csv", "--out", "f.yaml"]).replications
        5
    """
    del scenario_args
    p = sub.add_parser(
        "fit", help="fit a scenario to an event log (CSV, Parquet or XES) and report its fidelity",
        description="Read an event log through a map file, fit demand, durations, calendars, "
        "staffing and routing, write the scenario, simulate it and compare it with the log.")
    p.add_argument("log", type=Path,
                   help="event log (.csv, .parquet, .xes or .xes.gz), one row per event")
    p.add_argument("--map", type=Path, default=None,
                   help="map file (YAML): which column and activity is which "
                        "(default: sosim's own event log)")
    p.add_argument("--out", type=Path, required=True,
                   help="scenario file to write (.yaml); the report goes to <name>_fit/")
    p.add_argument("--name", default=None, help="scenario name (default: from --out)")
    p.add_argument("--replications", type=int, default=5,
                   help="replications of the fidelity run (default 5)")
    p.add_argument("--seed", type=int, default=1, help="seed of the fidelity run (default 1)")
    p.add_argument("--part", default=None,
                   help="in a log of several replications or platforms (the map's split; "
                        "sosim's own log: r0, r1, ...), the one to fit")
    p.add_argument("--holdout", type=float, default=0.3,
                   help="share of the log's span, at its end, on which a scenario fitted to "
                        "the rest is judged (the gate; default 0.3, 0 = no gate)")
    p.add_argument("--accept-poor", action="store_true",
                   help="write the scenario even when the gate finds KPIs outside their "
                        "intervals (exit status 0)")
    p.add_argument("--no-simulate", action="store_true", help="fit only; no fidelity run")
    p.add_argument("--no-figures", action="store_true", help="do not draw the overlays")
    p.add_argument("--overwrite", action="store_true",
                   help="replace the scenario and report an earlier fit wrote to --out")
    p.set_defaults(handler=cmd_fit)


def _bad(message: str) -> int:
    return refuse("fit", message, "nothing was written")


def cmd_fit(args: argparse.Namespace) -> int:
    if args.out.suffix.lower() not in (".yaml", ".yml"):
        return _bad(f"--out must be a .yaml file (got {str(args.out)!r})")
    if args.replications < 2 and not args.no_simulate:
        return _bad(f"--replications must be at least 2 for an interval (got {args.replications})")
    if args.seed < 0:
        return _bad(f"--seed must be non-negative (got {args.seed})")
    if not 0 <= args.holdout < 0.9:
        return _bad(f"--holdout must be at least 0 and under 0.9 (got {args.holdout})")
    from sim.outputs.folders import check_overwrite

    try:
        check_overwrite(args.out.with_name(args.out.stem + "_fit"), args.overwrite)
    except ValueError as err:
        return _bad(f"--out: {err}")
    from sim.fit.api import _command, fit
    from sim.scenario.errors import ScenarioError

    try:
        record = {**_command(args.log, args.map, args.part, args.name, args.replications,
                             args.seed, not args.no_simulate, not args.no_figures,
                             args.holdout, args.accept_poor),
                  "argv": ["sosim", *(getattr(args, "argv", None) or [])]}
        result = fit(args.log, args.map, out=args.out, name=args.name,
                     replications=args.replications, seed=args.seed,
                     simulate=not args.no_simulate, figures=not args.no_figures,
                     overwrite=args.overwrite, part=args.part, holdout=args.holdout,
                     accept_poor=args.accept_poor, command=record)
    except ScenarioError as err:  # a bad log (LogError) or a bad map
        n = len(err.problems)
        print(err, file=sys.stderr)
        return _bad(f"{n} problem{'s' if n != 1 else ''} in the log or its map")
    print(result.report)
    verdict = result.verdict
    if "scenario" not in result.paths:
        print(f"sosim fit: {verdict.line}; no scenario written (--accept-poor writes it "
              f"anyway); report in {result.paths['report']}/", file=sys.stderr)
        return EXIT_REJECTED
    print(f"scenario written to {result.paths['scenario']}; report in "
          f"{result.paths['report']}/")
    if verdict is not None and not verdict.passed:
        print(f"sosim fit: {verdict.line}; written anyway (--accept-poor)", file=sys.stderr)
    return EXIT_OK
