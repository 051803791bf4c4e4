"""Multi-year runs: volumes follow the market, adoption follows its path, runs reproduce."""

import numpy as np
import pandas as pd
import pytest

import sim
from sim.cli import main
from sim.market import derive_demand, project
from sim.market.demand import adoption_path
from sim.timeline import run_timeline

SHORT = ["simulation.horizon_days=40", "simulation.warmup_days=5", "simulation.replications=1",
         "timeline.last_year=2029"]


@pytest.fixture(scope="module")
def scenario():
    return sim.load_scenario("scenarios/platform_2026_2035.yaml", overrides=SHORT)


@pytest.fixture(scope="module")
def timeline(scenario):
    return run_timeline(scenario)


def test_platform_share_of_a_segment_gives_the_expected_volume(scenario):
    p = project("scenarios/market/doc000_2026.yaml")
    d = derive_demand(p, 2026, 0.0075, {"source": "outsourced", "region": "north_america"})
    assert scenario.demand.cases_per_year == pytest.approx(d.cases_per_year)
    # by hand: market x source share x region share / price per case x platform share
    t = p.table
    share = {dim: t[(t.year == 2026) & (t.dimension == dim) & (t.segment == seg)]["share"].item()
             for dim, seg in (("source", "outsourced"), ("region", "north_america"))}
    revenue = p.total_of(2026) * share["source"] * share["region"]
    assert d.segment_revenue == pytest.approx(revenue)
    assert sum(scenario.demand.mix.specialty.values()) == pytest.approx(1)


def test_year_on_year_volumes_follow_the_market(timeline):
    k = timeline.kpis.groupby("year")["cases_per_year"].first()
    p = project("scenarios/market/doc000_2026.yaml")
    seg = {"source": "outsourced", "region": "north_america"}
    expected = [derive_demand(p, y, 0.0075, seg).cases_per_year for y in k.index]
    np.testing.assert_allclose(k.to_numpy(), expected, rtol=1e-12)
    assert (np.diff(k.to_numpy()) > 0).all()  # a growing segment
    arrivals = timeline.kpis.groupby("year")["arrivals"].first().to_numpy()
    ratio = arrivals[-1] / arrivals[0]
    assert ratio == pytest.approx(expected[-1] / expected[0], rel=0.1)


def test_adoption_path_sets_each_years_ai_share(timeline):
    shares = timeline.kpis.groupby("year")["ai_share"].first()
    assert shares.to_dict() == pytest.approx({2026: 0.2, 2027: 0.3, 2028: 0.4, 2029: 0.5})
    assert adoption_path({2026: 0.2, 2030: 0.6}, [2040]) == {2040: 0.6}  # flat beyond them
    time_to_match = timeline.summary().query("kpi == 'time_to_match_h.mean'")["mean"].to_numpy()
    assert time_to_match[-1] < time_to_match[0]  # more AI, faster matching


def test_multi_year_run_is_reproducible(scenario, timeline):
    again = run_timeline(scenario)
    pd.testing.assert_frame_equal(timeline.kpis, again.kpis)


def test_market_scale_carries_intervals(scenario):
    tl = run_timeline(scenario.model_copy(update={"simulation": scenario.simulation.model_copy(
        update={"replications": 2})}))
    scale = tl.market_scale()
    assert set(scale["quantity"]) == {"specialist_hours", "opinion_cost_usd", "net_savings_usd"}
    assert (scale["ci_low"] <= scale["total"]).all() and (scale["total"] <= scale["ci_high"]).all()
    np.testing.assert_allclose(scale["total"], scale["per_case"] * scale["segment_cases"])


def test_cli_years_runs_a_timeline(tmp_path, capsys):
    out = tmp_path / "tl"
    assert main(["run", "scenarios/baseline.yaml", "--years", "2026-2027", "--out", str(out),
                 "--replications", "1", "--quiet", "--no-figures",
                 "--set", "simulation.horizon_days=30"]) == 0
    said = capsys.readouterr().out
    assert "2026" in said and "2027" in said
    assert (out / "timeline_summary.csv").is_file() and (out / "manifest.json").is_file()
    with pytest.raises(SystemExit) as bad:  # argparse refuses it, with status 2
        main(["run", "scenarios/baseline.yaml", "--years", "2030-2026"])
    assert bad.value.code == 2


