"""``sosim rerun`` reproduces every kind of output sosim writes, or refuses in one sentence.

Issue 11, bug 3: after a multi-year run, rerun ran one ordinary year and said "NOT
reproduced:  differ" with no file named; on market and compare manifests it printed
``KeyError: 'scenario'`` or ``AssertionError: ``. Here each kind is written with its
default folder, rerun through its ``latest`` pointer and found identical; then a data file
is changed and rerun must name it; anything else is refused with exit status 2 and one
sentence.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import sosim

ROOT = Path(__file__).resolve().parents[1]
FAST = ["--set", "simulation.horizon_days=20", "--replications", "2", "--quiet"]
SERIAL = ["--executor", "serial"]
# sosim run without --set: a what-if points latest-what-if, and these follow latest
PLAIN = ["--replications", "2", "--quiet"]

# kind -> (command line, folder holding the outputs' latest pointer, a data file to tamper)
KINDS = {
    "run": (["run", "{mini}", *PLAIN, "--no-figures"], "results/mini", "cases.parquet"),
    "timeline": (["run", "{mini}", *PLAIN, "--years", "2026-2027"], "results/mini",
                 "timeline_kpis.parquet"),
    "compare": (["compare", "{mini}", "--vary", "pools.in_house.specialists.oncology=3,4",
                 *FAST, *SERIAL], "results/compare", "differences.csv"),
    "sweep": (["sweep", "{mini}", "--param", "pools.in_house.specialists.oncology=3:4",
               *FAST, *SERIAL], "results/sweeps", "results.parquet"),
    "staffing": (["staffing", "{mini}", "--target", "utilisation<=0.9", "--pool", "in_house",
                  *FAST, *SERIAL], "results/staffing/mini", "staffing.csv"),
    "market": (["market", str(ROOT / "scenarios/market/doc003_2025.yaml"),
                "--compare", str(ROOT / "scenarios/market/doc000_2026.yaml"), "--no-figures"],
               "results/market/doc003_2025", "compare.csv"),
    "warmup": (["warmup", "{mini}", "--set", "simulation.horizon_days=40", "--window", "2",
                "--replications", "2", "--quiet", *SERIAL], "results/warmup/mini", "series.csv"),
    "replications": (["replications", "{mini}", "--set", "simulation.horizon_days=20", "--max",
                      "4", "--lookahead", "1", "--quiet", *SERIAL], "results/replications/mini",
                     "replications.csv"),
}




@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_reruns_bit_for_bit_and_names_a_changed_file(
        here: Path, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    argv, parent, data_file = KINDS[kind]
    status, _, err = sosim(capsys, *(a.format(mini="mini.yaml") for a in argv))
    assert status == 0, err
    pointer = here / parent / "latest.json"
    folder = here / parent / json.loads(pointer.read_text())["folder"]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["command"]["kind"] == kind and manifest["command"]["argv"][:2] == [
        "sosim", argv[0]]

    status, out, err = sosim(capsys, "rerun", str(pointer), "--out", str(here / "again"))
    assert status == 0, err
    assert f"{kind} reproduced bit for bit" in out and data_file in out

    target = folder / data_file
    target.write_bytes(target.read_bytes() + b"\n")
    status, out, err = sosim(capsys, "rerun", str(folder / "manifest.json"), "--out",
                             str(here / "third"))
    assert status == 1
    assert f"NOT reproduced ({kind}): {data_file} in " in err
    assert "changed after it was written" in err


def test_the_latest_link_reruns_too(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert sosim(capsys, "run", "mini.yaml", *PLAIN, "--no-figures", "--no-events")[0] == 0
    link = here / "results" / "mini" / "latest"
    if not link.is_symlink():
        pytest.skip("no symbolic links on this file system (latest.json is tested above)")
    status, out, _ = sosim(capsys, "rerun", str(link / "manifest.json"))
    assert status == 0 and "run reproduced bit for bit" in out
    # the rerun lands next to the real folder, not in a folder named after the link
    assert not list((here / "results" / "mini").glob("latest-rerun-*"))


def test_editing_a_checksum_in_the_manifest_is_named(here: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = here / "run"
    assert sosim(capsys, "run", "mini.yaml", *FAST, "--no-figures", "--out", str(out))[0] == 0
    path = out / "manifest.json"
    m = json.loads(path.read_text())
    row = next(f for f in m["files"] if f["path"] == "kpis.parquet")
    row["sha256"] = "0" * 64
    path.write_text(json.dumps(m))
    status, _, err = sosim(capsys, "rerun", str(path), "--out", str(here / "again"))
    assert status == 1
    assert "NOT reproduced (run): kpis.parquet differ from the manifest's checksums" in err


@pytest.mark.parametrize(("content", "expected"), [
    ('{"a": 1}', "is not a sosim manifest.json"),
    ("[1, 2]", "is not a sosim manifest.json"),
    ("not json at all", "is not a sosim manifest (it is not JSON)"),
    ('{"generator": "sosim", "complete": false, "files": []}', "was never completed"),
    ('{"kind": "sosim study", "tasks": []}', "manifest of an unfinished study"),
    ('{"generator": "sosim", "complete": true, "files": [], "command": {"kind": "report", '
     '"argv": ["sosim", "report", "b.yaml"]}}',
     "is a report output, which sosim rerun does not reproduce; run its command again "
     "instead: sosim report b.yaml"),
    ('{"generator": "sosim", "complete": true, "files": [], "kind": "market"}',
     "is a market output written before sosim recorded its command"),
    ('{"generator": "sosim", "complete": true, "files": [], "scenario": {"name": 3}}',
     "holds no valid scenario"),
])
def test_anything_else_is_refused_in_one_sentence(here: Path, capsys: pytest.CaptureFixture[str],
                                                  content: str, expected: str) -> None:
    path = here / "x.json"
    path.write_text(content)
    status, out, err = sosim(capsys, "rerun", str(path))
    assert status == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"sosim rerun: {path}")
    assert expected in lines[0] and lines[0].endswith("nothing was run.")
    for noise in ("KeyError", "AssertionError", "problem in the scenario"):
        assert noise not in err
    assert not (here / "results").exists()


def test_a_missing_manifest_is_refused(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = sosim(capsys, "rerun", str(here / "nowhere" / "manifest.json"))
    assert status == 2 and "cannot read it (No such file or directory)" in err


def test_rerun_does_not_replace_an_earlier_output(here: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = here / "run"
    assert sosim(capsys, "run", "mini.yaml", *FAST, "--no-figures", "--out", str(out))[0] == 0
    again = ["rerun", str(out / "manifest.json"), "--out", str(out)]
    status, _, err = sosim(capsys, *again)
    assert status == 2 and "pass --overwrite" in err
    assert sosim(capsys, *again, "--overwrite")[0] == 0
