"""How sosim writes a number for a person: hours, shares, counts, money, intervals.

One place for the formats of the terminal report (:mod:`sim.outputs.report`), the answer
at a glance (:mod:`sim.outputs.glance`) and the web page (:mod:`sim.app.answer`), so the
same KPI reads the same everywhere. A missing value (``None`` or NaN) is ``-``.

Example:
    >>> as_hours(50.0), as_share(0.1234), as_count(1281.4), as_usd(38.2), as_usd(1250.0)
    ('50.0 h (2.1 d)', '12.3%', '1,281', '38.20', '1,250')
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def as_hours(x: float) -> str:
    """Hours with one decimal, and days beside them from two days on."""
    if x is None or math.isnan(x):
        return "-"
    x = x + 0.0  # no "-0.0"
    return f"{x:,.1f} h" + (f" ({x / 24:,.1f} d)" if abs(x) >= 48 else "")


def as_share(x: float) -> str:
    """A share (0-1) as a percentage with one decimal."""
    return "-" if x is None or math.isnan(x) else f"{100 * x:.1f}%"


def as_number(x: float) -> str:
    """A plain number with two decimals (a return, a ratio)."""
    return "-" if x is None or math.isnan(x) else f"{x:,.2f}"


def as_count(x: float) -> str:
    """A count (cases, surgeries): a whole number, even as a mean across replications."""
    return "-" if x is None or math.isnan(x) else f"{x + 0.0:,.0f}"


def as_cases(x: float) -> str:
    """A time-average number of cases (a queue length), one decimal."""
    return "-" if x is None or math.isnan(x) else f"{x + 0.0:,.1f} cases"


def as_cost(x: float) -> str:
    """An amount that cannot be negative (a cost, a payment, a lost saving)."""
    return as_usd(x)


def as_ratio(x: float) -> str:
    """A ratio of non-negative amounts (benefit / cost)."""
    return as_number(x)


NON_NEGATIVE = {as_hours, as_share, as_count, as_cases, as_cost, as_ratio}
"""Formats of quantities that cannot be negative: their intervals stop at 0 (marked *)."""


def interval_text(row: pd.Series, fmt) -> str:  # noqa: ANN001
    """``[low, high]`` of a summary row in ``fmt``; a non-negative quantity's interval stops
    at 0 and is marked ``*`` (see :func:`sim.outputs.report.interval_notes`)."""
    if math.isnan(row["half_width"]):
        return ""
    low, cut = row["ci_low"], ""
    if fmt in NON_NEGATIVE and low < 0:
        low, cut = 0.0, "*"
    return f"[{fmt(low)}, {fmt(row['ci_high'])}]{cut}"


def as_usd(x: float) -> str:
    """Money: whole units from 100 on, cents below."""
    if x is None or math.isnan(x):
        return "-"
    return f"{x + 0.0:,.0f}" if abs(x) >= 100 else f"{x + 0.0:,.2f}"


def as_pct(x: float) -> str:
    """A number that is already a percentage, one decimal."""
    return "-" if x is None or math.isnan(x) else f"{x + 0.0:.1f}%"


def with_interval(r: pd.Series, fmt) -> str:  # noqa: ANN001
    """A summary row's mean and its interval, in ``fmt``."""
    ci = interval_text(r, fmt)
    return f"{fmt(r['mean'])} {ci}".strip()


def measured_window(sc) -> str:  # noqa: ANN001
    """The measured window in words: what the per-run totals and counts cover."""
    sim_ = sc.simulation
    if not sim_.warmup_days:
        return f"{sim_.horizon_days:g} days measured"
    return (f"{sim_.horizon_days - sim_.warmup_days:g} days measured after a "
            f"{sim_.warmup_days:g}-day warm-up")


def row_maker(summary: pd.DataFrame) -> Callable[[str, str, Callable[[float], str]],
                                                  tuple[str, str, str]]:
    """``row(label, kpi, fmt)``: a table row of ``summary``'s mean and 95% interval of ``kpi``.

    A KPI the summary lacks shows as ``-`` (the scenario does not produce it).

    >>> import pandas as pd
    >>> row = row_maker(pd.DataFrame({"mean": [0.5], "half_width": [0.1], "ci_low": [0.4],
    ...                                "ci_high": [0.6]}, index=["outsourced_share"]))
    >>> row("outsourced share", "outsourced_share", as_share), row("x", "nothing", as_share)
    (('outsourced share', '50.0%', '[40.0%, 60.0%]'), ('x', '-', ''))
    """

    def row(label: str, kpi: str, fmt: Callable[[float], str]) -> tuple[str, str, str]:
        if kpi not in summary.index:
            return (label, "-", "")
        r = summary.loc[kpi]
        return (label, fmt(r["mean"]), interval_text(r, fmt))

    return row


def text_table(rows: list[tuple[str, str, str]], title: str) -> str:
    """``rows`` of (label, value, interval) under ``title``, labels left, values right."""
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    lines = [title, "-" * max(map(len, title.splitlines()))]
    lines += [f"  {a:<{w0}}  {b:>{w1}}  {c}".rstrip() for a, b, c in rows]
    return "\n".join(lines)
