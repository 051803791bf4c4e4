"""What ``sosim staffing`` prints and writes: a compact answer, the details in files.

The terminal gets a table that fits about 100 columns (each target's checked interval end,
whether it is met and, if not, why: ``office hours``, ``other stages`` or ``staffing``), the
notes, and one short "apply with" line; the wide tables (every mean and interval, the search
path) and the staffed scenario go into the output folder.

Example:
    >>> from sim.experiment.staffing import find_staffing, parse_target
    >>> targets = [parse_target("utilisation<=0.6")]
    >>> res = find_staffing(scenario, targets, pools=["in_house"], replications=2)
    >>> out = Path("results/staffing/baseline")
    >>> out.mkdir(parents=True)
    >>> write_staffing(res, scenario, out)                   # the details, and staffed.yaml
    PosixPath('results/staffing/baseline/staffed.yaml')
    >>> print(staffing_text(res, targets, scenario, out))
    Search path (one simulated staffing per step)
      step  phase  queue                 servers  total  all met  kept
      0     given  (given)                     -     15       no   yes
      1     start  (start)                     -     19       no   yes
      2     up     in_house/other              4     20      yes   yes
      3     down   in_house/orthopedics        2     19      yes   yes
      4     down   in_house/oncology           4     18      yes   yes
      5     down   in_house/oncology           3     17       no    no
      6     down   in_house/cardiology         2     17      yes   yes
      7     down   in_house/other              3     16       no    no
      8     down   in_house/neurology          2     16       no    no
    <BLANKLINE>
    Staffing found (start: square-root staffing)
    T1: utilisation<=0.6 (shown: the 95% interval's upper end, which must meet it)
      queue                                    start  servers     T1  result
      in_house/oncology                            5        4  0.567     met
      in_house/cardiology                          3        2  0.454     met
      in_house/neurology                           3        3  0.578     met
      in_house/orthopedics                         3        2  0.388     met
      in_house/other                               3        4   0.55     met
      in_house/oncology/rare_tumour_pathology      1        1  0.114     met
      in_house/neurology/movement_disorders        1        1  0.148     met
    <BLANKLINE>
    every target met
    apply with: --set pools.in_house.specialists.neurology=3 --set
    pools.in_house.specialists.other=4
    full cost per opinion: USD 1,718.25 (the scenario as given: USD 1,588.53)
    details (every mean and interval): results/staffing/baseline/staffing.csv
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd
import yaml

from sim.experiment.staffing import StaffingResult, queue_key

WIDTH = 100
"""Terminal columns the printed tables and notes are kept within."""


def _grid(rows: list[list[str]], left: int = 1) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  " + "  ".join(c.ljust(w) if i < left else c.rjust(w)
                             for i, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip()
            for r in rows]


def path_lines(res: StaffingResult) -> list[str]:
    """The search path, one simulated staffing per step (no NaN on the start row)."""
    rows = [["step", "phase", "queue", "servers", "total", "all met", "kept"]]
    for r in res.path.itertuples():
        rows.append([str(r.step), r.phase, r.queue if isinstance(r.queue, str) else f"({r.phase})",
                     str(int(r.servers)) if isinstance(r.queue, str) else "-", str(r.total),
                     "yes" if r.met else "no", "yes" if r.accepted else "no"])
    return _grid(rows, left=3)


def result_lines(res: StaffingResult, targets: list) -> list[str]:  # noqa: ANN001
    """One row per queue: start, servers, each target's checked bound, and the verdict."""
    legend = [f"T{i + 1}: {t} (shown: the 95% interval's {'upper' if t.op == '<=' else 'lower'}"
              f" end, which must meet it)" for i, t in enumerate(targets)]
    rows = [["queue", "start", "servers", *(f"T{i + 1}" for i in range(len(targets))),
             "result"]]
    for r in res.table.to_dict("records"):
        verdict = "met" if r["met"] else f"NOT met: {r['cause']}"
        rows.append([r["queue"], str(r["start"]), str(r["servers"]),
                     *(f"{r[f'{t.metric}.bound']:.3g}" for t in targets), verdict])
    notes = []
    for r in res.table.to_dict("records"):
        if r["note"]:
            notes += textwrap.wrap(f"{r['queue']}: {r['note']}", WIDTH - 2,
                                   initial_indent="  ", subsequent_indent="      ")
    return [*legend, *_grid(rows), *(["Notes:", *notes] if notes else [])]


