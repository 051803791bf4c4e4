"""Bad logs and maps: one line per problem naming file, row (CSV line) and column; exit 2;
nothing written."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.fit.mapping import load_map
from sim.fit.read import LogError, log_from_frame
from tests.fit.generator import MAP_YAML, Truth, generate

SMALL = Truth(days=14, cases_per_year=1500)


@pytest.fixture(scope="module")
def good() -> pd.DataFrame:
    return generate(SMALL, seed=3)


def _run(tmp_path, df: pd.DataFrame, map_text: str = MAP_YAML, capsys=None):  # noqa: ANN001, ANN202
    log, map_file, out = tmp_path / "log.csv", tmp_path / "map.yaml", tmp_path / "f.yaml"
    df.to_csv(log, index=False)
    map_file.write_text(map_text)
    rc = main(["fit", str(log), "--map", str(map_file), "--out", str(out), "--no-simulate"])
    assert not out.exists() and not (tmp_path / "f_fit").exists()
    return rc


def _row_of(df: pd.DataFrame, mask: pd.Series) -> tuple[int, int]:
    i = int(np.asarray(mask).nonzero()[0][0])
    return i, i + 2  # CSV line: header is line 1


def _first_review_start(df: pd.DataFrame) -> pd.Series:
    return (df["step"] == "Specialist review") & (df["transition"] == "start")


@pytest.mark.parametrize("case", ["missing_column", "unparseable", "no_zone", "ends_early",
                                  "no_arrival", "unknown_activity", "bad_lifecycle"])
def test_bad_log_names_row_and_column(tmp_path, capsys, good, case):
    df = good.copy()
    line = None
    if case == "missing_column":
        df = df.drop(columns="time")
        expect = ["column 'time'", "not in the log"]
    elif case == "unparseable":
        i, line = _row_of(df, df.index == 5)
        df.loc[i, "time"] = "yesterday at noon+01:00"
        expect = ["time:", "unparseable timestamp"]
    elif case == "no_zone":
        i, line = _row_of(df, df.index == 7)
        df.loc[i, "time"] = "2026-03-02T09:00:00"
        expect = ["time:", "without a time zone"]
    elif case == "ends_early":
        start = _first_review_start(df)
        i, _ = _row_of(df, start)
        done = (df["case"] == df.loc[i, "case"]) & (df["step"] == "Specialist review") & (
            df["transition"] == "complete")
        j, line = _row_of(df, done)
        df.loc[i, "time"], df.loc[j, "time"] = df.loc[j, "time"], df.loc[i, "time"]
        expect = ["review", "ends before it starts"]
    elif case == "no_arrival":
        victim = df.loc[10, "case"]
        df = df[~((df["case"] == victim) & (df["step"] == "Request received"))].reset_index(
            drop=True)
        expect = ["case:", "has no arrival event", victim]
    elif case == "unknown_activity":
        i, line = _row_of(df, df.index == 3)
        df.loc[i, "step"] = "Coffee break"
        expect = ["step:", "unknown activity", "Coffee break"]
    else:
        i, line = _row_of(df, df.index == 4)
        df.loc[i, "transition"] = "resume"
        expect = ["transition:", "unknown lifecycle"]
    assert _run(tmp_path, df) == 2
    err = capsys.readouterr().err
    for text in expect:
        assert text in err, err
    if line is not None:
        assert f"log.csv:{line}:" in err, err
    assert "nothing was written" in err
    assert "Traceback" not in err


def test_bad_map_is_refused(tmp_path, capsys, good):
    rc = _run(tmp_path, good, MAP_YAML.replace("time_zone: America/Chicago",
                                               "time_zone: Mars/Olympus"))
    assert rc == 2
    err = capsys.readouterr().err
    assert "map.yaml:" in err and "time_zone" in err and "unknown time zone" in err


def test_unknown_map_key(tmp_path, capsys, good):
    assert _run(tmp_path, good, MAP_YAML + "colums: {}\n") == 2
    assert "unknown key 'colums'" in capsys.readouterr().err


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(junk=st.text(max_size=30))
def test_any_timestamp_text_is_read_or_refused(good, junk):
    df = good.head(60).copy()
    df.loc[2, "time"] = junk
    try:
        log_from_frame(df, load_map_text(), file="log.csv", csv=True)
    except LogError as err:
        assert err.problems and all(p.path for p in err.problems[:1])


def load_map_text():  # noqa: ANN201
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "map.yaml"
        p.write_text(MAP_YAML)
        return load_map(p)


def test_cli_fit_writes_a_valid_scenario(tmp_path, capsys, good):
    import sim

    log, map_file, out = tmp_path / "log.csv", tmp_path / "map.yaml", tmp_path / "f.yaml"
    good.to_csv(log, index=False)
    map_file.write_text(MAP_YAML)
    rc = main(["fit", str(log), "--map", str(map_file), "--out", str(out), "--no-simulate"])
    assert rc == 0
    assert sim.load_scenario(out).pools["hospital"].specialists == {"cardiology": 3}
    report = (tmp_path / "f_fit" / "report.md").read_text()
    assert "## Staffing and routing" in report and "| hospital | cardiology | 3 |" in report
    assert "scenario written to" in capsys.readouterr().out
    assert main(["fit", str(log), "--out", str(tmp_path / "g.yaml"), "--replications", "1"]) == 2


def test_fit_again_into_the_same_out_needs_overwrite(tmp_path, capsys, good):
    import sim
    from sim.outputs.folders import OutputRefused

    log, map_file, out = tmp_path / "log.csv", tmp_path / "map.yaml", tmp_path / "f.yaml"
    good.to_csv(log, index=False)
    map_file.write_text(MAP_YAML)
    argv = ["fit", str(log), "--map", str(map_file), "--out", str(out), "--no-simulate"]
    assert main(argv) == 0
    before = (tmp_path / "f_fit" / "report.md").read_bytes()
    capsys.readouterr()
    assert main(argv) == 2
    assert "holds the outputs of an earlier sosim command; pass --overwrite" in \
        capsys.readouterr().err
    with pytest.raises(OutputRefused, match=r"f_fit holds the outputs of an earlier sosim"):
        sim.fit(log, map=map_file, out=out, simulate=False)
    assert (tmp_path / "f_fit" / "report.md").read_bytes() == before
    assert main([*argv, "--overwrite"]) == 0


def test_log_without_map_hints_at_the_map(tmp_path, capsys, good):
    log = tmp_path / "log.csv"
    good.to_csv(log, index=False)
    rc = main(["fit", str(log), "--out", str(tmp_path / "f.yaml"), "--no-simulate"])
    err = capsys.readouterr().err
    assert rc == 2
    lines = [ln for ln in err.splitlines() if ln.startswith(str(log))]
    assert len(lines) == 1, err  # one problem, not one per missing column
    assert "not those of sosim's own event log" in lines[0]
    assert "--map" in lines[0] and "examples/fit/map.yaml" in lines[0]


def test_map_without_resource_column_fits(tmp_path, good):
    """Issue #22: no resource column gave numpy's DTypePromotionError in stages.py."""
    import sim

    df = good.rename(columns={"case": "CaseID", "step": "Step", "time": "When"})
    log, map_file = tmp_path / "log.csv", tmp_path / "map.yaml"
    df[["CaseID", "Step", "When"]].to_csv(log, index=False)
    map_file.write_text(
        "columns: {case_id: CaseID, activity: Step, timestamp: When}\n"
        "activities: {arrival: Request received, records_complete: Records complete,\n"
        "             triage: Case triaged, review: Specialist review, opinion: Opinion sent}\n"
        "time_zone: America/Chicago\n")
    result = sim.fit(log, map=map_file, simulate=False)
    (pool,) = result.scenario.pools.values()
    assert pool.kind == "in_house"
    note = result.fitted.staffing.specialists["pool"]["general"].note
    assert "names no resources" in note
