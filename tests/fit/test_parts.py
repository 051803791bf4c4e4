"""Logs of several replications or platforms: split by the map's ``split``, or refused.

Issue #22: a five-replication ``events.parquet`` was fitted as one platform with no warning
(five times the volume, in-house utilisation 1.69 on a 28-day baseline log).
"""

from __future__ import annotations

import pandas as pd
import pytest

import sim
from sim.cli import main
from sim.fit.read import LogError, read_log
from tests.fit.generator import MAP_YAML, Truth, generate


@pytest.fixture(scope="module")
def three_replications(tmp_path_factory) -> tuple:  # noqa: ANN001
    scenario = sim.load_scenario("scenarios/baseline.yaml", overrides=[
        "simulation.horizon_days=14", "simulation.warmup_days=0"])
    results = sim.run(scenario, seed=2, replications=3)
    path = tmp_path_factory.mktemp("parts") / "events.parquet"
    results.events.to_parquet(path)
    return path, results


def test_sosim_log_of_several_replications_is_refused(three_replications, tmp_path, capsys):
    path, _ = three_replications
    rc = main(["fit", str(path), "--out", str(tmp_path / "f.yaml"), "--no-simulate"])
    err = capsys.readouterr().err
    assert rc == 2 and not (tmp_path / "f.yaml").exists()
    assert "holds 3 replications or platforms" in err and "r0, r1, r2" in err
    assert "--part r0" in err


def test_one_replication_is_fitted_with_part(three_replications):
    path, results = three_replications
    log = read_log(path, part="r1")
    cases = results.cases
    assert log.events["case"].str.startswith("r1-").all()
    assert log.events["case"].nunique() == int((cases["replication"] == 1).sum())
    with pytest.raises(LogError, match="no part 'r7'"):
        read_log(path, part="r7")


def test_platform_column_splits_a_foreign_log(tmp_path):
    a = generate(Truth(days=14, cases_per_year=1500), seed=1).assign(site="north")
    b = generate(Truth(days=14, cases_per_year=1500), seed=2).assign(site="south")
    df = pd.concat([a, b], ignore_index=True)
    df.loc[df.index[-1], "time"] = "garbage"  # a bad row in the south part
    log_file, map_file = tmp_path / "log.csv", tmp_path / "map.yaml"
    df.to_csv(log_file, index=False)
    map_file.write_text(MAP_YAML + "split: {column: site}\n")
    from sim.fit.mapping import load_map

    m = load_map(map_file)
    with pytest.raises(LogError, match="holds 2 replications or platforms"):
        read_log(log_file, m)
    north = read_log(log_file, m, part="north")
    assert north.events["case"].nunique() == a["case"].nunique()
    with pytest.raises(LogError) as err:  # the bad row is named by its line in the file
        read_log(log_file, m, part="south")
    assert err.value.problems[0].line == len(df) + 1


def test_split_pattern_needs_a_part_group(tmp_path):
    from sim.fit.mapping import load_map
    from sim.scenario.errors import ScenarioError

    map_file = tmp_path / "map.yaml"
    map_file.write_text(MAP_YAML + "split: {case_id_pattern: '^(r\\d+)-'}\n")
    with pytest.raises(ScenarioError, match="named group 'part'"):
        load_map(map_file)
