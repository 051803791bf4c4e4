"""Bad market files get a ScenarioError naming file, line and field; nothing is projected.

Each case edits one line of the toy market (line numbers in ``conftest.py``) and expects the
exact ``file:line: field.path:`` prefix and a phrase of the message.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

from sim.market.load import load_market, market_from_text
from sim.scenario.errors import ScenarioError
from tests.market.conftest import TOY_YAML, edited


class Bad(NamedTuple):
    old: str
    new: str
    where: str  # "line: field.path"
    phrase: str


CASES = {
    "share over 1": Bad("in_house: {share: 0.6}", "in_house: {share: 1.6}",
                        "12: dimensions.source.segments.in_house.share",
                        "less than or equal to 1 (got 1.6)"),
    "shares sum over 1": Bad("hospital: {share: 0.5}", "hospital: {share: 0.7}",
                             "15: dimensions.type.segments", "shares sum to more than 1"),
    "negative share": Bad("in_house: {share: 0.6}", "in_house: {share: -0.6}",
                          "12: dimensions.source.segments.in_house.share",
                          "greater than or equal to 0 (got -0.6)"),
    "negative value": Bad("in_house: {share: 0.6}", "in_house: {value: -60}",
                          "12: dimensions.source.segments.in_house.value", "(got -60)"),
    "negative total": Bad("{year: 2025, value: 100}", "{year: 2025, value: -100}",
                          "7: total.values.0.value", "greater than 0 (got -100)"),
    "CAGR below -100%": Bad("outsourced: {cagr: 0.20}", "outsourced: {cagr: -1.5}",
                            "13: dimensions.source.segments.outsourced.cagr",
                            "above -1 (-100% a year) (got -1.5)"),
    "CAGR in percent": Bad("  cagr: 0.10", "  cagr: 10", "8: total.cagr",
                           "rates are fractions, 0.068 for 6.8%"),
    "unknown key": Bad("in_house: {share: 0.6}", "in_house: {shares: 0.6}",
                       "12: dimensions.source.segments.in_house.shares", "unknown key 'shares'"),
    "unknown top-level key": Bad("unit: million", "unit: million\nunits: bn",
                                 "4: units", "unknown key 'units'"),
    "bad unit": Bad("unit: million", "unit: millions", "3: unit", "(got 'millions')"),
    "boolean for a number": Bad("in_house: {share: 0.6}", "in_house: {share: yes}",
                                "12: dimensions.source.segments.in_house.share", "(got true)"),
    "end before base": Bad("end_year: 2030", "end_year: 2020", "5: end_year",
                           "must be after base_year 2025 (got 2020)"),
    "no base-year value": Bad("{year: 2025, value: 100}", "{year: 2026, value: 100}",
                              "7: total.values", "needs the value of base_year 2025"),
    "rate period outside": Bad("outsourced: {cagr: 0.20}",
                               "outsourced: {cagr: {rate: 0.2, from: 2020}}",
                               "13: dimensions.source.segments.outsourced.cagr.from",
                               "within 2025-2030 (got 2020)"),
    "two rests": Bad("in_house: {share: 0.6}", "in_house: {cagr: 0.05}",
                     "13: dimensions.source.segments.outsourced",
                     "only one segment per dimension may omit share and value"),
    "share and value": Bad("countries: {us: {share: 0.75}}",
                           "countries: {us: {share: 0.75, value: 3}}",
                           "22: dimensions.region.segments.north_america.countries.us",
                           "give share or value, not both"),
    "fastest without rate": Bad("hospital: {share: 0.5}", "hospital: {share: 0.5, fastest: true}",
                                "16: dimensions.type.segments.hospital.fastest",
                                "needs the segment's cagr"),
    "countries outside region": Bad("oncology: {share: 0.3}",
                                    "oncology: {share: 0.3, countries: {us: {share: 1}}}",
                                    "26: dimensions.application.segments.oncology.countries",
                                    "only allowed under the 'region' dimension"),
    "unknown price dimension": Bad("dimension: type, segments: {online_portal: 500}",
                                   "dimension: channel, segments: {online_portal: 500}",
                                   "29: volumes.price_per_case.dimension",
                                   "unknown dimension 'channel'"),
    "unknown price segment": Bad("segments: {online_portal: 500}", "segments: {online: 500}",
                                 "29: volumes.price_per_case.segments.online",
                                 "unknown segment of type"),
    "zero price": Bad("default: 1000", "default: 0", "29: volumes.price_per_case.default",
                      "greater than 0 (got 0)"),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_bad_market_file(case: Bad, tmp_path: Path) -> None:
    path = tmp_path / "toy.yaml"
    path.write_text(edited(case.old, case.new), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_market(path)
    text = str(info.value)
    assert f"{path}:{case.where}: " in text, text
    assert case.phrase in text, text


def test_every_mistake_is_reported_at_once() -> None:
    text = edited("in_house: {share: 0.6}", "in_house: {share: 1.6}",
                  edited("outsourced: {cagr: 0.20}", "outsourced: {cagr: -2}",
                         edited("unit: million", "unit: million\nunitz: 1")))
    with pytest.raises(ScenarioError) as info:
        market_from_text(text, file="toy.yaml")
    lines = str(info.value).splitlines()
    assert [line.split(":")[1] for line in lines] == ["4", "13", "14"]


def test_missing_file_and_wrong_suffix(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="file not found"):
        load_market(tmp_path / "nope.yaml")
    (tmp_path / "m.json").write_text("{}")
    with pytest.raises(ScenarioError, match="unsupported file type"):
        load_market(tmp_path / "m.json")


def test_the_toy_market_itself_is_valid() -> None:
    market = market_from_text(TOY_YAML)
    assert market.scale == 1e6 and market.years == list(range(2025, 2031))
    assert market.specialties == "application"
