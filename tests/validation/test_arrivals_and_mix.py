"""The random inputs themselves: arrival profile and case mix (no simulation needed).

Arrivals are a non-stationary Poisson process shaped by weekday and hour-of-day
weights (thinning at the candidate's own time); attributes are drawn from the
mix. Counts per bin are compared with their expectation by a chi-square test at
the 0.1% level (seeds are fixed, so the outcome is deterministic), and the
misroute, hybrid-check and pre-authorisation draws with their stated rates.

Power: with about 100,000 arrivals, a weekday weight off by 5% of its value adds a
non-centrality of about 54 to the 6-degree-of-freedom chi-square, which the 0.1% test
rejects with probability about 99% (3% off: about half the time).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from sim.core.streams import Streams
from sim.engine.demand import generate_cases
from sim.engine.draws import draw
from sim.engine.plan import build_plan

from .conftest import scenario
from .test_conservation import RICH

WEEKDAY = [1.3, 1.1, 1.0, 1.0, 0.9, 0.4, 0.3]
HOURS = [0.2] * 7 + [1, 2, 2, 2, 2, 1.5, 2, 2, 2, 1.5, 1] + [0.5] * 6
ALPHA = 1e-3


def _cases_and_draws(start: str = "2026-01-07", volume: int = 200_000, days: int = 182):  # noqa: ANN202
    text = (RICH.replace("TRIAGE_POLICY", "hybrid")
            .replace("start: 2026-01-05", f"start: {start}")
            .replace("horizon_days: 120", f"horizon_days: {days}"))
    s = scenario(text, (f"demand.cases_per_year={volume}",
                        f"demand.profile.weekday={WEEKDAY}",
                        f"demand.profile.hour_of_day={HOURS}"))
    plan = build_plan(s)
    st = Streams(17, 0)
    cases = generate_cases(plan, st.rng("arrivals"), st.rng("attributes"))
    return s, plan, cases, draw(plan, cases, st)


def _chi2(counts: np.ndarray, expected_share: np.ndarray, what: str) -> None:
    expected = expected_share / expected_share.sum() * counts.sum()
    p = stats.chisquare(counts, expected).pvalue
    assert p > ALPHA, f"{what}: counts {counts} vs expected {np.round(expected)} (p = {p:.2g})"


def test_arrival_volume_weekday_and_hour_profile() -> None:
    """Starting on a Wednesday: weekday weights apply to real weekdays (Monday first)."""
    s, plan, cases, _ = _cases_and_draws()
    t = cases.arrival_h
    horizon = plan.horizon_h
    expected_n = s.demand.cases_per_year * horizon / 8760
    assert abs(len(t) - expected_n) < 4 * np.sqrt(expected_n)
    weekday = (2 + (t // 24).astype(int)) % 7  # 2026-01-07 is a Wednesday
    hour = (t % 24).astype(int)
    # 182 days = 26 whole weeks: each weekday occurs equally often
    _chi2(np.bincount(weekday, minlength=7), np.asarray(WEEKDAY), "weekday")
    _chi2(np.bincount(hour, minlength=24), np.asarray(HOURS), "hour of day")
    joint = np.bincount(weekday * 24 + hour, minlength=168)
    _chi2(joint, np.outer(WEEKDAY, HOURS).ravel(), "weekday x hour")
    # Poisson: counts per hour-of-week cell have variance = mean (dispersion test)
    per_week = np.bincount((t // 168).astype(int) * 168 + weekday * 24 + hour,
                           minlength=26 * 168).reshape(26, 168)
    cell_mean = per_week.mean(0)
    disp = (((per_week - cell_mean) ** 2) / cell_mean).sum()
    dof = per_week.size - 168
    assert stats.chi2.sf(disp, dof) > ALPHA and stats.chi2.cdf(disp, dof) > ALPHA


def test_attribute_mix() -> None:
    s, plan, cases, d = _cases_and_draws()
    mix = s.demand.mix
    _chi2(np.bincount(cases.line, minlength=len(plan.lines)), plan.line_share, "service line")
    for name, codes, names in (("channel", cases.channel, plan.channels),
                               ("payer", cases.payer, plan.payers),
                               ("priority", cases.priority, ("urgent", "routine"))):
        shares = getattr(mix, name)
        _chi2(np.bincount(codes, minlength=len(names)),
              np.asarray([shares.get(n, 0.0) for n in names]), name)
    for k, ch in enumerate(plan.channels):
        rows = cases.channel == k
        share = s.intake.digital_share[ch]
        dig = d.digital[rows]
        _chi2(np.asarray([dig.sum(), (~dig).sum()]), np.asarray([share, 1 - share]),
              f"digital share {ch}")


def test_misroutes_checks_and_preauthorisation() -> None:
    s, plan, cases, d = _cases_and_draws()
    acc = s.triage.ai.accuracy
    _chi2(np.asarray([d.correct.sum(), (~d.correct).sum()]), np.asarray([acc, 1 - acc]),
          "AI accuracy")
    share = plan.line_share / plan.line_share.sum()
    for line in range(len(plan.lines)):
        wrong = d.wrong_line[(cases.line == line) & ~d.correct]
        assert (wrong != line).all()
        others = share.copy()
        others[line] = 0
        counts = np.bincount(wrong, minlength=len(share))
        keep = others > 0
        _chi2(counts[keep], others[keep], f"wrong line of {plan.lines[line].name}")
    h = s.triage.hybrid
    flagged = acc * h.flag_rate + (1 - acc) * h.flag_sensitivity
    urgent = s.demand.mix.priority["urgent"]
    p_checked = 1 - (1 - urgent) * (1 - flagged) * (1 - h.check.fraction)
    _chi2(np.asarray([d.checked.sum(), (~d.checked).sum()]),
          np.asarray([p_checked, 1 - p_checked]), "hybrid checked")
    assert d.checked[cases.priority == 0].all()  # urgent cases are always checked
    for k, name in enumerate(plan.payers):
        pre = s.payers[name].preauth
        need = d.auth_h[cases.payer == k] > 0
        if pre is None:
            assert not need.any()
        else:
            _chi2(np.asarray([need.sum(), (~need).sum()]),
                  np.asarray([pre.share, 1 - pre.share]), f"pre-authorisation {name}")
