"""The commands docs/calibration.md and the README give for ``sosim fit`` run as written.

Each runs in a fresh folder that sees the repository's ``examples/`` and ``scenarios/``
(symbolic links), so relative paths resolve as they do from a checkout.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _block(text: str, lang: str, containing: str) -> str:
    blocks = re.findall(rf"```{lang}\n(.*?)```", text, flags=re.S)
    return next(b for b in blocks if containing in b)


@pytest.fixture()
def checkout(tmp_path: Path) -> Path:
    for name in ("examples", "scenarios"):
        (tmp_path / name).symlink_to(ROOT / name)
    return tmp_path


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}


def test_calibration_shell_commands_run(checkout: Path) -> None:
    block = _block((ROOT / "docs" / "calibration.md").read_text(), "sh", "sosim fit")
    commands = [ln for ln in block.splitlines() if ln.startswith("sosim ")]
    assert len(commands) >= 4
    for line in commands:
        argv = shlex.split(line.split(" #")[0])
        done = subprocess.run([sys.executable, "-m", "sim", *argv[1:]], cwd=checkout,
                              env=_env(), capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, (line, done.stdout[-2000:], done.stderr[-2000:])
    assert (checkout / "fitted.yaml").is_file()
    assert (checkout / "fitted_baseline_fit" / "manifest.json").is_file()


def _python(code: str, cwd: Path) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=_env(),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_calibration_python_block_runs(checkout: Path) -> None:
    code = _block((ROOT / "docs" / "calibration.md").read_text(), "python", "sim.fit(")
    assert "# Fit of examples/fit/cases.csv" in _python(code, checkout)


def test_readme_fit_line_runs(checkout: Path) -> None:
    readme = _block((ROOT / "README.md").read_text(), "python", "sim.fit(")
    line = next(ln for ln in readme.splitlines() if "sim.fit(" in ln)
    _python(f"import sim\n{line}\nassert fitted.fidelity is not None", checkout)
    assert (checkout / "fitted.yaml").is_file()