def test_timeline_carries_the_conversion_range(timeline):
    rng = timeline.conversion_range()
    assert list(rng["year"]) == timeline.years
    assert (rng["cases_low"] < rng["cases"]).all() and (rng["cases"] < rng["cases_high"]).all()
    np.testing.assert_allclose(rng["cases_high"] / rng["cases_low"], 790 / 493)
    k = timeline.kpis
    assert {"cases_per_year_low", "cases_per_year_high"} <= set(k.columns)
    scale = timeline.market_scale()
    np.testing.assert_allclose(scale["total_high"] / scale["total_low"], 790 / 493)
    from sim.timeline import format_timeline
    assert "sourced range" in format_timeline(timeline)


def test_conversion_ends_rerun_the_years(scenario):
    s = scenario.model_copy(update={"timeline": scenario.timeline.model_copy(
        update={"last_year": 2027})})
    tl = run_timeline(s, conversion_ends=True)
    sens = tl.conversion_sensitivity(["arrivals", "time_to_opinion_h.p90"])
    assert set(sens["year"]) == {2026, 2027}
    np.testing.assert_allclose(sens["cases_most"] / sens["cases_fewest"], 790 / 493)
    arrivals = sens[sens["kpi"] == "arrivals"]  # the runs really had those volumes
    np.testing.assert_allclose(arrivals["at_most"] / arrivals["at_fewest"], 790 / 493,
                               rtol=0.1)
    assert sens["at_central"].notna().all()
    from sim.timeline import format_timeline
    assert "what it does" in format_timeline(tl)


def test_cli_conversion_ends(tmp_path, capsys):
    out = tmp_path / "ends"
    assert main(["run", "scenarios/platform_2026_2035.yaml", "--years", "2026-2026",
                 "--conversion-ends", "--out", str(out), "--replications", "1", "--quiet",
                 "--no-figures", "--set", "simulation.horizon_days=30",
                 "--set", "simulation.warmup_days=0"]) == 0
    assert "what it does" in capsys.readouterr().out
    assert (out / "conversion_sensitivity.csv").is_file()


def test_a_year_that_becomes_invalid_is_refused_with_its_line(tmp_path, capsys):
    """Two days from Friday 2 January 2026 include a working day; in 2027 they are a weekend,
    so the business calendar has no working time: refused before anything is simulated."""
    from tests.conftest import MINI_YAML

    path = tmp_path / "short.yaml"
    path.write_text(MINI_YAML.replace(
        "simulation: {start: 2026-01-05, horizon_days: 30, warmup_days: 2, seed: 1}",
        "simulation: {start: 2026-01-02, horizon_days: 2, warmup_days: 0, seed: 1}"))
    sim.load_scenario(path)  # 2026 itself is valid
    code = main(["run", str(path), "--years", "2026-2027", "--out", str(tmp_path / "o"),
                 "--replications", "1", "--no-figures"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"{path}:4: calendars.business: in year 2027: no working time at all" in err
    assert "Traceback" not in err and not (tmp_path / "o").exists()


def test_a_year_failing_the_schema_gets_the_usual_message():
    from sim.loading import check_derived
    from sim.scenario import ScenarioError
    from sim.timeline import scale_staff

    s = sim.load_scenario("scenarios/baseline.yaml")
    huge = s.model_copy(update={"demand": s.demand.model_copy(update={"cases_per_year": 2e8})})
    with pytest.raises(ScenarioError, match="demand.cases_per_year: in year 2031: input should "
                                            "be less than or equal to 100000000"):
        check_derived(huge, None, "in year 2031: ")
    assert check_derived(scale_staff(s, 2.0)) is not None  # a valid derivation passes
