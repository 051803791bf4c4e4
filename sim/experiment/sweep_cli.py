"""``sosim sweep`` and ``sosim staffing``: parameter studies and staffing searches from the shell.

    sosim sweep SCENARIO --param KEY=SPEC [--param ...] [--design grid|oat|lhs|sobol|morris]
                [--samples N] [--replications R] [--seed S] [--set KEY=VALUE ...] [--out DIR]
                [--executor serial|processes|dask] [--workers N] [--scheduler ADDR]
                [--kpi KPI ...] [--quiet]
    sosim sweep SCENARIO --file sweep.yaml [any option above, which wins over the file]
    sosim staffing SCENARIO --target METRIC<=VALUE [--target ...] [--pool POOL ...]
                [--replications R] [--seed S] [--beta B] [--executor ...] [--out DIR]

A sweep prints the design's size, runs it as a resumable study (run the same command
again after an interruption and only the missing tasks run), then prints the analysis
that fits the design (tornado ranking, Sobol S1/ST, Morris mu*/sigma, or mean KPI by
level) and writes, next to the study's ``results.parquet`` (the tidy table),
``analysis/<kpi>.csv``, ``figures/<design>-<kpi>.png``, ``design.csv`` and ``sweep.json``.

A sweep file holds the same settings (a range may be written unquoted: ``4:12`` is read
as text here, not as YAML's base-60 number 252)::

    parameters:
      pools.in_house.specialists.oncology: 3:6
      triage.ai.accuracy: 0.7:0.95
      triage.policy: [ai, hybrid]
    design: sobol
    samples: 32
    replications: 3
    seed: 11
    kpis: [time_to_opinion_h.mean, time_to_opinion_h.p90]
    set: [simulation.horizon_days=120]

This module stays light (``register`` only adds arguments); the work is imported by the
handlers.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim._exits import EXIT_OK, refuse
from sim.experiment.cli import _run_options

_FILE_KEYS = ("parameters", "design", "samples", "replications", "seed", "kpis", "levels",
              "set", "batch")


def _executor_args(p: argparse.ArgumentParser, out_help: str) -> None:
    """``--replications`` and the options every experiment command shares (``--out`` ...)."""
    p.add_argument("--replications", type=int, default=None,
                   help="replications per design point (default: the scenario's)")
    _run_options(p, out_help)


def register(sub: Any, scenario_args: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add the ``sweep`` and ``staffing`` commands to ``sosim``'s subparsers."""
    sw = sub.add_parser("sweep", help="run a parameter study and rank what moves the KPIs")
    scenario_args(sw)
    sw.add_argument("--param", action="append", default=[], metavar="KEY=SPEC",
                    help="a parameter: 4:12, 4:12:2 (integers), 0.7:0.95 (float range), "
                         "legacy,ai,hybrid (values); repeatable")
    sw.add_argument("--file", type=Path, default=None, help="a sweep file (YAML)")
    sw.add_argument("--design", choices=("grid", "oat", "lhs", "sobol", "morris"), default=None,
                    help="design (default: grid)")
    sw.add_argument("--samples", type=int, default=None,
                    help="LHS points / Sobol base N / Morris trajectories")
    sw.add_argument("--levels", type=int, default=None,
                    help="levels of a float range in grid and oat designs (default 5)")
    sw.add_argument("--kpi", action="append", default=None, metavar="KPI",
                    help="KPI to analyse, e.g. time_to_opinion_h.p90 (repeatable)")
    _executor_args(sw, "study folder (default: results/sweeps/<scenario>-<design>-<hash>, "
                       "found again by the same command, which resumes it)")
    sw.set_defaults(handler=cmd_sweep)

    st = sub.add_parser("staffing", help="fewest specialists per queue meeting targets")
    scenario_args(st)
    st.add_argument("--target", action="append", default=[], metavar="METRIC<=VALUE",
                    help="e.g. specialist_wait_h.p90<=24 or utilisation<=0.85 (repeatable)")
    st.add_argument("--pool", action="append", default=None,
                    help="search only this pool (repeatable; records_team: the navigators, "
                         "slots: the appointment diaries)")
    st.add_argument("--beta", type=float, default=1.0,
                    help="square-root staffing margin of the starting point (default 1)")
    _executor_args(st, "folder for staffing.csv, path.csv, overrides.txt, staffed.yaml "
                       "(default: a new results/staffing/<name>/<UTC time>-<hash>/)")
    st.set_defaults(handler=cmd_staffing)


