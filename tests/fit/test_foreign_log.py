"""A log sosim did not write: the fit recovers what the generator was given.

The generator (``tests/fit/generator.py``) is a plain FCFS recursion with its own names,
individual specialist ids, UTC offsets in America/Chicago, complete-only triage and
tele-consult reviews, a business-hours hospital with a holiday and an always-open
tele-consult pool. Tolerances: staff counts, calendars and pool kinds exact; volume, means
and shares inside their 95% intervals; profiles inside their intervals for at least 6 of 7
weekdays and 21 of 24 hours; the simulated time to opinion inside its run-to-run interval.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

import sim


def test_staff_counts_and_kinds_are_exact(foreign_fit, truth):
    s = foreign_fit.scenario
    assert s.pools["hospital"].kind == "in_house"
    assert s.pools["teleconsult"].kind == "outsourced"
    assert s.pools["hospital"].specialists == {"cardiology": len(truth.hospital)}
    assert s.pools["teleconsult"].specialists == {"dermatology": len(truth.tele)}
    assert s.triage.policy == "legacy"
    assert s.triage.legacy.coordinators == len(truth.coordinators)


def test_calendars_are_detected(foreign_fit, truth):
    s = foreign_fit.scenario
    hospital = s.calendars[s.pools["hospital"].calendar]
    assert hospital.days == ["mon", "tue", "wed", "thu", "fri"]
    assert hospital.hours == ["08:00", "17:00"]
    assert hospital.holidays == [truth.holiday]
    assert s.calendars[s.pools["teleconsult"].calendar] == "24x7"
    triage = s.calendars[s.triage.legacy.calendar]
    assert (triage.days, triage.hours) == (hospital.days, hospital.hours)


def _inside(fitted, value) -> bool:  # noqa: ANN001
    lo, hi = fitted.ci
    return lo <= value <= hi


def test_demand_inside_intervals(foreign_fit, truth):
    d = foreign_fit.fitted.demand
    assert _inside(d["cases_per_year"], truth.cases_per_year)
    for attr in ("specialty", "channel"):
        for key, share in getattr(truth, attr).items():
            lo, hi = d[attr].ci[key]
            assert lo <= share <= hi, (attr, key, share, d[attr].ci[key])
    wd = np.asarray(truth.weekday) / np.mean(truth.weekday)
    inside = sum(lo <= w <= hi for w, (lo, hi) in zip(wd, d["weekday"].ci, strict=True))
    assert inside >= 6, d["weekday"].ci
    hod = np.asarray(truth.hour_of_day) / np.mean(truth.hour_of_day)
    inside = sum(lo <= w <= hi for w, (lo, hi) in zip(hod, d["hour_of_day"].ci, strict=True))
    assert inside >= 21


def test_durations_inside_intervals(foreign_fit, truth):
    fd = foreign_fit.fitted.durations
    assert fd["intake"].mean_ci[0] <= truth.records_mean_h <= fd["intake"].mean_ci[1]
    assert fd["triage"].mean_ci[0] <= truth.triage_mean_h <= fd["triage"].mean_ci[1]
    hospital = fd["review.hospital"]
    assert hospital.mean_ci[0] <= truth.hospital_mean_h <= hospital.mean_ci[1]
    assert abs(hospital.sd / truth.hospital_sd_h - 1) < 0.1
    assert hospital.spec["dist"] in ("gamma", "lognormal")
    tele = fd["review.teleconsult"]  # complete-only: starts estimated
    assert tele.mean_ci[0] <= truth.tele_mean_h <= tele.mean_ci[1]


def test_start_heuristic_is_reported_and_checked(foreign_fit):
    notes = " ".join(foreign_fit.fitted.notes)
    assert "100.0% of triages have no start event" in notes
    assert "reviews that do record their start" in notes
    comment = [ln for ln in foreign_fit.yaml.splitlines() if "handling:" in ln][0]
    assert "starts estimated from the previous completion" in comment


def test_resimulation_reproduces_the_log(foreign_fit):
    k = foreign_fit.fidelity.kpis
    for kpi in ("time_to_opinion_h.mean", "time_to_opinion_h.p90", "time_to_match_h.mean",
                "throughput_per_week", "utilisation.hospital"):
        assert k.loc[kpi, "inside"], k.loc[kpi]
    d = foreign_fit.fidelity.distances["mean"]
    assert d["n_gram_distance"] < 0.02
    assert d["cycle_time_emd_rel"] < 0.15
    assert d["circadian_event_emd_rel"] < 0.05
    assert d["case_arrival_emd_rel"] < 0.05


def test_outputs_written_and_scenario_valid(foreign_fit):
    paths = foreign_fit.paths
    text = paths["scenario"].read_text()
    assert sim.load_scenario(paths["scenario"]).name == "fitted"
    # every fitted value carries its comment: each line with a number in demand/pools has one
    for line in text.splitlines():
        if line.strip().startswith(("cases_per_year", "weekday", "review:", "handling",
                                    "cardiology:", "dermatology:", "specialty:")):
            assert "  # n=" in line or "# " in line, line
    for name in ("report.md", "kpis.csv", "distances.csv", "figures/overlays.png",
                 "manifest.json"):
        assert (paths["report"] / name).is_file(), name
    assert "time_to_opinion_h.mean" in (paths["report"] / "report.md").read_text()


def test_time_zone_converted_to_local_clock(foreign_fit, truth):
    # The generator writes local Chicago times with offsets (-06:00, then -05:00 after the
    # DST change on 8 March): read back, the hospital still opens at 08:00 local.
    assert foreign_fit.log.start == truth.start
    t = foreign_fit.fitted.table
    starts = t["review_start_h"][t["pool"] == "hospital"].dropna()
    after_dst = starts[starts > 24 * (dt.date(2026, 3, 9) - truth.start).days]
    assert (after_dst % 24 >= 8 - 1e-6).all()
