"""Cross-field checks of salaried pay and per-member pricing (``economics.specialist_pay``,
``payers.<name>.members`` / ``pmpm_usd``).

Example:
    >>> pay_findings(scenario, {"oncology", "cardiology", "neurology", "orthopedics",
    ...     "other", "oncology/rare_tumour_pathology", "neurology/movement_disorders"})
    []
"""

from __future__ import annotations

from sim.scenario.economics import SpecialistPay
from sim.scenario.models import Pool, Scenario

__all__ = ["pay_findings"]


def pay_findings(s: Scenario, lines: set[str]) -> list[tuple[tuple[str | int, ...], str]]:
    """Cross-field problems of ``economics.specialist_pay`` and per-member pricing.

    ``lines`` are the scenario's lines (``oncology``, ``oncology/rare_tumour_pathology``).
    """
    out: list[tuple[tuple[str | int, ...], str]] = []
    e = s.economics
    for name, payer in s.payers.items():
        if payer.pmpm_usd is not None and payer.members is None:
            out.append((("payers", name, "pmpm_usd"),
                        "a price per member per month needs payers.<name>.members"))
    if e is None:
        return out
    for pool, pay in e.specialist_pay.items():
        path = ("economics", "specialist_pay", pool)
        if pool not in s.pools:
            out.append((path, f"unknown pool {pool!r} (pools has {', '.join(s.pools)})"))
            continue
        if s.pools[pool].specialist_rate_per_hour_usd > 0:
            out.append((("pools", pool, "specialist_rate_per_hour_usd"),
                        "must be 0 when economics.specialist_pay pays the pool's contracted "
                        "time (its specialists would be paid twice) (got "
                        f"{s.pools[pool].specialist_rate_per_hour_usd:g})"))
        known = lines | {ln.split("/", 1)[0] for ln in lines} | {"default"}
        for line in pay.annual_compensation_usd:
            if line not in known:
                out.append((path + ("annual_compensation_usd", line),
                            f"unknown line {line!r} (use one of {', '.join(sorted(known))})"))
        staffed = _pool_lines(s.pools[pool])
        unpaid = [ln for ln in staffed if not _has_pay(pay, ln)]
        if unpaid:
            out.append((path + ("annual_compensation_usd",),
                        f"no compensation for {', '.join(unpaid)} (add them, or 'default')"))
    return out


def _pool_lines(pool: Pool) -> list[str]:
    subs = [f"{sp}/{sub}" for sp, by in pool.subspecialists.items() for sub in by]
    return [*pool.specialists, *subs]


def _has_pay(pay: SpecialistPay, line: str) -> bool:
    try:
        pay.annual_usd(line)
    except KeyError:
        return False
    return True