def changed_staffing(res: StaffingResult, before) -> dict[str, int]:  # noqa: ANN001
    """The scenario keys whose specialists the search changed, with their new counts."""
    from sim.engine.plan import build_plan
    from sim.experiment.levers import levers

    plan = build_plan(before)  # specialist queues and levers (navigators, slots, caps)
    was = {queue_key(q.name): q.servers for q in [*plan.queues, *levers(plan, None)]}
    return {k: v for k, v in res.staffing.items() if was.get(k) != v}


def apply_line(res: StaffingResult, before, staffed_file: Path) -> str:  # noqa: ANN001
    """``apply with: --set ...`` when short, else the written staffed scenario to run."""
    changed = changed_staffing(res, before)
    if not changed:
        return "apply with: nothing to change (the scenario's staffing is the answer)"
    line = "apply with: " + " ".join(f"--set {k}={v}" for k, v in changed.items())
    if len(line) <= WIDTH:
        return line
    return (f"apply with: sosim run {staffed_file} ({len(changed)} staffing changes; "
            f"also in {staffed_file.with_name('overrides.txt')})")


def write_staffing(res: StaffingResult, before, out: Path) -> Path:  # noqa: ANN001
    """Write staffing.csv, path.csv, overrides.txt and staffed.yaml into ``out``."""
    from sim.outputs.writing import atomic_write_text

    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "staffing.csv", res.table.to_csv(index=False))
    atomic_write_text(out / "path.csv", res.path.to_csv(index=False))
    changed = changed_staffing(res, before)
    atomic_write_text(out / "overrides.txt", "".join(f"{k}={v}\n" for k, v in changed.items()))
    staffed = out / "staffed.yaml"
    atomic_write_text(staffed, f"# {before.name} with the staffing sosim staffing found\n"
                      + yaml.safe_dump(res.scenario.model_dump(mode="json"), sort_keys=False))
    return staffed


def staffing_text(res: StaffingResult, targets: list, before, out: Path) -> str:  # noqa: ANN001
    """Everything ``sosim staffing`` prints after the search (files already written).

    A plan is offered ("apply with") only when every target is met; otherwise each missed
    target is named with its worst queue and by how much, and no plan is offered.
    """
    staffed = out / "staffed.yaml"
    if res.met:
        verdict = ["every target met", apply_line(res, before, staffed)]
    else:
        verdict = [_not_met(res.table), *missed_lines(res, targets),
                   *textwrap.wrap(f"no plan offered: this staffing misses the targets above "
                                  f"({staffed} holds it for reference, not to apply)",
                                  WIDTH)]
    start = "square-root staffing" if "start" in set(res.path["phase"]) else \
        "the scenario as given, which meets the targets"
    cost = res.cost_per_opinion_usd
    if cost == cost:  # with economics: the full cost of the plan and of the scenario
        verdict.append(f"full cost per opinion: USD {cost:,.2f} (the scenario as given: "
                       f"USD {res.given_cost_per_opinion_usd:,.2f})")
    return "\n".join(["Search path (one simulated staffing per step)", *path_lines(res), "",
                      f"Staffing found (start: {start})",
                      *result_lines(res, targets), "", *verdict,
                      f"details (every mean and interval): {out / 'staffing.csv'}"])


def missed_lines(res: StaffingResult, targets: list) -> list[str]:  # noqa: ANN001
    """Per missed target: on how many queues, the worst one's checked bound and the gap."""
    out = []
    rows = res.table.to_dict("records")
    for i, t in enumerate(targets):
        gaps = [(b - t.value if t.op == "<=" else t.value - b, r["queue"], b) for r in rows
                if (b := r[f"{t.metric}.bound"]) == b and
                (b > t.value if t.op == "<=" else b < t.value)]
        if gaps:
            gap, queue, bound = max(gaps)
            out.append(f"  T{i + 1} {t} missed on {len(gaps)} queue(s); worst {queue}: "
                       f"{bound:.3g}, {gap:.3g} {'over' if t.op == '<=' else 'under'} the target")
    return out


def _not_met(table: pd.DataFrame) -> str:
    causes = table.loc[~table["met"], "cause"].value_counts()
    said = ", ".join(f"{n} by {c}" for c, n in causes.items())
    return f"NOT every target met: {said} (see the notes)"
