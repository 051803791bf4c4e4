"""``sim.fit``: event log in, fitted scenario and fidelity report out.

Example:
    >>> import sim
    >>> result = sim.fit("events.parquet", out="fitted.yaml", replications=2, figures=False)
    >>> result.scenario.pools["in_house"].specialists
    {'cardiology': 2, 'neurology': 2, 'oncology': 4, 'orthopedics': 2, 'other': 3}
    >>> result.fidelity.kpis.loc["time_to_opinion_h.mean", ["log", "simulated"]].round(2).tolist()
    [48.48, 34.92]
    >>> print(result.report)
    # Fit of events.parquet
    <BLANKLINE>
    470 cases from 2026-01-05 over 14 days.
    ...
    >>> sorted(p.name for p in Path("fitted_fit").iterdir())
    ['distances.csv', 'kpis.csv', 'manifest.json', 'report.md']
    >>> sim.fit("events.parquet", out="fitted.yaml", simulate=False)
    Traceback (most recent call last):
    ...
    sim.outputs.folders.OutputRefused: .../fitted_fit holds the outputs of an earlier sosim ...

Nothing is written when the log or the map is bad (:class:`~sim.fit.read.LogError` or
:class:`~sim.scenario.errors.ScenarioError`, naming rows, columns and fields); the scenario
file and the report folder are written atomically, each complete or not at all.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.fit.build import FittedScenario, fit_scenario
from sim.fit.fidelity import Fidelity, fidelity
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


def _fmt(x: float) -> str:
    return "" if pd.isna(x) else f"{x:,.3g}" if abs(x) < 100 else f"{x:,.0f}"


def report_markdown(log: Log, fitted: FittedScenario, fid: Fidelity | None) -> str:
    """The fidelity report as Markdown (also readable in a terminal)."""
    t = fitted.table
    lines = [f"# Fit of {log.file}", "",
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
        lines += ["", "## Log against simulation", "",
                  "Simulation: mean of the replications and its run-to-run 95% interval.", "",
                  "| KPI | log | simulated | interval | inside |", "|---|---|---|---|---|"]
        for kpi, r in fid.kpis.iterrows():
            lines.append(f"| {kpi} | {_fmt(r['log'])} | {_fmt(r['simulated'])} | "
                         f"[{_fmt(r['low'])}, {_fmt(r['high'])}] | "
                         f"{'yes' if r['inside'] else 'NO'} |")
        lines += ["", "## Distances (Chapela-Campa et al. 2023)", "",
                  "| measure | mean over replications | sd |", "|---|---|---|"]
        for m, r in fid.distances.iterrows():
            lines.append(f"| {m} | {r['mean']:.4g} | {r['sd']:.2g} |")
        lines += ["", "![overlays](figures/overlays.png)"]
    return "\n".join(lines) + "\n"


def fit(log: str | os.PathLike[str], map: str | os.PathLike[str] | None = None,  # noqa: A002
        *, out: str | os.PathLike[str] | None = None, name: str | None = None,
        replications: int = 5, seed: int = 1, simulate: bool = True,
        figures: bool = True, overwrite: bool = False, part: str | None = None) -> FitResult:
    """Fit a scenario to an event log and measure how well it reproduces the log.

    ``map``: the map file (None: sosim's own event log). ``out``: where to write the scenario
    YAML; its report goes to the folder ``<out without suffix>_fit/`` (report.md, kpis.csv,
    distances.csv, figures/overlays.png). ``simulate=False`` skips the fidelity run. A report
    folder an earlier fit wrote is replaced only with ``overwrite=True`` (``OutputRefused``,
    checked before fitting). ``part``: the replication or platform to fit, in a log that
    holds several (the map's ``split``; sosim's own log carries its replications: ``"r0"``).
    """
    from sim.loading import scenario_from_text
    from sim.outputs.writing import check_out_dir

    if out is not None:  # fail before the fit, not after it
        check_out_dir(_report_folder(Path(out)), overwrite)

    log_map = load_map(map) if map is not None else None  # None: sosim's own log
    parsed = read_log(log, log_map, part=part)
    stem = Path(out).stem if out else Path(log).stem
    fitted = fit_scenario(parsed, name=name or _name(stem), replications=replications, seed=seed)
    header = [f"Fitted by sosim fit from {Path(log).name} on {dt.date.today()}: every fitted "
              "value says its sample size (n), the fit and its 95% interval.",
              "Work durations are working hours on the pool's calendar; waits are left to "
              "the staffing and the calendars to reproduce."]
    text = to_yaml(fitted.scenario, header)
    scenario = scenario_from_text(text, file=str(out or "fitted.yaml"))
    fid = fidelity(scenario, parsed, fitted, replications, seed) if simulate else None
    report = report_markdown(parsed, fitted, fid)
    paths: dict[str, Path] = {}
    if out is not None:
        paths = _write(Path(out), text, report, fid, figures, overwrite)
    return FitResult(parsed, fitted, text, scenario, fid, report, paths)


def _name(stem: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9_\-]", "_", stem)[:80] or "fitted"


def _report_folder(out: Path) -> Path:
    """``fitted.yaml`` -> ``fitted_fit/``: where the fit's report goes."""
    return out.with_name(out.stem + "_fit")


def _write(out: Path, text: str, report: str, fid: Fidelity | None,
           figures: bool, overwrite: bool) -> dict[str, Path]:
    from sim.outputs.writing import atomic_write_text, write_folder

    folder = _report_folder(out)

    def build(tmp: Path) -> dict:
        (tmp / "report.md").write_text(report)
        if fid is not None:
            fid.kpis.to_csv(tmp / "kpis.csv")
            fid.distances.to_csv(tmp / "distances.csv")
            if figures:
                import matplotlib

                matplotlib.use("Agg", force=False)
                from sim.fit.figures import overlay_figure

                (tmp / "figures").mkdir()
                fig = overlay_figure(fid.real, fid.simulated)
                fig.savefig(tmp / "figures" / "overlays.png", dpi=110)
                import matplotlib.pyplot as plt

                plt.close(fig)
        return {"scenario_file": out.name}

    written = write_folder(folder, build, overwrite=overwrite)
    atomic_write_text(out, text)
    return {"scenario": out, "report": written}
