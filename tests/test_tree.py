"""tests/ mirrors sim/: a test package per sim subpackage, each a package of its own.

The tests of ``sim/<pkg>/`` live in ``tests/<pkg>/``; ``tests/validation/`` (statistical
checks of whole runs), ``tests/backtest/`` (the shipped scenarios' numbers) and
``tests/metamorphic/`` (what-ifs that must move one way) check the simulator as a whole.
At the top stay the tests of sim's own top-level modules (``test_cli.py``,
``test_rerun.py``) and the project's checks (layers, docstrings, install, notebooks,
sources, benchmarks, reliability, start-up imports, the tornado tool, this one).
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS, SIM = ROOT / "tests", ROOT / "sim"
WHOLE = {"validation", "backtest", "metamorphic"}
PROJECT = {"bench", "docstrings", "install", "layers", "notebooks", "sources",
           "reliability", "headline_tornado", "tree", "your_platform_doc"}


def _dirs(root: Path) -> set[str]:
    return {p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))}


def test_every_test_folder_is_a_sim_subpackage_or_a_whole_simulator_check() -> None:
    packages = {d for d in _dirs(SIM) if (SIM / d / "__init__.py").exists()}
    assert _dirs(TESTS) - packages - WHOLE == set()


def test_every_test_folder_is_a_package() -> None:
    missing = [str(p.relative_to(ROOT)) for p in TESTS.rglob("*") if p.is_dir()
               and not p.name.startswith((".", "_")) and any(p.glob("test_*.py"))
               and not (p / "__init__.py").exists()]
    assert not missing, f"test folders without __init__.py: {missing}"


def test_top_level_tests_are_sims_own_modules_or_the_projects_checks() -> None:
    modules = {p.stem for p in SIM.glob("*.py")}
    stray = [p.name for p in TESTS.glob("test_*.py")
             if p.stem.removeprefix("test_") not in modules | PROJECT]
    assert not stray, f"move these into tests/<subpackage>/: {stray}"
