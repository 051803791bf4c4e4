"""Reproduce any sosim output from its manifest, bit for bit, or refuse in one sentence.

Every folder sosim writes has a ``manifest.json`` naming its kind and the command that
made it, with what that command needs: the canonical scenario (with the ``--set``
overrides applied), seeds, replications, years, the study's tasks, the market files'
text. :func:`rerun` runs it again into a new folder and compares the data files'
SHA-256 checksums with the recorded ones (and with the original files, so that a file
changed after it was written is named):

=============  ========================================================================
kind           data files compared
=============  ========================================================================
run            cases, events, kpis, summary.csv, capacity.csv
timeline       timeline_kpis, timeline_summary.csv, market_scale.csv
compare        results.parquet, differences.csv
sweep          results.parquet, design.csv, analysis/*.csv
staffing       staffing.csv, path.csv, overrides.txt, staffed.yaml
market         projection, volumes, totals.csv, implied_rates.csv, compare.csv, report.*
warmup         series.csv, welch.csv
replications   replications.csv
fit            scenario.yaml, kpis.csv, distances.csv, holdout_*.csv, report.md
=============  ========================================================================

Figures, ``summary.json`` and ``sweep.json`` are not compared (fonts, timestamps, paths).
Anything else (a file that is not a sosim manifest, an output of an unknown kind or
written before sosim recorded commands, an unfinished study) is refused with a
:class:`RerunRefused` whose message is one sentence naming the file and the kind.

Example:
    >>> from sim.outputs.writing import write_results
    >>> first = write_results(results, "results/baseline", events=False, figures=False)
    >>> report = rerun(first / "manifest.json", "results/again")
    >>> report.identical, report.matched
    (True, ['capacity.csv', 'cases.parquet', 'kpis.parquet', 'summary.csv'])
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["REPRODUCED", "RerunRefused", "RerunReport", "read_manifest", "rerun"]

NOT_COMPARED = ("summary.json", "sweep.json", "manifest.json")
NOT_COMPARED_DIRS = ("figures/", "scenarios/", "tasks/")
DATA_SUFFIXES = (".parquet", ".csv", ".txt", ".json", ".yaml")


class RerunRefused(ValueError):
    """The manifest cannot be rerun; the message says why in one sentence."""


@dataclass
class RerunReport:
    """What a rerun reproduced."""

    out_dir: Path
    kind: str = "run"
    source_dir: Path | None = None
    """The folder of the output that was rerun."""
    matched: list[str] = field(default_factory=list)
    differed: list[str] = field(default_factory=list)
    tampered: list[str] = field(default_factory=list)
    """Files of the original folder that no longer match its manifest."""
    version_changes: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)

    @property
    def identical(self) -> bool:
        return bool(self.matched) and not self.differed and not self.tampered


def _compared(path: str) -> bool:
    return (path.endswith(DATA_SUFFIXES) and path not in NOT_COMPARED
            and not path.startswith(NOT_COMPARED_DIRS))


def read_manifest(path: Path) -> tuple[dict[str, Any], str]:
    """The manifest at ``path`` and its kind; :class:`RerunRefused` if it is not one."""
    try:
        m = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise RerunRefused(f"{path}: cannot read it ({err.strerror or err})") from None
    except ValueError:
        raise RerunRefused(f"{path} is not a sosim manifest (it is not JSON)") from None
    if not isinstance(m, dict) or m.get("generator") != "sosim":
        if isinstance(m, dict) and m.get("kind") == "sosim study":
            raise RerunRefused(f"{path} is the manifest of an unfinished study; run its "
                               "command again to finish it, then rerun")
        raise RerunRefused(f"{path} is not a sosim manifest.json "
                           "(it has no \"generator\": \"sosim\")")
    if m.get("complete") is not True:
        raise RerunRefused(f"{path} describes an output that was never completed")
    command = m.get("command") if isinstance(m.get("command"), dict) else {}
    kind = command.get("kind") or m.get("kind") or "run"
    if not isinstance(m.get("files"), list):
        raise RerunRefused(f"{path} lists no files with checksums, so there is nothing to "
                           "compare a rerun with")
    return m, str(kind)


def _scenario(m: dict[str, Any], path: Path) -> Any:
    from pydantic import ValidationError

    from sim.outputs.writing import scenario_hash
    from sim.scenario.models import Scenario

    try:
        scenario = Scenario.model_validate(m["scenario"])
    except (KeyError, TypeError, ValidationError):
        raise RerunRefused(f"{path} holds no valid scenario, so its run cannot be "
                           "repeated") from None
    if scenario_hash(scenario) != m.get("scenario_hash"):
        raise RerunRefused(f"{path}: its scenario does not match its recorded hash; "
                           "the manifest was edited")
    return scenario


def _figures(m: dict[str, Any]) -> bool:
    return any(f["path"].startswith("figures/") for f in m["files"])


def _run(m: dict[str, Any], path: Path, out: Path) -> None:
    from sim.capacity.network import capacity_in_background
    from sim.engine.plan import build_plan

    scenario = _scenario(m, path)
    checking = capacity_in_background(build_plan(scenario))  # as sosim run does (issue #24)
    try:
        import pandas as pd

        from sim.outputs.runner import run
        from sim.outputs.writing import write_results

        capacity = pd.DataFrame(checking.wait())
        figures = _figures(m)
        results = run(scenario, seed=m["seed"], replications=m["replications"],
                      meanwhile="sim.outputs.figures" if figures else None)
    finally:
        checking.cancel()
    results.overrides = tuple(m.get("overrides", ()))
    results.capacity = capacity  # the same scenario's check: once per run
    write_results(results, out, events=any(f["path"].startswith("events")
                                           for f in m["files"]),
                  figures=figures, manifest=_again(m, path), overwrite=CHECKED)


def _timeline(m: dict[str, Any], path: Path, out: Path) -> None:
    from sim.timeline import run_timeline, write_timeline

    first, last = m["years"]
    tl = run_timeline(_scenario(m, path), years=(first, last), seed=m["seed"],
                      replications=m["replications"])
    tl.overrides = tuple(m.get("overrides", ()))
    write_timeline(tl, out, figures=_figures(m), manifest=_again(m, path), overwrite=CHECKED)


def _again(m: dict[str, Any], path: Path) -> dict[str, Any]:
    """Manifest fields of the rerun: the same command (so it can be rerun too), and whence."""
    return {"command": m.get("command"), "rerun_of": str(path.resolve())}


def _study(m: dict[str, Any], path: Path, out: Path) -> Any:
    """Run the study's recorded tasks (same keys, scenarios, seeds) into ``out``."""
    from sim.experiment.executors import SerialExecutor
    from sim.experiment.study import run_study
    from sim.experiment.tasks import Task
    from sim.outputs.writing import scenario_hash
    from sim.scenario.models import Scenario

    scenarios: dict[str, Any] = {}
    tasks = []
    for row in m["tasks"]:
        h = row["scenario_hash"]
        if h not in scenarios:
            file = path.parent / "scenarios" / f"{h[:16]}.json"
            try:
                scenarios[h] = Scenario.model_validate_json(file.read_bytes())
            except (OSError, ValueError):
                raise RerunRefused(f"{path}: its study scenario {file.name} is missing or "
                                   "unreadable") from None
            if scenario_hash(scenarios[h]) != h:
                raise RerunRefused(f"{path}: its study scenario {file.name} was edited")
        tasks.append(Task(row["key"], scenarios[h], row["seed"], tuple(row["replications"]),
                          row["params"]))
    return run_study(out, tasks, SerialExecutor(), progress=False,
                     description=m.get("description", ""))


