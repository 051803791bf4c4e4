"""Make or buy, line by line: an opinion made in house at the simulated utilisation against
one bought from an outsourced pool, and where the two break even.

Only the costs that depend on who reviews are compared (records, triage and the channel
cost are the same either way), per opinion delivered by the queue ``<pool>/<line>``:

- **in house**: ``price_per_case_usd`` (the overhead per case) + worked hours x
  ``specialist_rate_per_hour_usd`` (if paid so) + the queue's contracted specialist cost
  (:mod:`sim.outputs.full_cost`) / its opinions;
- **outsourced**: the price (the contract's, else the pool's) + worked hours x rate - SLA
  credits + the pool's unused commitment / the pool's opinions.

KPIs ``make_or_buy.<pool>/<line>.*``: ``opinions``, ``utilisation`` (busy / contracted
hours), ``cost_per_opinion_usd``; and for a salaried queue whose line an outsourced pool
also staffs, ``buy_usd`` (the line's outsourced cost per opinion in the run, else the
cheapest outsourced list price), ``break_even_price_usd`` (the vendor cost per opinion at
which buying costs what making does at this utilisation: the in-house cost per opinion)
and ``break_even_utilisation`` (the utilisation at which making costs ``buy_usd``:
hourly cost x hours per opinion / (buy - in-house per-case costs); above 1 making never
pays on that line; ``inf`` when the vendor is cheaper than the in-house per-case costs
alone).

Example:
    >>> res = sim.run(sim.load_scenario("scenarios/baseline.yaml",
    ...     ["simulation.horizon_days=90", "simulation.warmup_days=7"]), replications=1)
    >>> t = make_or_buy_table(res.summary(), res.scenario)
    >>> list(t.columns)[:4]
    ['line', 'pool', 'opinions', 'utilisation']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.engine.plan import Plan

if TYPE_CHECKING:
    from sim.outputs.full_cost import FixedCosts
    from sim.scenario.models import Scenario

__all__ = ["make_or_buy_kpis", "make_or_buy_table"]

PREFIX = "make_or_buy."
FIELDS = ("opinions", "utilisation", "cost_per_opinion_usd", "buy_usd",
          "break_even_price_usd", "break_even_utilisation")


def _per_case(plan: Plan, cases: pd.DataFrame, keep: np.ndarray) -> np.ndarray:
    """Each delivered cohort opinion's pool-dependent cost (price, worked hours, credits)."""
    s = plan.scenario
    price = np.asarray([p.contract.price_per_case_usd if p.contract else p.price_per_case_usd
                        for p in s.pools.values()] + [0.0])
    rate = np.asarray([p.specialist_rate_per_hour_usd for p in s.pools.values()] + [0.0])
    pool = cases["pool"].cat.codes.to_numpy()[keep]
    effort = np.nan_to_num(cases["review_effort_h"].to_numpy()[keep])
    credit = (np.nan_to_num(cases["sla_credit_usd"].to_numpy()[keep])
              if "sla_credit_usd" in cases else 0.0)
    return price[pool] + rate[pool] * effort - credit


def _list_price(plan: Plan, line: str) -> float:
    """The cheapest outsourced list price on ``line`` (nan if no outsourced pool staffs it)."""
    prices = [p.contract.price_per_case_usd if p.contract else p.price_per_case_usd
              for q in plan.queues
              if q.name.split("/", 1)[1] == line and q.servers > 0
              for p in [plan.scenario.pools[plan.pools[q.pool]]] if p.kind == "outsourced"]
    return min(prices) if prices else np.nan


def make_or_buy_kpis(plan: Plan, cases: pd.DataFrame, keep: np.ndarray,
                     fixed: FixedCosts) -> dict[str, float]:
    """The make-or-buy KPIs of one replication (``keep``: delivered cohort rows)."""
    per_case = _per_case(plan, cases, keep)
    pool_names = list(cases["pool"].cat.categories)
    lines = list(cases["service_line"].cat.categories)
    pool_code = cases["pool"].cat.codes.to_numpy()[keep]
    line_code = cases["service_line"].cat.codes.to_numpy()[keep]
    queue = np.where((pool_code >= 0) & (line_code >= 0), pool_code * len(lines) + line_code, -1)
    pool_n = {name: int((pool_code == p).sum()) for p, name in enumerate(pool_names)}
    unused = fixed.unused_commitment_usd
    rows = {}
    for r in fixed.staff_rows:
        code = (pool_names.index(r.pool) * len(lines) + lines.index(r.line)
                if r.pool in pool_names and r.line in lines else -2)
        mine = queue == code
        n = int(mine.sum())
        if not n and not r.cost_usd:
            continue
        cost = per_case[mine].sum() + r.cost_usd
        if r.pool in unused and r.pool in pool_names and pool_n.get(r.pool, 0):
            cost += unused[r.pool] * n / pool_n[r.pool]
        rows[r.queue] = {"kind": r.kind, "line": r.line, "opinions": float(n),
                         "utilisation": r.busy_h / r.contracted_h if r.contracted_h else np.nan,
                         "cost_per_opinion_usd": cost / n if n else np.inf,
                         "hourly": r.hourly_usd, "busy": r.busy_h,
                         "per_case": per_case[mine].mean() if n else np.nan}
    out: dict[str, float] = {}
    for name, row in rows.items():
        key = f"{PREFIX}{name}"
        for f in ("opinions", "utilisation", "cost_per_opinion_usd"):
            out[f"{key}.{f}"] = row[f]
        if row["kind"] != "in_house" or not row["hourly"]:
            continue
        bought = [(o["opinions"], o["cost_per_opinion_usd"]) for o in rows.values()
                  if o["kind"] == "outsourced" and o["line"] == row["line"] and o["opinions"]]
        buy = (sum(n * c for n, c in bought) / sum(n for n, _ in bought) if bought
               else _list_price(plan, row["line"]))
        if np.isnan(buy):
            continue
        out[f"{key}.buy_usd"] = buy
        out[f"{key}.break_even_price_usd"] = row["cost_per_opinion_usd"]
        if row["opinions"]:
            per_case_in = row["per_case"]
            hours_per_opinion = row["busy"] / row["opinions"]
            out[f"{key}.break_even_utilisation"] = (
                row["hourly"] * hours_per_opinion / (buy - per_case_in) if buy > per_case_in
                else np.inf)
    return out


def make_or_buy_table(summary: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """The make-or-buy KPIs of a summary (means) as one row per queue, lines together."""
    keys = [k for k in summary.index if k.startswith(PREFIX)]
    data: dict[str, dict[str, float]] = {}
    for k in keys:
        queue, field = k.removeprefix(PREFIX).rsplit(".", 1)
        data.setdefault(queue, {})[field] = float(summary.loc[k, "mean"])
    rows = []
    for queue, values in data.items():
        pool, line = queue.split("/", 1)
        rows.append({"line": line, "pool": pool, **{f: values.get(f, np.nan) for f in FIELDS},
                     "kind": scenario.pools[pool].kind})
    cols = ["line", "pool", *FIELDS, "kind"]
    table = pd.DataFrame(rows, columns=cols)
    return table.sort_values(["line", "kind", "pool"], kind="stable").reset_index(drop=True)