_fail = refuse  # sosim <command>: <message>; nothing was run. (exit status 2)


def _bad_run_args(args: argparse.Namespace) -> str | None:
    """What is wrong with the seed, workers or scheduler options, if anything."""
    if args.seed is not None and args.seed < 0:
        return f"--seed must be non-negative (got {args.seed})"
    if args.workers is not None and args.workers < 1:
        return f"--workers must be at least 1 (got {args.workers})"
    if args.scheduler and args.executor != "dask":
        return "--scheduler only applies to --executor dask"
    return None


def read_sweep_file(path: str | Path) -> dict[str, Any]:
    """A sweep file's settings; parameter specs are kept as written (ranges stay text)."""
    import yaml
    from yaml.nodes import MappingNode, ScalarNode

    text = Path(path).read_text(encoding="utf-8")
    try:
        node, data = yaml.compose(text, Loader=yaml.SafeLoader), yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ValueError(f"{path}: not valid YAML ({err})") from None
    if not isinstance(data, dict) or not isinstance(data.get("parameters"), dict):
        raise ValueError(f"{path}: a sweep file is a mapping with a 'parameters' mapping")
    if unknown := sorted(set(data) - set(_FILE_KEYS)):
        near = difflib.get_close_matches(unknown[0], _FILE_KEYS, n=1)
        raise ValueError(f"{path}: unknown key {unknown[0]!r}"
                         + (f" (did you mean {near[0]!r}?)" if near else ""))
    for key in ("set", "kpis"):
        if key in data and not (isinstance(data[key], list)
                                and all(isinstance(x, str) for x in data[key])):
            raise ValueError(f"{path}: {key} must be a list of strings (got {data[key]!r})")
    assert isinstance(node, MappingNode)
    params = next(v for k, v in node.value if k.value == "parameters")
    data["parameters"] = {k.value: v.value if isinstance(v, ScalarNode) else data["parameters"][
        k.value] for k, v in params.value}
    return data


def known_kpis(scenario: Any) -> list[str]:
    """Every KPI column a run of ``scenario`` has, from a one-day probe run (milliseconds)."""
    from sim.experiment.tasks import with_overrides
    from sim.outputs.runner import run

    probe = with_overrides(scenario, {"simulation.horizon_days": 1, "simulation.warmup_days": 0})
    return list(run(probe, replications=1).kpis.columns)


