"""``sim.fit``: event log in, fitted scenario and fidelity report out.

Example:
    >>> import sim
    >>> result = sim.fit("events.parquet", out="fitted.yaml", replications=2, figures=False)
    >>> result.scenario.pools["in_house"].specialists
    {'cardiology': 2, 'neurology': 2, 'oncology': 4, 'orthopedics': 2, 'other': 3}
    >>> result.fidelity.kpis.loc["time_to_opinion_h.mean", ["log", "simulated"]].round(2).tolist()
    [43.36, 35.53]
    >>> print(result.report)          # 14 days: too short for the first 10 to forecast the rest
    # Fit of events.parquet
    <BLANKLINE>
    **fit rejected: on the held-out last part of the log (cases arriving after hour 233), ...**
    <BLANKLINE>
    470 cases from 2026-01-05 over 14 days.
    ...
    >>> sorted(p.name for p in Path("fitted_fit").iterdir())    # the report, not the scenario
    ['distances.csv', 'holdout_distances.csv', 'holdout_kpis.csv', 'kpis.csv', 'manifest.json',
     'report.md', 'scenario.yaml']
    >>> sorted(result.paths), Path("fitted.yaml").exists()
    (['report'], False)
    >>> sim.fit("events.parquet", out="fitted.yaml", simulate=False)
    Traceback (most recent call last):
    ...
    sim.outputs.folders.OutputRefused: .../fitted_fit holds the outputs of an earlier sosim ...

Nothing is written when the log or the map is bad (:class:`~sim.fit.read.LogError` or
:class:`~sim.scenario.errors.ScenarioError`, naming rows, columns and fields); the scenario
file and the report folder are written atomically, each complete or not at all.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.fit.build import fit_scenario
from sim.fit.fidelity import Fidelity, fidelity
from sim.fit.fitted_scenario import FittedScenario
from sim.fit.gate import HOLDOUT, Verdict, holdout_split, judge, truncate
from sim.fit.mapping import load_map
from sim.fit.read import Log, read_log
from sim.fit.yaml_out import to_yaml


@dataclass(frozen=True)
class FitResult:
    """What :func:`fit` produced."""

    log: Log
    fitted: FittedScenario
    yaml: str
    scenario: object  # the validated sim.scenario.Scenario
    fidelity: Fidelity | None
    report: str
    paths: dict[str, Path]
    verdict: Verdict | None = None


def _fmt(x: float) -> str:
    return "" if pd.isna(x) else f"{x:,.3g}" if abs(x) < 100 else f"{x:,.0f}"


def _kpi_table(kpis: pd.DataFrame) -> list[str]:
    lines = ["| KPI | log | simulated | interval | inside |", "|---|---|---|---|---|"]
    for kpi, r in kpis.iterrows():
        lines.append(f"| {kpi} | {_fmt(r['log'])} | {_fmt(r['simulated'])} | "
                     f"[{_fmt(r['low'])}, {_fmt(r['high'])}] | "
                     f"{'yes' if r['inside'] else 'NO'} |")
    return lines


def report_markdown(log: Log, fitted: FittedScenario, fid: Fidelity | None,
                    verdict: Verdict | None = None) -> str:
    """The fidelity report as Markdown (also readable in a terminal)."""
    t = fitted.table
    lines = [f"# Fit of {log.file}", ""]
    if verdict is not None:
        lines += [f"**{verdict.line}**", ""]
    lines += [
             f"{len(t)} cases from {log.start} over {fitted.scenario['simulation']['horizon_days']}"
             " days.", ""]
    lines += [f"- {n}" for n in fitted.notes]
    lines += ["", "## Fitted durations (working hours)", "", "| stage | n | fit | mean [95% CI] |",
              "|---|---|---|---|"]
    for name, fd in fitted.durations.items():
        lines.append(f"| {name} | {fd.n} | {fd.spec['dist']} | {fd.mean:.3g} "
                     f"[{fd.mean_ci[0]:.3g}, {fd.mean_ci[1]:.3g}] |")
    if fitted.staffing is not None:
        st = fitted.staffing
        lines += ["", "## Staffing and routing", "", "| pool | line | specialists | evidence |",
                  "|---|---|---|---|"]
        for pool, by_line in st.specialists.items():
            for line_name, f in by_line.items():
                lines.append(f"| {pool} | {line_name} | {f.value} | {f.note} |")
        lines.append("")
        lines += [f"- utilisation of {pool}: {f.value:.3f} ({f.note})"
                  for pool, f in st.utilisation.items()]
        lines += [f"- share of reviews by pool: {st.pool_share['all'].note}",
                  f"- routing: {st.routing['policy'].value} ({st.routing['policy'].note})"]
    lines += ["", "## Calendars", ""]
    lines += [f"- **{k}**: {c.spec.days if c.spec else '24x7'} "
              f"{c.spec.hours if c.spec else ''} ({c.note})" for k, c in fitted.calendars.items()]
    if fid is not None:
        lines += ["", "## Log against simulation (the whole log)", "",
                  "Simulation: mean of the replications and its run-to-run 95% interval.", ""]
        lines += _kpi_table(fid.kpis)
        if verdict is not None:
            lines += ["", f"## The gate: fitted before hour {verdict.split_h:.0f}, judged on "
                      "the cases arriving after it", "", "Family-wise 95% run-to-run intervals "
                      "(each KPI's at 1 - 0.05/k, Bonferroni).", ""]
            lines += _kpi_table(verdict.fidelity.kpis)
        lines += ["", "## Distances (Chapela-Campa et al. 2023)", "",
                  "| measure | mean over replications | sd |", "|---|---|---|"]
        for m, r in fid.distances.iterrows():
            lines.append(f"| {m} | {r['mean']:.4g} | {r['sd']:.2g} |")
        lines += ["", "![overlays](figures/overlays.png)"]
    return "\n".join(lines) + "\n"


def fit(log: str | os.PathLike[str], map: str | os.PathLike[str] | None = None,  # noqa: A002
        *, out: str | os.PathLike[str] | None = None, name: str | None = None,
        replications: int = 5, seed: int = 1, simulate: bool = True,
        figures: bool = True, overwrite: bool = False, part: str | None = None,
        holdout: float = HOLDOUT, accept_poor: bool = False,
        command: dict | None = None) -> FitResult:
    """Fit a scenario to an event log and measure how well it reproduces the log.

    ``map``: the map file (None: sosim's own event log). ``out``: where to write the scenario
    YAML; its report goes to the folder ``<out without suffix>_fit/`` (report.md, kpis.csv,
    distances.csv, holdout_kpis.csv, scenario.yaml, figures/overlays.png, manifest.json).
    ``simulate=False`` skips the fidelity runs. ``holdout``: the share of the log's span, at
    its end, on which the gate judges a scenario fitted to the rest (:mod:`sim.fit.gate`; 0
    turns it off); when it fails the report folder is written but the scenario file is not,
    unless ``accept_poor``. A report folder an earlier fit wrote is replaced only with
    ``overwrite=True`` (``OutputRefused``, checked before fitting). ``part``: the replication
    or platform to fit, in a log that holds several (the map's ``split``; sosim's own log
    carries its replications: ``"r0"``). ``command``: the manifest's record of the command.
    """
    from sim.outputs.writing import check_out_dir

    if out is not None:  # fail before the fit, not after it
        check_out_dir(_report_folder(Path(out)), overwrite)
    log_map = load_map(map) if map is not None else None  # None: sosim's own log
    parsed = read_log(log, log_map, part=part)
    stem = Path(out).stem if out else Path(log).stem
    fitted, text, scenario = _fit_text(parsed, name or _name(stem), replications, seed,
                                       Path(log).name, str(out or "fitted.yaml"))
    fid = fidelity(scenario, parsed, fitted, replications, seed) if simulate else None
    verdict = None
    if simulate and holdout > 0:
        split = holdout_split(parsed, holdout)
        first, _, first_scenario = _fit_text(truncate(parsed, split), scenario.name,
                                             replications, seed, Path(log).name, "first part")
        verdict = judge(first_scenario, parsed, first, fitted.table, split, replications, seed)
    report = report_markdown(parsed, fitted, fid, verdict)
    paths: dict[str, Path] = {}
    if out is not None:
        record = {**(command or _command(log, map, part, name, replications, seed, simulate,
                                         figures, holdout, accept_poor)),
                  "name": scenario.name}  # the name the scenario got, for sosim rerun
        write_scenario = verdict is None or verdict.passed or accept_poor
        paths = _write(Path(out), text, report, fid, verdict, figures, overwrite, record,
                       write_scenario)
    return FitResult(parsed, fitted, text, scenario, fid, report, paths, verdict)


def _fit_text(parsed: Log, name: str, replications: int, seed: int, log_name: str,
              file: str) -> tuple[FittedScenario, str, object]:
    from sim.loading import scenario_from_text

    fitted = fit_scenario(parsed, name=name, replications=replications, seed=seed)
    header = [f"Fitted by sosim fit from {log_name}: every fitted value says its sample size "
              "(n), the fit and its 95% interval.",
              "Work durations are working hours on the pool's calendar; waits are left to "
              "the staffing and the calendars to reproduce."]
    text = to_yaml(fitted.scenario, header)
    return fitted, text, scenario_from_text(text, file=file)


def _sha256(path: str | os.PathLike[str]) -> str:
    from sim.outputs.files import sha256_file

    return sha256_file(Path(path))


def _command(log, map, part, name, replications, seed, simulate, figures,  # noqa: ANN001, A002
             holdout, accept_poor) -> dict:  # noqa: ANN001
    """The manifest's record of a fit, with what ``sosim rerun`` needs to repeat it."""
    return {"kind": "fit", "argv": ["sim.fit(...)"], "log": str(Path(log).resolve()),
            "log_sha256": _sha256(log),
            "map": None if map is None else str(Path(map).resolve()),
            "map_text": None if map is None else Path(map).read_text(encoding="utf-8"),
            "part": part, "name": name, "replications": replications, "seed": seed,
            "simulate": simulate, "figures": figures, "holdout": holdout,
            "accept_poor": accept_poor}


def _name(stem: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9_\-]", "_", stem)[:80] or "fitted"


def _report_folder(out: Path) -> Path:
    """``fitted.yaml`` -> ``fitted_fit/``: where the fit's report goes."""
    return out.with_name(out.stem + "_fit")


def _write(out: Path, text: str, report: str, fid: Fidelity | None, verdict: Verdict | None,
           figures: bool, overwrite: bool, command: dict, write_scenario: bool
           ) -> dict[str, Path]:
    from sim.outputs.writing import atomic_write_text

    written = write_report(_report_folder(out), text, report, fid, verdict, figures, command,
                           out.name if write_scenario else None, overwrite)
    paths = {"report": written}
    if write_scenario:
        atomic_write_text(out, text)
        paths["scenario"] = out
    return paths


def write_report(folder: Path, text: str, report: str, fid: Fidelity | None,
                 verdict: Verdict | None, figures: bool, command: dict,
                 scenario_file: str | None, overwrite: bool) -> Path:
    """Write the report folder atomically, with its manifest (kind ``fit``)."""
    from sim.outputs.writing import write_folder

    def build(tmp: Path) -> dict:
        (tmp / "report.md").write_text(report)
        (tmp / "scenario.yaml").write_text(text)
        if fid is not None:
            fid.kpis.to_csv(tmp / "kpis.csv")
            fid.distances.to_csv(tmp / "distances.csv")
        if verdict is not None:
            verdict.fidelity.kpis.to_csv(tmp / "holdout_kpis.csv")
            verdict.fidelity.distances.to_csv(tmp / "holdout_distances.csv")
        if fid is not None and figures:
            import matplotlib

            matplotlib.use("Agg", force=False)
            import matplotlib.pyplot as plt

            from sim.fit.figures import overlay_figure

            (tmp / "figures").mkdir()
            fig = overlay_figure(fid.real, fid.simulated)
            fig.savefig(tmp / "figures" / "overlays.png", dpi=110)
            plt.close(fig)
        return {"kind": "fit", "scenario_file": scenario_file, "command": command,
                "verdict": None if verdict is None else verdict.line,
                "accepted": verdict is None or verdict.passed}

    return write_folder(folder, build, overwrite=overwrite)


def rerun_fit(command: dict, out: Path, rerun_of: str) -> Path:
    """Repeat the fit a manifest's ``command`` records, writing its report folder to ``out``.

    The map is the recorded text (the map file may have changed since); the caller has
    checked that the log is the same file (its SHA-256).
    """
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        map_file = None
        if command.get("map_text") is not None:
            map_file = Path(tmp) / "map.yaml"
            map_file.write_text(command["map_text"], encoding="utf-8")
        result = fit(command["log"], map_file, name=command.get("name"),
                     replications=command["replications"], seed=command["seed"],
                     simulate=command["simulate"], figures=command["figures"],
                     part=command.get("part"), holdout=command["holdout"])
    v = result.verdict
    accepted = v is None or v.passed or command.get("accept_poor")
    return write_report(Path(out), result.yaml, result.report, result.fidelity, v,
                        command["figures"], {**command, "rerun_of": rerun_of},
                        None if not accepted else "scenario.yaml", overwrite=True)