def _compare(m: dict[str, Any], path: Path, out: Path) -> None:
    from sim.experiment.compare import Comparison
    from sim.experiment.outputs import seal_study
    from sim.outputs.files import atomic_write_text

    labels = tuple(m["command"]["labels"])
    table = _study(m, path, out)
    atomic_write_text(out / "differences.csv", Comparison(table, labels).differences().to_csv())
    seal_study(out, {**m["command"], "rerun_of": str(path.resolve())})


def _sweep(m: dict[str, Any], path: Path, out: Path) -> None:
    from sim.experiment.design import make_design, parameter
    from sim.experiment.outputs import seal_study
    from sim.experiment.sensitivity import write_analysis

    c = m["command"]
    table = _study(m, path, out)
    base = _scenario(c, path)
    design = make_design(c["design"], [parameter(k, v) for k, v in c["parameters"].items()],
                         samples=c["samples"], seed=c["seed"], levels=c["levels"], base=base)
    write_analysis(out, design, table, c["kpis"])
    seal_study(out, {**c, "rerun_of": str(path.resolve())})


def _staffing(m: dict[str, Any], path: Path, out: Path) -> None:
    from sim.experiment.executors import SerialExecutor
    from sim.experiment.outputs import write_small_output
    from sim.experiment.staffing import find_staffing
    from sim.experiment.staffing_report import write_staffing

    c = m["command"]
    scenario = _scenario(m, path)
    res = find_staffing(scenario, c["targets"], pools=c["pools"],
                        replications=c["replications"], executor=SerialExecutor(),
                        seed=c["seed"], beta=c["beta"])
    write_small_output(out, {}, {**_fields(m), **_again(m, path)},
                       lambda folder: write_staffing(res, scenario, folder), overwrite=CHECKED)


def _fields(m: dict[str, Any]) -> dict[str, Any]:
    keep = ("kind", "scenario_name", "scenario_hash", "seed", "replications", "overrides",
            "scenario")
    return {k: m[k] for k in keep if k in m}


def _market(m: dict[str, Any], path: Path, out: Path) -> None:
    from sim.market.load import market_from_text
    from sim.market.output import write_market_outputs
    from sim.market.projection import project

    c = m["command"]
    docs = [c.get("market_document"), c.get("other_document")]
    if not isinstance(docs[0], dict):
        raise RerunRefused(f"{path} is a market output from before market files were kept in "
                           "the manifest; run sosim market on the file again instead")
    market, other = (project(market_from_text(d["text"], file=d["file"])) if d else None
                     for d in docs)
    write_market_outputs(market, out, c["year"], other, figures=_figures(m),
                         manifest={"command": c, "rerun_of": str(path.resolve())},
                         overwrite=CHECKED)


