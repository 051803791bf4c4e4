"""``sosim compare``, ``sosim replications`` and ``sosim warmup``.

    sosim compare A.yaml B.yaml [C.yaml ...]        [run options] [--kpi K ...]
    sosim compare A.yaml --vary triage.ai.accuracy=0.8,0.87,0.95   [run options]
    sosim replications SCENARIO --kpi time_to_opinion_h.mean --precision 0.05 [--max 50]
    sosim warmup SCENARIO [--out DIR] [--measure in_system] [--window 7]

Run options: ``--replications``, ``--seed``, ``--set`` (applied to every scenario),
``--out``, ``--executor serial|processes|dask``, ``--workers N``,
``--scheduler tcp://host:8786``, ``--quiet``. ``compare`` keeps its runs in a
resumable study folder (default ``results/compare/<labels>-<hash>``): run the same
command again after an interruption and only the missing replications run.

This module stays light (argparse only); the handlers import what they need.

Example:
    $ sosim compare scenarios/legacy_referral.yaml scenarios/baseline.yaml --replications 5
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim._exits import EXIT_OK, refuse

KINDS = ("serial", "processes", "dask")
MEASURES = ("in_system", "queue_length", "time_to_opinion_h", "time_to_match_h")


def _run_options(sp: argparse.ArgumentParser, out_help: str) -> None:
    sp.add_argument("--seed", type=int, default=None, help="random seed (default: the scenario's)")
    sp.add_argument("--out", type=Path, default=None, help=out_help)
    sp.add_argument("--executor", choices=KINDS, default="processes",
                    help="where replications run (default: processes, one per core)")
    sp.add_argument("--workers", type=int, default=None, help="worker processes (default: cores)")
    sp.add_argument("--scheduler", default=None, metavar="ADDRESS",
                    help="Dask scheduler, e.g. tcp://host:8786 (with --executor dask)")
    sp.add_argument("--quiet", action="store_true", help="print only the results")
    sp.add_argument("--overwrite", "--force", dest="overwrite", action="store_true",
                    help="replace (a study: start over) the outputs of an earlier sosim "
                         "command in --out")


def register(sub: Any, scenario_args: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add the ``compare``, ``replications`` and ``warmup`` commands to ``sosim``."""
    cmp = sub.add_parser("compare", help="compare scenarios on common random numbers")
    scenario_args(cmp)
    cmp.add_argument("others", nargs="*", type=Path, metavar="SCENARIO",
                     help="more scenario files; each is compared with the first")
    cmp.add_argument("--vary", action="append", default=[], metavar="KEY=V1,V2,...",
                     help="compare values of one setting of a single scenario, e.g. "
                          "--vary triage.ai.accuracy=0.8,0.87 (repeatable: all combinations)")
    cmp.add_argument("--replications", type=int, default=None,
                     help="paired replications (default: the first scenario's)")
    cmp.add_argument("--kpi", action="append", default=None, metavar="KPI",
                     help="KPIs to show (repeatable; a trailing * matches a prefix; "
                          "default: the headline KPIs)")
    cmp.add_argument("--batch", type=int, default=None, help="replications per task")
    _run_options(cmp, "study folder (default: results/compare/<labels>-<hash>)")
    cmp.set_defaults(handler=cmd_compare)

    rep = sub.add_parser("replications", help="how many replications for a given precision")
    scenario_args(rep)
    rep.add_argument("--kpi", default="time_to_opinion_h.mean", help="KPI to estimate")
    rep.add_argument("--precision", type=float, default=0.05,
                     help="target relative half-width of the interval (default 0.05)")
    rep.add_argument("--max", dest="max_replications", type=int, default=50,
                     help="stop after this many replications (default 50)")
    rep.add_argument("--lookahead", type=int, default=5,
                     help="replications the precision must hold for after n (default 5)")
    _run_options(rep, "output folder for replications.csv (default: a new "
                      "results/replications/<name>/<UTC time>-<hash>/)")
    rep.set_defaults(handler=cmd_replications)

    warm = sub.add_parser("warmup", help="warm-up analysis: MSER-5 and Welch's plot")
    scenario_args(warm)
    warm.add_argument("--replications", type=int, default=None,
                      help="replications (default: the scenario's)")
    warm.add_argument("--measure", choices=MEASURES, default="in_system",
                      help="series per day: cases in the system (default), specialist queue "
                           "length, or mean time of the cases arriving that day")
    warm.add_argument("--window", type=int, default=7, help="Welch moving-average half-width")
    warm.add_argument("--period-hours", type=float, default=24.0, help="period (default a day)")
    _run_options(warm, "folder for welch.png and series.csv (default: a new "
                       "results/warmup/<name>/<UTC time>-<hash>/)")
    warm.set_defaults(handler=cmd_warmup)