def cmd_sweep(args: argparse.Namespace) -> int:
    from sim.experiment.design import (
        DesignError,
        base_document,
        make_design,
        parameter,
        small_design_warning,
    )
    from sim.experiment.sensitivity import DEFAULT_KPIS
    from sim.loading import scenario_from_document

    try:
        spec = read_sweep_file(args.file) if args.file else {"parameters": {}}
        specs = dict(spec["parameters"])
        for text in args.param:
            key, sep, value = text.partition("=")
            if not sep or not value.strip():
                raise DesignError(f"--param expects KEY=SPEC, e.g. "
                                  f"pools.in_house.specialists.oncology=4:12 (got {text!r})")
            specs[key.strip()] = value.strip()
        params = [parameter(k, v) for k, v in specs.items()]
    except (ValueError, OSError) as err:
        return _fail("sweep", str(err))
    if problem := _bad_run_args(args):
        return _fail("sweep", problem)
    opts = {k: getattr(args, k) if getattr(args, k) is not None else spec.get(k)
            for k in ("design", "samples", "replications", "seed", "levels")}
    kpis = args.kpi or spec.get("kpis") or list(DEFAULT_KPIS)
    if opts["seed"] is not None and (not isinstance(opts["seed"], int) or opts["seed"] < 0):
        return _fail("sweep", f"seed must be a non-negative whole number (got {opts['seed']})")
    for name in ("samples", "replications", "levels", "batch"):
        value = opts[name] if name in opts else spec.get(name)
        if value is not None and (not isinstance(value, int) or value < 1):
            return _fail("sweep", f"{name} must be a whole number of at least 1 (got {value})")
    args.overrides = [*spec.get("set", []), *args.overrides]
    doc = base_document(args.scenario, args.overrides)
    scenario = scenario_from_document(doc)  # a bad file: ScenarioError, exit 2 in sim.cli
    known = known_kpis(scenario)
    if bad := [k for k in kpis if k not in known]:
        from sim.scenario.suggest import unknown

        return _fail("sweep", unknown("KPI", bad[0], known, "docs/scenario-reference.md (KPIs)"))
    kind = opts["design"] or "grid"
    seed = scenario.simulation.seed if opts["seed"] is None else opts["seed"]
    reps = opts["replications"] or scenario.simulation.replications
    try:
        design = make_design(kind, params, samples=opts["samples"], seed=seed,
                             levels=opts["levels"] or 5, base=scenario)
    except ValueError as err:
        return _fail("sweep", str(err))
    from sim.outputs.folders import OutputRefused, restart_study, run_id, study_folder

    args.record = _sweep_record(args, specs, kind, opts, seed, reps, kpis, spec, scenario)
    out = args.out or study_folder(Path("results") / "sweeps", f"{scenario.name}-{kind}",
                                   run_id({k: v for k, v in args.record.items() if k != "argv"}))
    try:
        restart_study(out, args.overwrite)
    except OutputRefused as err:
        return _fail("sweep", f"--out: {err}")
    print(f"{kind} design over {len(params)} parameter(s): {design.size} points x {reps} "
          f"replication(s) = {design.size * reps} runs; study folder {out}/")
    if small := small_design_warning(design):
        print(f"warning: {small}", file=sys.stderr)
    return _run_sweep(args, design, doc, out, seed, reps, kpis, spec.get("batch"))


def _sweep_record(args: argparse.Namespace, specs: dict[str, Any], kind: str,
                  opts: dict[str, Any], seed: int, reps: int, kpis: list[str],
                  spec: dict[str, Any], scenario: Any) -> dict[str, Any]:
    """The command a sweep's manifest records: what ``sosim rerun`` needs to repeat it."""
    from sim.outputs.naming import command_record
    from sim.outputs.writing import scenario_hash

    return command_record(
        "sweep", getattr(args, "argv", None), parameters=specs, design=kind,
        samples=opts["samples"], levels=opts["levels"] or 5, seed=seed, replications=reps,
        kpis=kpis, batch=spec.get("batch"), overrides=list(args.overrides),
        scenario_hash=scenario_hash(scenario), scenario=scenario.model_dump(mode="json"))


