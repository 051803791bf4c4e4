"""The ``sosim`` command line: a thin layer over the public API.

    sosim run SCENARIO [--out DIR] [--seed N] [--replications R] [--set key=value ...]
    sosim validate SCENARIO [--set key=value ...]

Exit status: 0 on success, 2 for a bad scenario or bad arguments (with a
message naming the file, line and field, never a traceback), 1 for anything
unexpected. Heavy libraries are imported inside the commands so that
``sosim --help`` answers at once.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from sim.outputs.size import BYTES_PER_CASE, RUN_LIMIT_CASES  # noqa: F401  (the run-size rule)

if TYPE_CHECKING:
    from sim.core.forked import Background
    from sim.scenario.models import Scenario

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2

_COMMAND_MODULES: tuple[str, ...] = (
    "sim.market.cli", "sim.experiment.cli", "sim.experiment.sweep_cli", "sim.fit.cli",
    "sim.app.cli", "sim.experiment.hiring_cli")
"""Modules with a ``register(subparsers, scenario_args)`` function adding their commands."""


def _parser() -> argparse.ArgumentParser:
    from sim import __version__

    p = argparse.ArgumentParser(
        prog="sosim",
        description="Simulate second-opinion case-routing platforms from a scenario file.",
    )
    p.add_argument("--version", action="version", version=f"sosim {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def scenario_args(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("scenario", type=Path, help="scenario file (.yaml, .yml or .toml)")
        sp.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="KEY=VALUE",
                        help="override a scenario value, e.g. "
                             "--set pools.in_house.specialists.oncology=8 (repeatable)")

    run = sub.add_parser("run", help="run a scenario, print its KPIs and write its outputs")
    scenario_args(run)
    run.add_argument("--out", type=Path, default=None,
                     help="output folder (default: a new results/<scenario name>/<UTC time>-"
                          "<hash>/, with results/<scenario name>/latest pointing at it)")
    overwrite_arg(run)
    run.add_argument("--seed", type=int, default=None, help="random seed (default: the scenario's)")
    run.add_argument("--replications", type=int, default=None,
                     help="independent replications (default: the scenario's)")
    run.add_argument("--workers", type=int, default=None,
                     help="processes to run the replications in (default: as many as pay for "
                          "the run's size, up to the cores; 1: one after the other here); the "
                          "results are the same")
    run.add_argument("--no-events", action="store_true", help="do not write the event log")
    run.add_argument("--no-figures", action="store_true", help="do not draw figures")
    run.add_argument("--quiet", action="store_true", help="print only the KPI table")
    run.add_argument("--years", type=_years, default=None, metavar="FIRST-LAST",
                     help="simulate each year from FIRST to LAST (e.g. 2026-2035) with that "
                          "year's volume and AI adoption (see timeline: in the scenario)")
    run.add_argument("--conversion-ends", action="store_true",
                     help="multi-year runs with demand from a market file: also simulate each "
                          "year at both ends of its value_per_opinion range")
    run.add_argument("--yes", action="store_true",
                     help=f"run even if larger than {RUN_LIMIT_CASES:,} cases in all")

    val = sub.add_parser("validate", help="check a scenario file and its capacity")
    scenario_args(val)
    again = sub.add_parser("rerun", help="reproduce any output sosim wrote (run, --years, "
                           "compare, sweep, staffing, market, warmup, replications) from its "
                           "manifest.json, bit for bit")
    again.add_argument("manifest", type=Path,
                       help="manifest.json of an earlier output, its folder, or a latest.json")
    again.add_argument("--out", type=Path, default=None,
                       help="output folder (default: a new folder next to the run's, "
                            "named <its name>-rerun-<UTC time>)")
    overwrite_arg(again)
    run.set_defaults(handler=cmd_run)
    val.set_defaults(handler=cmd_validate)
    again.set_defaults(handler=cmd_rerun)
    # Commands of other parts of sosim register themselves; their modules stay light
    # (heavy imports inside the handlers) so that --help stays fast.
    for module in _COMMAND_MODULES:
        importlib.import_module(module).register(sub, scenario_args)
    return p


def overwrite_arg(sp: argparse.ArgumentParser) -> None:
    """``--overwrite`` (or ``--force``): let ``--out`` replace an earlier sosim output."""
    sp.add_argument("--overwrite", "--force", dest="overwrite", action="store_true",
                    help="replace the outputs of an earlier sosim command in --out")


def _years(text: str) -> tuple[int, int]:
    try:
        first, last = (int(x) for x in text.split("-"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"write years as FIRST-LAST, e.g. 2026-2035 (got {text!r})"
                                         ) from None
    if not 1900 <= first <= last <= first + 50:
        raise argparse.ArgumentTypeError(f"need FIRST <= LAST, at most 51 years (got {text!r})")
    return first, last


def _load(args: argparse.Namespace):  # noqa: ANN202
    from sim.loading import load_scenario

    return load_scenario(args.scenario, overrides=args.overrides)


def _document(args: argparse.Namespace):  # noqa: ANN202
    """The scenario file as parsed (with its overrides): where each field was written."""
    from sim.scenario.loader import apply_overrides, read_document

    doc = read_document(args.scenario)
    return apply_overrides(doc, args.overrides) if args.overrides else doc


def _warn(lines: list[str]) -> None:
    for line in lines:
        print(f"warning: {line}", file=sys.stderr)


def cmd_validate(args: argparse.Namespace) -> int:
    scenario = _load(args)  # before the heavy imports: a bad file is reported at once
    from sim.capacity.network import capacity_records, overload_warnings
    from sim.engine.plan import build_plan
    from sim.outputs.report import capacity_table

    report = capacity_records(build_plan(scenario))  # the rows: no pandas to import
    print(f"{args.scenario}: valid scenario {scenario.name!r} "
          f"(about {scenario.expected_cases:,.0f} cases over "
          f"{scenario.simulation.horizon_days:g} days)")
    print(capacity_table(report))
    _warn(overload_warnings(report))
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    for name, least, wanted in (("seed", 0, "non-negative"), ("replications", 1, "at least 1"),
                                ("workers", 1, "at least 1")):
        value = getattr(args, name)
        if value is not None and value < least:
            print(f"sosim run: --{name} must be {wanted} (got {value}); nothing was run.",
                  file=sys.stderr)
            return EXIT_BAD_INPUT
    scenario = _load(args)
    from sim.capacity.network import capacity_in_background
    from sim.engine.plan import build_plan

    checking = capacity_in_background(build_plan(scenario))  # while the imports load
    try:
        return _run(args, scenario, checking)
    finally:
        checking.cancel()  # if the run was refused before it needed the check


def _run(args: argparse.Namespace, scenario: Scenario, checking: Background) -> int:
    """``sosim run`` once the scenario is loaded and its capacity check started."""
    from sim.capacity.network import overload_warnings
    from sim.outputs.glance import glance_text
    from sim.outputs.naming import command_record
    from sim.outputs.report import kpi_table
    from sim.outputs.runner import run
    from sim.outputs.size import run_size
    from sim.outputs.writing import write_results

    reps = args.replications or scenario.simulation.replications
    years = args.years or (scenario.timeline and (scenario.timeline.first_year,
                                                  scenario.timeline.last_year))
    size = run_size(scenario, reps, years or None)
    if size.over_limit and not args.yes:
        print(f"sosim run: this run would simulate {size.describe()}; pass --yes to run it "
              "anyway, or shorten it with --set simulation.horizon_days=... or --replications.",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    from sim.outputs.folders import choose_out
    from sim.outputs.writing import scenario_hash

    seed = scenario.simulation.seed if args.seed is None else args.seed
    options = {"seed": seed, "replications": reps, "years": list(years) if years else None,
               "overrides": list(args.overrides), "events": not args.no_events,
               "figures": not args.no_figures}
    try:  # fail before a long run, not after it
        out, auto = choose_out(args.out, args.overwrite, Path("results") / scenario.name,
                               {"scenario": scenario_hash(scenario), **options})
    except ValueError as err:
        print(f"sosim run: --out: {err}; nothing was run.", file=sys.stderr)
        return EXIT_BAD_INPUT
    args.record = command_record("timeline" if years else "run", getattr(args, "argv", None),
                                 **options)

    import pandas as pd

    from sim.core.progress import progress_reports

    # an overloaded pool is named before the run, which still completes; --quiet never hides it
    capacity = pd.DataFrame(checking.wait())  # as capacity_report makes it
    _warn(overload_warnings(capacity))
    if years:
        return _run_timeline(args, scenario, years, out, auto)
    with progress_reports(not args.quiet, scenario.name, reps, unit="replications") as report:
        results = run(scenario, seed=args.seed, replications=args.replications,
                      progress=report, workers=args.workers,  # matplotlib, for the figures
                      meanwhile=None if args.no_figures else "sim.outputs.figures")
    results.overrides = tuple(args.overrides)
    results.capacity = capacity  # the same scenario's check: once per run
    print(glance_text(results) + "\n")
    print(kpi_table(results))
    path = write_results(results, out, events=not args.no_events, figures=not args.no_figures,
                         manifest={"command": args.record}, overwrite=args.overwrite)
    _written(args, path, auto, "run")
    return EXIT_OK


def _written(args: argparse.Namespace, path: Path, auto: bool, kind: str) -> None:
    """Point ``latest`` at a folder sosim named itself, and say where the outputs are."""
    from sim.outputs.folders import point_latest

    if auto:
        point_latest(path, kind, args.overrides)
    if not args.quiet:
        print(f"\noutputs written to {path}/")


def _run_timeline(args: argparse.Namespace, scenario, years: tuple[int, int],  # noqa: ANN001
                  out: Path, auto: bool) -> int:
    from sim.core.progress import progress_display
    from sim.timeline import format_timeline, run_timeline, write_timeline

    with progress_display(not args.quiet, scenario.name, years[1] - years[0] + 1,
                          unit="years") as advance:
        tl = run_timeline(scenario, years=years, seed=args.seed, replications=args.replications,
                          progress=lambda done, total: advance(1), doc=_document(args),
                          conversion_ends=args.conversion_ends)
    tl.overrides = tuple(args.overrides)
    print(format_timeline(tl))
    path = write_timeline(tl, out, figures=not args.no_figures, manifest={"command": args.record},
                          overwrite=args.overwrite)
    _written(args, path, auto, "timeline")
    return EXIT_OK


def cmd_rerun(args: argparse.Namespace) -> int:
    from sim.rerun import RerunRefused, rerun

    try:
        report = rerun(args.manifest, args.out, overwrite=args.overwrite)
    except RerunRefused as err:
        print(f"sosim rerun: {err}; nothing was run.", file=sys.stderr)
        return EXIT_BAD_INPUT
    for name, (was, now) in report.version_changes.items():
        _warn([f"{name} was {was} when the output was made and is {now} now"])
    if report.identical:
        print(f"{report.kind} reproduced bit for bit into {report.out_dir}/: "
              f"{', '.join(report.matched)}")
        return EXIT_OK
    if report.differed:
        print(f"NOT reproduced ({report.kind}): {', '.join(report.differed)} differ from the "
              f"manifest's checksums (new outputs in {report.out_dir}/)", file=sys.stderr)
    if report.tampered:
        print(f"NOT reproduced ({report.kind}): {', '.join(report.tampered)} in "
              f"{report.source_dir}/ changed "
              "after it was written (it no longer matches its manifest; the rerun does, in "
              f"{report.out_dir}/)", file=sys.stderr)
    return EXIT_FAILURE


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sosim`` command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    args.argv = argv  # recorded in manifests, for sosim rerun
    from sim.scenario.errors import ScenarioError

    try:
        return args.handler(args)
    except ScenarioError as err:
        n = len(err.problems)
        print(f"{err}\nsosim: {n} problem{'s' if n != 1 else ''} in the scenario; nothing was run.",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # e.g. piped into `head`: not an error of ours
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return EXIT_OK
    except OSError as err:  # a file it cannot read, a folder it cannot write: any command
        from sim._exits import os_problem, refuse

        return refuse(args.command, os_problem(err), "stopped")
    except KeyboardInterrupt:
        print("\nsosim: interrupted; no partial outputs were written.", file=sys.stderr)
        return 130


def entry() -> NoReturn:
    """The ``sosim`` console script (and ``python -m sim``): :func:`main`, then a quick exit.

    A run leaves hundreds of megabytes of tables and simulation objects behind, and
    freeing them one by one at interpreter shutdown took 0.2 s of a 3 s ``sosim run``
    (issue #24). Every output is written, closed and flushed to disk by then, so the exit
    handlers are run (logging, temporary folders), the output streams flushed, and the
    process ends without that teardown. :func:`main` itself returns, for tests and callers.
    """
    code = main()
    atexit._run_exitfuncs()  # what a normal exit runs first
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe (`| head`) is not our error
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()
