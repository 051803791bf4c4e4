import pytest

from sim.loading import scenario_from_text

BASE = """
name: engine
simulation: {start: 2026-01-05, horizon_days: 60, warmup_days: 5, seed: 11}
calendars:
  business: {days: [mon, tue, wed, thu, fri], hours: ["08:00", "17:00"]}
demand:
  cases_per_year: 20000
  profile:
    weekday: [1.2, 1.1, 1.0, 1.0, 0.9, 0.4, 0.4]
    hour_of_day: [0.2, 0.2, 0.2, 0.2, 0.2, 0.3, 0.6, 1, 2, 2, 2, 2,
                  1.5, 2, 2, 2, 1.5, 1, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2]
  mix:
    specialty: {oncology: 0.5, cardiology: 0.3, neurology: 0.2}
    subspecialty: {oncology: {sarcoma: 0.1}}
    channel: {online_portal: 0.6, in_person: 0.4}
    payer: {commercial: 0.7, medicare: 0.3}
    priority: {urgent: 0.2, routine: 0.8}
intake:
  digital: {dist: lognormal, mean: 6, sd: 4, unit: hours}
  paper: {dist: uniform, low: 2, high: 5, unit: business_days}
  digital_share: {online_portal: 0.95, in_person: 0.4}
triage:
  policy: ai
  ai: {accuracy: 0.85}
  legacy: {coordinators: 2, handling: {dist: fixed, value: 5, unit: minutes},
           referral_cycle: {dist: uniform, low: 5, high: 10, unit: business_days}, accuracy: 0.9}
  hybrid: {coordinators: 2, handling: {dist: fixed, value: 10, unit: minutes}}
payers:
  commercial: {preauth: {delay: {dist: fixed, value: 1, unit: business_days}, share: 0.5}}
  medicare: {covers: [in_house]}
pools:
  in_house:
    kind: in_house
    calendar: business
    specialists: {oncology: 6, cardiology: 4, neurology: 3}
    subspecialists: {oncology: {sarcoma: 1}}
    review: {dist: lognormal, mean: 1.5, sd: 0.7, unit: hours}
  outsourced:
    kind: outsourced
    calendar: 24x7
    specialists: {oncology: 3, cardiology: 2, neurology: 2}
    review: {dist: gamma, mean: 1.2, sd: 0.5, unit: hours}
routing: {policy: overflow, overflow_wait_hours: 24}
outcomes:
  oncology: {confirmed: 0.2, refined: 0.45, changed: 0.35}
  default: {confirmed: 0.12, refined: 0.67, changed: 0.21}
"""


@pytest.fixture
def make_scenario():
    """A multi-pool, multi-specialty scenario, with overrides."""

    def make(*overrides: str):
        return scenario_from_text(BASE, overrides=list(overrides), file="engine.yaml")

    return make
