"""``sosim market``: what it prints, what it writes, and how it refuses bad input.

Until ``sim.market.cli`` is listed in ``sim.cli._COMMAND_MODULES``, most tests build their
own parser with :func:`sim.market.cli.register`; ``run_main`` goes through ``sim.cli.main``
with the module added for the test, to check the exit status and the error format.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
import pytest

import sim.cli
from sim.market.cli import register
from sim.scenario.errors import ScenarioError
from tests.market.conftest import DOC000, DOC003, edited


def run_market(*argv: object) -> int:
    parser = argparse.ArgumentParser(prog="sosim")
    register(parser.add_subparsers(dest="command", required=True), lambda sp: None)
    args = parser.parse_args(["market", *map(str, argv)])
    return args.handler(args)


def run_main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
             *argv: object) -> tuple[int, str, str]:
    modules = tuple(dict.fromkeys([*sim.cli._COMMAND_MODULES, "sim.market.cli"]))
    monkeypatch.setattr(sim.cli, "_COMMAND_MODULES", modules)
    status = sim.cli.main(["market", *map(str, argv)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return status, out, err


def test_writes_tables_report_and_figures(tmp_path: Path, capsys) -> None:
    out = tmp_path / "doc000"
    assert run_market(DOC000, "--out", out, "--year", 2027) == 0
    printed = capsys.readouterr().out
    assert "Market by source of service" in printed
    assert "2035     13.49  7.84 (58.2%)  5.65 (41.8%)" in printed
    assert "source: in_house" in printed and "implied 6.19%" in printed
    assert "Volumes in 2027" in printed and "Consistency report: 1 warning" in printed
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {"projection.parquet", "projection.csv", "volumes.parquet", "volumes.csv",
            "totals.csv", "implied_rates.csv", "report.txt", "report.json", "manifest.json",
            "figures/segments_source.png", "figures/regions_2027.png"} <= names
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["generator"] == "sosim" and manifest["kind"] == "market"
    assert manifest["complete"] and len(manifest["files"]) == len(names) - 1
    table = pd.read_parquet(out / "projection.parquet")
    assert list(table.columns)[:6] == ["year", "dimension", "segment", "parent", "value",
                                       "share"]
    assert not list(tmp_path.glob(".doc000.*"))  # no temporary folder left behind


def test_compare_prints_and_writes_both(tmp_path: Path, capsys) -> None:
    out = tmp_path / "doc003"
    assert run_market(DOC003, "--out", out, "--compare", DOC000, "--no-figures") == 0
    printed = capsys.readouterr().out
    assert "Two documents compared" in printed
    assert "stated CAGR 14.85%" in printed and "imply 15.05%" in printed
    assert "Market, doc003_2025" in printed  # no projected dimension: the total by year
    compared = pd.read_csv(out / "compare.csv").set_index("year")
    assert compared.loc[2035, "ratio"] == pytest.approx(13.49 / 24.87)
    assert not (out / "figures").exists()


def test_same_out_is_refused_then_replaced_with_overwrite(tmp_path: Path, capsys) -> None:
    out = tmp_path / "again"
    assert run_market(DOC003, "--out", out, "--no-figures") == 0
    (out / "stale.txt").write_text("from an older run")
    assert run_market(DOC003, "--out", out, "--no-figures") == 2
    assert "pass --overwrite to replace them" in capsys.readouterr().err
    assert (out / "stale.txt").exists()
    assert run_market(DOC003, "--out", out, "--no-figures", "--overwrite") == 0
    assert not (out / "stale.txt").exists() and (out / "manifest.json").is_file()


def test_refuses_a_foreign_folder_and_a_year_outside(tmp_path: Path, capsys) -> None:
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    assert run_market(DOC000, "--out", foreign) == 2
    assert "refusing to replace it" in capsys.readouterr().err
    assert run_market(DOC000, "--out", tmp_path / "x", "--year", 2040) == 2
    assert "--year must be within 2025-2035 (got 2040)" in capsys.readouterr().err
    assert run_market(DOC000, "--out", tmp_path / "x", "--dimension", "channel") == 2
    assert not (tmp_path / "x").exists()


def test_bad_market_file_raises_scenario_error(tmp_path: Path, toy_file: Path) -> None:
    toy_file.write_text(edited("in_house: {share: 0.6}", "in_house: {share: 1.6}"))
    with pytest.raises(ScenarioError, match=r"toy\.yaml:12: dimensions\.source"):
        run_market(toy_file, "--out", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_through_sosim_main_bad_file_exits_2(monkeypatch, capsys, tmp_path: Path,
                                             toy_file: Path) -> None:
    toy_file.write_text(edited("outsourced: {cagr: 0.20}", "outsourced: {cagr: -1.5}"))
    status, _, err = run_main(monkeypatch, capsys, toy_file, "--out", tmp_path / "o")
    assert status == 2
    assert f"{toy_file}:13: dimensions.source.segments.outsourced.cagr: " in err
    assert not (tmp_path / "o").exists()


def test_through_sosim_main_good_file(monkeypatch, capsys, tmp_path: Path,
                                      toy_file: Path) -> None:
    status, out, _ = run_main(monkeypatch, capsys, toy_file, "--out", tmp_path / "t",
                              "--no-figures")
    assert status == 0 and "outputs written to" in out


def test_register_is_light() -> None:
    import subprocess
    import sys

    code = ("import sys, argparse, sim.market.cli as c; "
            "c.register(argparse.ArgumentParser().add_subparsers(), None); "
            "print(sorted(m for m in ('pandas', 'matplotlib', 'scipy', 'pydantic') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
