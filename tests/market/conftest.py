"""Shared market fixtures: the two shipped market files, and a toy market with round numbers.

``TOY_YAML``'s figures are chosen so that results can be computed by hand: a total of 100
(USD million) in 2025 growing 10% a year; outsourced (40%) growing 20% a year from 2025;
online portal 50% at USD 500 a case, hospital 50% at USD 1,000; North America 40%;
oncology 30% of revenue at 3 review hours a case, everything else 1 hour.
Its line numbers are relied on by ``test_bad_market_files.py``: 4 base_year, 5 end_year,
7 total.values, 8 total.cagr, 12 in_house, 13 outsourced, 16 hospital, 21 north_america's
share, 22 its countries, 26 oncology, 29 volumes.price_per_case, 30 volumes.hours_per_case.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.market.load import load_market
from sim.market.models import Market
from sim.market.projection import Projection, project

ROOT = Path(__file__).resolve().parents[2]
DOC000 = ROOT / "scenarios" / "market" / "doc000_2026.yaml"
DOC003 = ROOT / "scenarios" / "market" / "doc003_2025.yaml"

TOY_YAML = """\
name: toy
currency: USD
unit: million
base_year: 2025
end_year: 2030
total:
  values: [{year: 2025, value: 100}]
  cagr: 0.10
dimensions:
  source:
    segments:
      in_house: {share: 0.6}
      outsourced: {cagr: 0.20}
  type:
    segments:
      hospital: {share: 0.5}
      online_portal: {share: 0.5}
  region:
    segments:
      north_america:
        share: 0.4
        countries: {us: {share: 0.75}}
      rest_of_world: {}
  application:
    segments:
      oncology: {share: 0.3}
      other: {}
volumes:
  price_per_case: {default: 1000, dimension: type, segments: {online_portal: 500}}
  hours_per_case: {default: 1.0, dimension: application, segments: {oncology: 3.0}}
  hours_per_fte_year: 1800
"""


def edited(old: str, new: str, text: str = TOY_YAML) -> str:
    """``text`` with the one occurrence of ``old`` replaced (fails loudly if not exactly one)."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


@pytest.fixture(scope="session")
def doc000() -> Projection:
    return project(load_market(DOC000))


@pytest.fixture(scope="session")
def doc003() -> Projection:
    return project(load_market(DOC003))


@pytest.fixture
def toy_file(tmp_path: Path) -> Path:
    path = tmp_path / "toy.yaml"
    path.write_text(TOY_YAML, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def toy_market() -> Market:
    from sim.market.load import market_from_text

    return market_from_text(TOY_YAML, file="toy.yaml")


@pytest.fixture(scope="session")
def toy(toy_market: Market) -> Projection:
    return project(toy_market)
