"""The run-size rule, one for the command line and the page (sim.outputs.size)."""

from __future__ import annotations

from pathlib import Path

import sim
from sim.app import runs
from sim.cli import main
from sim.outputs.size import RUN_LIMIT_CASES, run_size

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"


def test_years_multiply_the_cases_and_the_message_says_so(capsys) -> None:  # noqa: ANN001
    s = sim.load_scenario(BASELINE)
    one = run_size(s, 5)
    ten = run_size(s, 5, (2026, 2035))
    assert ten.total == 10 * one.total == 10 * 5 * s.expected_cases
    reps = int(RUN_LIMIT_CASES / (10 * s.expected_cases)) + 1  # over the limit only with years
    assert not run_size(s, reps).over_limit and run_size(s, reps, (2026, 2035)).over_limit
    assert main(["run", str(BASELINE), "--years", "2026-2035", "--replications", str(reps)]) == 2
    err = capsys.readouterr().err
    assert f"x {reps} replications x 10 years" in err and "pass --yes" in err


def test_the_page_and_the_cli_share_the_words() -> None:
    s = sim.load_scenario(BASELINE)
    reps = int(RUN_LIMIT_CASES / s.expected_cases) + 1
    assert run_size(s, reps).describe() in runs.run_guard(s, reps)
