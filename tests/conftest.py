"""Shared fixtures: a minimal valid scenario, and a count of the generated cases tried.

``MINI_YAML`` is the smallest scenario that exercises every section. Its line numbers are
relied on by ``tests/scenario/test_bad_scenarios.py``: 1 name, 2 simulation, 3 calendars,
4 calendars.business, 5 demand, 6 demand.cases_per_year, 7 demand.mix, 8 intake, 9 triage,
10 payers, 11 pools, 12 pools.in_house, 13 pools.outsourced, 14 routing, 15 outcomes.

Property tests call ``example_counter[name] += 1`` once per generated case; the totals are
printed at the end of the run ("generated cases tried"), as issue 7 asks. (Under pytest-xdist
each worker counts its own, so the summary is only printed for serial runs.)
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

MINI_YAML = """\
name: mini
simulation: {start: 2026-01-05, horizon_days: 30, warmup_days: 2, seed: 1}
calendars:
  business: {days: [mon, tue, wed, thu, fri], hours: ["08:00", "17:00"], holidays: [2026-01-19]}
demand:
  cases_per_year: 2000
  mix: {specialty: {oncology: 0.6, cardiology: 0.4}, channel: {online_portal: 0.7, in_person: 0.3}, payer: {commercial: 0.8, self_pay: 0.2}, priority: {urgent: 0.1, routine: 0.9}}
intake: {digital: {dist: lognormal, mean: 6, sd: 4, unit: hours}, paper: {dist: uniform, low: 2, high: 5, unit: business_days}, digital_share: {online_portal: 0.95, in_person: 0.5}}
triage: {policy: ai, ai: {accuracy: 0.87}}
payers: {commercial: {preauth: {delay: {dist: fixed, value: 1, unit: business_days}, share: 0.5}}, self_pay: {}}
pools:
  in_house: {kind: in_house, calendar: business, specialists: {oncology: 3, cardiology: 2}, review: {dist: lognormal, mean: 1.5, sd: 0.7, unit: hours}}
  outsourced: {kind: outsourced, calendar: 24x7, specialists: {oncology: 2, cardiology: 2}, review: {dist: gamma, mean: 1.2, sd: 0.5, unit: hours}}
routing: {policy: overflow, overflow_wait_hours: 48}
outcomes: {default: {confirmed: 0.12, refined: 0.67, changed: 0.21}}
"""  # noqa: E501  (kept exactly as users write it: one section per line)

MINI_DATA: dict[str, Any] = yaml.safe_load(MINI_YAML)


def mini_data() -> dict[str, Any]:
    """A fresh, mutable copy of the minimal scenario's data."""
    return copy.deepcopy(MINI_DATA)


def edited(old: str, new: str, text: str = MINI_YAML) -> str:
    """``text`` with the one occurrence of ``old`` replaced (fails loudly if not exactly one)."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def to_toml(data: dict[str, Any]) -> str:
    """The same data as TOML, one top-level key per line, nested values as inline tables."""

    def value(v: Any) -> str:
        if isinstance(v, dict):
            return "{" + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + "}"
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, dt.date):
            return v.isoformat()
        return repr(v)

    return "".join(f"{k} = {value(v)}\n" for k, v in data.items())


@pytest.fixture(scope="session")
def baseline_60_days() -> Any:
    """The shipped baseline over 60 days, one replication (shared by the channel tests)."""
    import sim

    over = ["simulation.horizon_days=60", "simulation.warmup_days=0"]
    root = Path(__file__).resolve().parents[1]
    return sim.run(sim.load_scenario(root / "scenarios" / "baseline.yaml", over),
                   replications=1)


@pytest.fixture
def mini() -> dict[str, Any]:
    """The minimal valid scenario as data (a fresh copy per test)."""
    return mini_data()


@pytest.fixture
def mini_file(tmp_path: Path) -> Path:
    """The minimal valid scenario written to ``tmp_path/mini.yaml``."""
    path = tmp_path / "mini.yaml"
    path.write_text(MINI_YAML, encoding="utf-8")
    return path


# ------------------------------------------------------------- generated-case counting

_EXAMPLES = pytest.StashKey[Counter]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_EXAMPLES] = Counter()


@pytest.fixture(scope="session")
def example_counter(pytestconfig: pytest.Config) -> Counter:
    """Session-wide ``Counter``: property tests add one per generated case they try."""
    return pytestconfig.stash[_EXAMPLES]


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    counts = config.stash.get(_EXAMPLES, None)
    if not counts:
        return
    terminalreporter.write_sep("-", "generated cases tried (hypothesis)")
    for name, n in sorted(counts.items()):
        terminalreporter.write_line(f"{n:>7,}  {name}")
    terminalreporter.write_line(f"{sum(counts.values()):>7,}  total")


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh working folder holding the mini scenario; default outputs land in it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mini.yaml").write_text(MINI_YAML, encoding="utf-8")
    return tmp_path


def sosim(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the CLI in-process: (exit status, stdout, stderr); never a traceback."""
    from sim.cli import main

    status = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return status, out, err