def _run_sweep(args: argparse.Namespace, design: Any, doc: Any, out: Path, seed: int,
               reps: int, kpis: list[str], batch: int | None) -> int:
    import pandas as pd

    from sim.experiment.design import small_design_warning
    from sim.experiment.estimate import study_size_line
    from sim.experiment.executors import executor_workers, make_executor
    from sim.experiment.sensitivity import run_sweep, write_analysis
    from sim.experiment.study import StudyMismatch
    from sim.outputs.writing import atomic_write_text

    points = design.scenarios(doc)  # every point valid before any worker starts
    try:
        with make_executor(args.executor, args.workers, args.scheduler) as ex:
            if not args.quiet:
                print(study_size_line(points[0][1], design.size * reps, executor_workers(ex),
                                      seed), flush=True)
            table = run_sweep(design, doc, out, ex, seed=seed, replications=reps,
                              batch=batch, progress=not args.quiet, points=points)
    except StudyMismatch as err:
        return _fail("sweep", str(err))
    results = write_analysis(out, design, table, kpis)
    from sim.experiment.outputs import seal_study
    from sim.outputs.folders import point_latest

    atomic_write_text(out / "sweep.json", json.dumps({
        "scenario": str(args.scenario), "design": design.kind, "samples": design.samples,
        "seed": seed, "replications": reps, "kpis": kpis, "set": list(args.overrides),
        "parameters": {p.key: list(p.levels) if p.levels else [p.low, p.high]
                       for p in design.parameters}}, indent=1, default=str) + "\n")
    seal_study(out, args.record)
    if args.out is None:
        point_latest(out, "sweep")
    title = {"oat": "tornado: KPI range as each parameter moves alone",
             "sobol": "Sobol indices (S1 alone, ST with interactions; 95% intervals)",
             "morris": "Morris screening (mu*: mean |change| across the range)"}.get(
        design.kind, "mean KPI by level")
    with pd.option_context("display.width", 120, "display.max_columns", 20,
                           "display.float_format", "{:,.4g}".format):
        for kpi, result in results.items():
            print(f"\n{kpi} - {title}\n{result.to_string(index=False)}")
    if small := small_design_warning(design):
        print(f"\nwarning: {small}", file=sys.stderr)
    print(f"\ntable, analysis and figures written to {out}/")
    return EXIT_OK


def cmd_staffing(args: argparse.Namespace) -> int:
    from sim.experiment.staffing import find_staffing, parse_target
    from sim.loading import load_scenario

    if not args.target:
        return _fail("staffing", "give at least one --target, e.g. specialist_wait_h.p90<=24")
    if problem := _bad_run_args(args):
        return _fail("staffing", problem)
    try:
        targets = [parse_target(t) for t in args.target]
    except ValueError as err:
        return _fail("staffing", str(err))
    scenario = load_scenario(args.scenario, overrides=args.overrides)
    reps = args.replications or max(scenario.simulation.replications, 3)
    seed = scenario.simulation.seed if args.seed is None else args.seed
    options = {"targets": list(args.target), "pools": args.pool, "replications": reps,
               "seed": seed, "beta": args.beta, "overrides": list(args.overrides)}
    if reps < 2:
        return _fail("staffing", f"--replications must be at least 2 for an interval (got {reps})")
    if args.pool and (bad := sorted(set(args.pool) - set(scenario.pools))):
        return _fail("staffing", f"no pool {bad[0]!r}; the pools are {', '.join(scenario.pools)}")
    from sim.experiment.cli import _fields, _named, _out, _write
    from sim.experiment.executors import make_executor

    try:
        out, auto = _out(args, "staffing", scenario, options)
    except ValueError as err:
        return _fail("staffing", f"--out: {err}")
    if not args.quiet:
        print(f"staffing search on {_named(scenario, args)}: targets "
              f"{', '.join(map(str, targets))}, {reps} replications, met when the 95% "
              "interval's far end meets the target",
              file=sys.stderr)
    with make_executor(args.executor, args.workers, args.scheduler) as ex:
        res = find_staffing(scenario, targets, pools=args.pool, replications=reps,
                            executor=ex, seed=args.seed, beta=args.beta,
                            progress=None if args.quiet else (
                                lambda line: print(line, file=sys.stderr, flush=True)))
    from sim.experiment.staffing_report import staffing_text, write_staffing

    path = _write(args, out, auto, {}, _fields("staffing", scenario, args, options),
                  lambda folder: write_staffing(res, scenario, folder))
    print(staffing_text(res, targets, scenario, path))
    return EXIT_OK
