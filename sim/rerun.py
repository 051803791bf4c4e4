"""Reproduce a run from its manifest, bit for bit.

Every output folder's ``manifest.json`` holds the canonical scenario (with any
``--set`` overrides applied), its hash, the seed, the number of replications
and the versions used. :func:`rerun` runs that again and compares the data
files' SHA-256 checksums with the recorded ones.

Example:
    >>> report = rerun("results/baseline/manifest.json", "results/again")  # doctest: +SKIP
    >>> report.identical                                                     # doctest: +SKIP
    True
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

DATA_FILES = ("cases", "events", "kpis", "summary.csv", "capacity.csv")
"""Outputs compared byte for byte (figures and summary.json carry timestamps or fonts)."""


@dataclass
class RerunReport:
    """What a rerun reproduced."""

    out_dir: Path
    matched: list[str] = field(default_factory=list)
    differed: list[str] = field(default_factory=list)
    version_changes: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)

    @property
    def identical(self) -> bool:
        return bool(self.matched) and not self.differed


def _compared(path: str) -> bool:
    return any(path == name or path.startswith(name + ".") for name in DATA_FILES)


def rerun(manifest: str | os.PathLike[str], out_dir: str | os.PathLike[str] | None = None,
          ) -> RerunReport:
    """Run the manifest's scenario again into ``out_dir`` and compare the data files."""
    from sim.outputs.runner import run
    from sim.outputs.writing import dependency_versions, scenario_hash, write_results
    from sim.scenario import Problem, Scenario, ScenarioError

    path = Path(manifest)
    try:
        m = json.loads(path.read_text(encoding="utf-8"))
        assert m.get("generator") == "sosim" and m.get("complete") is True
        scenario = Scenario.model_validate(m["scenario"])
    except (OSError, ValueError, KeyError, AssertionError) as err:
        raise ScenarioError([Problem(str(path), None, "", f"not a complete sosim manifest "
                                                           f"({type(err).__name__}: {err})")
                             ]) from None
    if scenario_hash(scenario) != m["scenario_hash"]:
        raise ScenarioError([Problem(str(path), None, "scenario",
                                     "does not match its recorded hash; the manifest was edited")])
    recorded = {f["path"]: f["sha256"] for f in m["files"]}
    results = run(scenario, seed=m["seed"], replications=m["replications"])
    out = Path(out_dir) if out_dir is not None else path.parent.with_name(
        path.parent.name + "-rerun")
    write_results(results, out, events=any(p.startswith("events") for p in recorded),
                  figures=any(p.startswith("figures/") for p in recorded))
    fresh = {f["path"]: f["sha256"]
             for f in json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]}
    report = RerunReport(out)
    for name in sorted(p for p in recorded if _compared(p)):
        (report.matched if fresh.get(name) == recorded[name] else report.differed).append(name)
    now = dependency_versions()
    report.version_changes = {k: (v, now.get(k)) for k, v in m.get("versions", {}).items()
                              if now.get(k) != v}
    return report