_bad = refuse  # sosim <command>: <message>; nothing was run. (exit status 2)


def _check_numbers(args: argparse.Namespace) -> str | None:
    for name, least in (("seed", 0), ("replications", 1), ("workers", 1), ("batch", 1),
                        ("max_replications", 3), ("lookahead", 1), ("window", 1)):
        value = getattr(args, name, None)
        if value is not None and value < least:
            return f"--{name.replace('_replications', '')} must be at least {least} (got {value})"
    if args.scheduler and args.executor != "dask":
        return "--scheduler needs --executor dask"
    if not 0 < getattr(args, "precision", 0.5) < 1:
        return f"--precision must be between 0 and 1 (got {args.precision})"
    return None


def _executor(args: argparse.Namespace) -> Any:
    from sim.experiment.executors import make_executor

    return make_executor(args.executor, args.workers, args.scheduler)


def _parse_vary(items: list[str]) -> list[tuple[str, list[str]]]:
    out = []
    for item in items:
        key, sep, values = item.partition("=")
        raw = [v.strip() for v in values.split(",")]
        if not sep or not key.strip() or not all(raw):
            raise ValueError(f"--vary {item!r}: expected KEY=V1,V2,..., "
                             "e.g. triage.ai.accuracy=0.8,0.87")
        out.append((key.strip(), raw))
    return out


def _label(vary: list[tuple[str, list[str]]], combo: tuple[str, ...]) -> str:
    """``ai`` for a text value of a single --vary, else ``oncology=4`` parts joined by commas."""
    import yaml

    if len(vary) == 1 and isinstance(yaml.safe_load(combo[0]), str):
        return combo[0]
    return ",".join(f"{k.rsplit('.', 1)[-1]}={v}" for (k, _), v in zip(vary, combo, strict=True))


def cmd_compare(args: argparse.Namespace) -> int:
    if problem := _check_numbers(args):
        return _bad("compare", problem)
    try:
        vary = _parse_vary(args.vary)
    except ValueError as err:
        return _bad("compare", str(err))
    if vary and args.others:
        return _bad("compare", "give several scenario files or --vary, not both")
    if not vary and not args.others:
        return _bad("compare", "nothing to compare: give two or more scenario files, or --vary")
    from sim.experiment.compare import compare
    from sim.experiment.study import StudyMismatch
    from sim.outputs.folders import OutputRefused, restart_study
    from sim.outputs.naming import command_record

    scenarios, labels, params = _compare_points(args, vary)
    reps = args.replications or scenarios[0].simulation.replications
    seed = scenarios[0].simulation.seed if args.seed is None else args.seed
    out = args.out if args.out is not None else _compare_folder(scenarios, labels, params, seed,
                                                                reps, args.batch)
    try:
        restart_study(out, args.overwrite)
    except OutputRefused as err:
        return _bad("compare", f"--out: {err}")
    try:
        with _executor(args) as ex:
            if not args.quiet:
                from sim.experiment.estimate import study_size_line
                from sim.experiment.executors import executor_workers

                print(f"comparing {len(scenarios)} scenarios: " + study_size_line(
                    scenarios[0], len(scenarios) * reps, executor_workers(ex), seed),
                    file=sys.stderr, flush=True)
            result = compare(scenarios, seed=seed, replications=reps, executor=ex, folder=out,
                             labels=labels, params=params, batch=args.batch,
                             progress=not args.quiet)
    except StudyMismatch as err:
        return _bad("compare", f"--out: {err}")
    except KeyboardInterrupt:
        saved = len(list(out.glob("tasks/**/*.parquet")))
        print(f"\nsosim compare: interrupted; {saved} finished task(s) are saved in {out}/; "
              "run the same command again to resume.", file=sys.stderr)
        return 130
    record = command_record("compare", getattr(args, "argv", None), labels=labels,
                            params=params, seed=seed, replications=reps, batch=args.batch,
                            overrides=list(args.overrides))
    return _print_comparison(args, result, out, record)


