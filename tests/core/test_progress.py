"""Long studies say how big they are and how they progress: on a pipe, and at 80 columns."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from sim.core.progress import progress_bar, progress_display, progress_lines


def test_lines_when_not_on_a_terminal() -> None:
    out = io.StringIO()
    with progress_display(True, "sobol sweep", 1920, stream=out, interval_s=0) as advance:
        for _ in range(4):
            advance(480)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("sobol sweep: 480/1,920 runs (25%), 0:00 elapsed, about ")
    assert lines[-1].startswith("sobol sweep: 1,920/1,920 runs (100%) in ")
    assert len(lines) == 4  # 3 intervals and the final line


def test_lines_are_spaced_by_the_interval() -> None:
    out = io.StringIO()
    with progress_lines("s", 100, stream=out, interval_s=3600) as advance:
        for _ in range(100):
            advance(1)
    assert out.getvalue().splitlines() == [out.getvalue().splitlines()[-1]]  # only the end


def test_quiet_prints_nothing() -> None:
    out = io.StringIO()
    with progress_display(False, "s", 10, stream=out, interval_s=0) as advance:
        advance(10)
    assert out.getvalue() == ""


def test_the_bar_fits_80_columns_with_count_and_time_left() -> None:
    buf = io.StringIO()
    console = Console(file=buf, width=80, force_terminal=True, color_system=None)
    with progress_bar(True, "sobol sweep of triage.ai.accuracy, pools.in_house.specialists",
                      1920, unit="replications", console=console) as advance:
        advance(960)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", buf.getvalue())
    lines = [ln for ln in text.replace("\r", "\n").splitlines() if ln.strip()]
    assert lines and all(len(ln) <= 80 for ln in lines), lines
    assert any("960/1920" in ln and "ETA" in ln and "replications" in ln for ln in lines), lines


def test_a_sweep_through_a_pipe_says_its_size_estimate_and_progress(mini_file: Path,
                                                                   tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "sweep", str(mini_file), "--param",
         "triage.ai.accuracy=0.6,0.9", "--design", "grid", "--replications", "1",
         "--set", "simulation.horizon_days=10", "--executor", "serial",
         "--out", str(tmp_path / "s")], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"2 runs of about [\d,]+ cases each; about \d+ (s|min) on 1 worker",
                     proc.stdout), proc.stdout
    assert re.search(r": 2/2 runs \(100%\) in \d+:\d\d", proc.stderr), proc.stderr