def _warmup(m: dict[str, Any], path: Path, out: Path) -> None:
    from sim.experiment.executors import SerialExecutor
    from sim.experiment.outputs import series_by_replication, warmup_files, write_small_output

    c = m["command"]
    series = series_by_replication(_scenario(m, path), c["seed"], c["replications"], c["measure"],
                           c["period_hours"], SerialExecutor())
    write_small_output(out, warmup_files(series, c["window"]), {**_fields(m), **_again(m, path)},
                       overwrite=CHECKED)


def _replications(m: dict[str, Any], path: Path, out: Path) -> None:
    from sim.experiment.executors import SerialExecutor
    from sim.experiment.outputs import write_small_output
    from sim.experiment.stats import replications_needed

    c = m["command"]
    result = replications_needed(_scenario(m, path), c["kpi"], c["precision"], seed=c["seed"],
                                 max_replications=c["max_replications"],
                                 lookahead=c["lookahead"], executor=SerialExecutor())
    write_small_output(out, {"replications.csv": result.table.to_csv()},
                       {**_fields(m), **_again(m, path)}, overwrite=CHECKED)


def _fit(m: dict[str, Any], path: Path, out: Path) -> None:
    from sim.fit.api import rerun_fit
    from sim.outputs.files import sha256_file

    c = m["command"]
    log = Path(c["log"])
    if not log.is_file() or sha256_file(log) != c["log_sha256"]:
        raise RerunRefused(f"{path}: its event log {log} is missing or has changed since the "
                           "fit (its SHA-256 differs), so the fit cannot be repeated")
    rerun_fit(c, out, rerun_of=str(path.resolve()))


CHECKED = True
"""The writers may replace ``out``: :func:`_target` has checked it with the user's ``overwrite``."""

REPRODUCED: dict[str, Callable[[dict[str, Any], Path, Path], None]] = {
    "run": _run, "timeline": _timeline, "compare": _compare, "sweep": _sweep,
    "staffing": _staffing, "market": _market, "warmup": _warmup,
    "replications": _replications, "fit": _fit}
"""The kinds of output :func:`rerun` reproduces, and how."""


def _target(path: Path, out_dir: str | os.PathLike[str] | None, overwrite: bool) -> Path:
    from sim.outputs.folders import check_overwrite, utc_stamp

    folder = path.parent.resolve()  # results/x/latest/manifest.json: the real folder
    out = Path(out_dir) if out_dir is not None else folder.with_name(
        f"{folder.name}-rerun-{utc_stamp()}")
    try:
        check_overwrite(out, overwrite)
    except ValueError as err:
        raise RerunRefused(f"--out: {err}") from None
    return out


def rerun(manifest: str | os.PathLike[str], out_dir: str | os.PathLike[str] | None = None,
          overwrite: bool = False) -> RerunReport:
    """Reproduce the output ``manifest`` describes into ``out_dir`` and compare its data files.

    ``manifest`` may also be the output folder or a ``latest.json`` pointer. Raises
    :class:`RerunRefused` (one sentence) for anything it cannot reproduce.
    """
    from sim.outputs.files import sha256_file
    from sim.outputs.folders import follow_pointer
    from sim.outputs.writing import dependency_versions

    path = follow_pointer(manifest)
    m, kind = read_manifest(path)
    reproduce = REPRODUCED.get(kind)
    if reproduce is None:
        argv = " ".join((m.get("command") or {}).get("argv", [])) or f"sosim {kind}"
        raise RerunRefused(f"{path} is a {kind} output, which sosim rerun does not reproduce; "
                           f"run its command again instead: {argv}")
    if kind != "run" and not isinstance(m.get("command"), dict):
        raise RerunRefused(f"{path} is a {kind} output written before sosim recorded its "
                           "command, so it cannot be rerun")
    out = _target(path, out_dir, overwrite)
    try:
        reproduce(m, path, out)
    except (KeyError, TypeError) as err:
        raise RerunRefused(f"{path} lacks what a {kind} rerun needs ({err})") from None
    fresh = {f["path"]: f["sha256"] for f in
             json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]}
    report = RerunReport(out, kind, path.parent)
    recorded = {f["path"]: f["sha256"] for f in m["files"]}
    for name in sorted(p for p in recorded if _compared(p)):
        (report.matched if fresh.get(name) == recorded[name] else report.differed).append(name)
        original = path.parent / name
        if original.is_file() and sha256_file(original) != recorded[name]:
            report.tampered.append(name)
    if not report.matched and not report.differed:
        raise RerunRefused(f"{path} lists no data files of a {kind} output to compare with")
    now = dependency_versions()
    report.version_changes = {k: (v, now.get(k)) for k, v in m.get("versions", {}).items()
                              if now.get(k) != v}
    return report