def _compare_points(args: argparse.Namespace, vary: list[tuple[str, list[str]]]
                    ) -> tuple[list[Any], list[str], list[dict[str, Any]]]:
    """The scenarios to compare, their labels and the parameters that made them."""
    import itertools

    import yaml

    from sim.loading import load_scenario

    params: list[dict[str, Any]] = []
    labels: list[str] = []
    if vary:  # loaded from the file, so a bad value is reported like --set
        scenarios = []
        for combo in itertools.product(*(values for _, values in vary)):
            sets = [f"{k}={v}" for (k, _), v in zip(vary, combo, strict=True)]
            scenarios.append(load_scenario(args.scenario, [*args.overrides, *sets]))
            params.append({k: yaml.safe_load(v) for (k, _), v in zip(vary, combo, strict=True)})
            labels.append(_label(vary, combo))
        return scenarios, labels, params
    scenarios = [load_scenario(p, args.overrides) for p in [args.scenario, *args.others]]
    for s in scenarios:
        label, k = s.name, 2
        while label in labels:
            label, k = f"{s.name}#{k}", k + 1
        labels.append(label)
    return scenarios, labels, [{} for _ in scenarios]


def _compare_folder(scenarios: list[Any], labels: list[str], params: list[dict[str, Any]],
                    seed: int, reps: int, batch: int | None) -> Path:
    """``results/compare/<labels>-<hash of what is compared>``: the same study, the same folder."""
    import hashlib
    import json

    from sim.outputs.writing import scenario_hash

    ident = json.dumps([[scenario_hash(s) for s in scenarios], labels, params, seed, reps,
                        batch], sort_keys=True, default=str)
    slug = "-vs-".join(labels)
    slug = "".join(c if c.isalnum() or c in "._-=" else "_" for c in slug)[:80]
    digest = hashlib.sha256(ident.encode()).hexdigest()[:8]
    return Path("results") / "compare" / f"{slug}-{digest}"


def _print_comparison(args: argparse.Namespace, result: Any, out: Path,
                      record: dict[str, Any]) -> int:
    """The comparison table, the differences file and (unless quiet) the headline sentences;
    the study is then sealed with ``record`` (its command) for ``sosim rerun``."""
    from sim.experiment.compare import HEADLINE
    from sim.outputs.files import atomic_write_text

    try:
        table = result.table(args.kpi or HEADLINE)
    except KeyError as err:
        from sim.scenario.suggest import unknown  # (sim.scenario is heavy: not for --help)

        name = str(err.args[0]).removeprefix("unknown KPI ").strip("'")
        return _bad("compare", "--kpi: " + unknown("KPI", name, result.kpi_names,
                                                   "docs/scenario-reference.md (KPIs)"))
    if args.overrides:  # applied to every compared scenario: say so above the table
        print("every scenario with " + " ".join(f"--set {o}" for o in args.overrides))
    print(table)
    diffs = result.differences()
    atomic_write_text(out / "differences.csv", diffs.to_csv())
    _seal(args, out, record)
    if not args.quiet:
        for kpi in ("time_to_match_h.mean", "time_to_opinion_h.mean"):
            for label in result.labels[1:]:
                print(result.sentence(kpi, label))
        print(f"\nstudy folder: {out}/ (results.parquet, differences.csv; re-run to resume)")
    return EXIT_OK


def _seal(args: argparse.Namespace, out: Path, command: dict[str, Any]) -> None:
    """Seal a finished study for ``sosim rerun``; point ``latest`` at a default folder."""
    from sim.experiment.outputs import seal_study
    from sim.outputs.folders import point_latest

    seal_study(out, command)
    if args.out is None:
        point_latest(out, command["kind"])


def cmd_replications(args: argparse.Namespace) -> int:
    if problem := _check_numbers(args):
        return _bad("replications", problem)
    from sim.loading import load_scenario

    scenario = load_scenario(args.scenario, args.overrides)
    seed = scenario.simulation.seed if args.seed is None else args.seed
    options = {"kpi": args.kpi, "precision": args.precision, "seed": seed,
               "max_replications": args.max_replications, "lookahead": args.lookahead,
               "overrides": list(args.overrides)}
    try:
        out, auto = _out(args, "replications", scenario, options)
    except ValueError as err:
        return _bad("replications", f"--out: {err}")
    from sim.experiment.stats import replications_needed

    ran = [0]

    def on_round(n: int) -> None:
        ran[0] = n
        if not args.quiet:
            print(f"{n} replications run", file=sys.stderr, flush=True)

    try:
        with _executor(args) as ex:
            result = replications_needed(
                scenario, args.kpi, args.precision, seed=args.seed,
                max_replications=args.max_replications, lookahead=args.lookahead,
                executor=ex, on_round=on_round)
    except KeyError as err:
        return _bad("replications", f"--kpi: {err.args[0]}")
    print(f"{args.kpi} of {_named(scenario, args)}")
    print(result)
    if (shown := len(result.table)) < ran[0]:  # replications run in rounds, one per worker
        print(f"(the table stops at n = {shown}, the answer plus {args.lookahead} to check it;\n"
              f" {ran[0]} ran because replications run in rounds, one per worker)")
    _write(args, out, auto, {"replications.csv": result.table.to_csv()},
           _fields("replications", scenario, args, options))
    return EXIT_OK


