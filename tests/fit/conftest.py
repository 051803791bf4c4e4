"""Shared, expensive fixtures of the fit tests: each log is generated and fitted once."""

from __future__ import annotations

import pytest

from tests.fit.generator import MAP_YAML, Truth, generate

ROUND_TRIP_YAML = """\
name: roundtrip
simulation: {start: 2026-01-05, horizon_days: 140, warmup_days: 0, seed: 3, replications: 1}
calendars:
  business: {days: [mon, tue, wed, thu, fri], hours: ["08:00", "17:00"], holidays: [2026-02-16]}
demand:
  cases_per_year: 4000
  profile: {weekday: [1.2, 1.1, 1.0, 1.0, 1.0, 0.4, 0.3], hour_of_day: flat}
  mix: {specialty: {oncology: 0.5, cardiology: 0.3, dermatology: 0.2}, channel: {portal: 1}, payer: {anyone: 1}}
intake: {digital: {dist: lognormal, mean: 8, sd: 6, unit: hours}, paper: {dist: lognormal, mean: 8, sd: 6, unit: hours}, digital_share: {portal: 1.0}}
triage: {policy: ai, ai: {accuracy: 1.0, service: {dist: uniform, low: 1, high: 10, unit: minutes}}}
payers: {anyone: {}}
pools:
  in_house: {kind: in_house, calendar: business, specialists: {oncology: 3, cardiology: 2}, review: {dist: gamma, mean: 2.0, sd: 1.0, unit: hours}}
  outsourced: {kind: outsourced, calendar: 24x7, specialists: {dermatology: 2}, review: {dist: lognormal, mean: 1.0, sd: 0.5, unit: hours}}
routing: {policy: in_house_first}
outcomes: {default: {confirmed: 0.12, refined: 0.67, changed: 0.21}}
"""  # noqa: E501


@pytest.fixture(scope="session")
def truth() -> Truth:
    return Truth()


@pytest.fixture(scope="session")
def foreign_files(tmp_path_factory, truth):  # noqa: ANN001, ANN201
    """The generator's log as CSV, and its map file."""
    folder = tmp_path_factory.mktemp("foreign")
    log, map_file = folder / "cases.csv", folder / "map.yaml"
    generate(truth, seed=1).to_csv(log, index=False)
    map_file.write_text(MAP_YAML)
    return log, map_file


@pytest.fixture(scope="session")
def foreign_fit(foreign_files, tmp_path_factory):  # noqa: ANN001, ANN201
    import sim

    log, map_file = foreign_files
    out = tmp_path_factory.mktemp("foreign_out") / "fitted.yaml"
    return sim.fit(log, map=map_file, out=out, replications=4, seed=2)


@pytest.fixture(scope="session")
def round_trip(tmp_path_factory):  # noqa: ANN201
    """(original scenario, its results over 5 replications, the fit of replication 0's log)."""
    import sim
    from sim.loading import scenario_from_text

    scenario = scenario_from_text(ROUND_TRIP_YAML)
    original = sim.run(scenario, seed=3, replications=5)
    folder = tmp_path_factory.mktemp("round_trip")
    ev = original.events
    first = ev[ev["case_id"].astype(str).str.startswith("r0-").to_numpy()]
    first.to_parquet(folder / "events.parquet")
    fitted = sim.fit(folder / "events.parquet", out=folder / "fitted.yaml", replications=4,
                     seed=11)
    return scenario, original, fitted