def _named(scenario: Any, args: argparse.Namespace) -> str:
    from sim.outputs.naming import scenario_label

    return scenario_label(scenario.name, args.overrides)


def _out(args: argparse.Namespace, kind: str, scenario: Any,
         options: dict[str, Any]) -> tuple[Path, bool]:
    """``--out`` checked, or a new results/<kind>/<name>/<UTC time>-<hash>/ folder."""
    from sim.outputs.folders import choose_out
    from sim.outputs.writing import scenario_hash

    return choose_out(args.out, args.overwrite, Path("results") / kind / scenario.name,
                      {"kind": kind, "scenario": scenario_hash(scenario), **options})


def _fields(kind: str, scenario: Any, args: argparse.Namespace,
            options: dict[str, Any]) -> dict[str, Any]:
    """The manifest of a small output: kind, scenario, overrides and the command."""
    from sim.outputs.naming import command_record
    from sim.outputs.writing import scenario_hash

    return {"kind": kind, "scenario_name": scenario.name,
            "scenario_hash": scenario_hash(scenario), "overrides": list(args.overrides),
            "scenario": scenario.model_dump(mode="json"),
            "command": command_record(kind, getattr(args, "argv", None), **options)}


def _write(args: argparse.Namespace, out: Path, auto: bool, files: dict[str, Any],
           fields: dict[str, Any], extra: Any = None) -> Path:
    from sim.experiment.outputs import write_small_output
    from sim.outputs.folders import point_latest

    path = write_small_output(out, files, fields, extra, overwrite=args.overwrite)
    if auto:
        point_latest(path, fields["kind"])
    if not args.quiet:
        print(f"outputs written to {path}/")
    return path


def cmd_warmup(args: argparse.Namespace) -> int:
    if problem := _check_numbers(args):
        return _bad("warmup", problem)
    from sim.loading import load_scenario

    scenario = load_scenario(args.scenario, args.overrides)
    from sim.experiment.outputs import series_by_replication, warmup_files
    from sim.experiment.stats import mser, welch_figure

    seed = scenario.simulation.seed if args.seed is None else args.seed
    reps = args.replications or scenario.simulation.replications
    period = args.period_hours
    options = {"seed": seed, "replications": reps, "measure": args.measure,
               "window": args.window, "period_hours": period, "overrides": list(args.overrides)}
    try:
        out, auto = _out(args, "warmup", scenario, options)
    except ValueError as err:
        return _bad("warmup", f"--out: {err}")
    with _executor(args) as ex:
        series = series_by_replication(scenario, seed, reps, args.measure, period, ex)
    if series.shape[1] < 4 * 5 or series.shape[1] < 2 * args.window + 2:
        return _bad("warmup", f"only {series.shape[1]} periods to analyse; lengthen "
                              "simulation.horizon_days or shorten --period-hours")
    mean = series.mean(axis=0).to_numpy()
    cut = mser(mean).truncation
    each = [mser(row).truncation for row in series.to_numpy()]
    unit = "days" if period == 24 else f"periods of {period:g} h"
    current = scenario.simulation.warmup_days * 24 / period
    path = _write(args, out, auto, warmup_files(series, args.window),
                  _fields("warmup", scenario, args, options),
                  lambda folder: welch_figure(series, args.window, folder / "welch.png",
                                              truncation=cut, warmup=current, period_h=period,
                                              label=args.measure.replace("_", " ")))
    png = path / "welch.png"
    print(f"{_named(scenario, args)}: {args.measure} over {reps} replications, "
          f"{series.shape[1]} {unit}")
    print(f"MSER-5 truncation of the mean series: {cut} {unit}")
    print(f"MSER-5 per replication: {', '.join(map(str, each))} (largest {max(each)})")
    print(f"scenario warm-up: {current:g} {unit} "
          f"({'enough' if current >= cut else 'SHORTER than MSER-5 suggests'})")
    if args.measure == "in_system" and current < cut and (
            scenario.appointments or scenario.intake or scenario.incomplete_records):
        print(textwrap.fill(
            "note: cases in the system include those waiting for records and appointments, "
            "delays with no shared capacity that keep filling after the specialist queues "
            "have settled and do not slow later cases. The KPIs count cases arriving after "
            "the warm-up: check the KPI itself with --measure time_to_opinion_h (and "
            "--measure queue_length for the queues).", 96))
    if not args.quiet:
        print(f"Welch plot: {png} (look for where the moving average levels off)")
    return EXIT_OK
