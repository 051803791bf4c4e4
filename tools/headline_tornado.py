"""Tornado figures: how far the headlines move over their least certain inputs.

(Not ``tools/tornado.py``: a script runs with its folder first on ``sys.path``, and a
``tornado.py`` there shadows the Tornado web server Jupyter needs in the other tools.)

Two headlines, each input set to the low and high end of its plausible range while the rest
stay as shipped, on common random numbers (the scenarios' seed, the same replications):

1. **AI against legacy**: extra opinions delivered by AI triage (``baseline.yaml``) over the
   legacy referral path (``legacy_referral.yaml``), in %, and the legacy path's extra full
   cost per opinion (USD). The two files differ only in triage, so each input is set in both.
2. **The baseline's return** (``money.roi``) over its least certain money inputs, the cost
   of waiting among them (off as shipped: no source).

Writes ``docs/images/tornado_ai_vs_legacy.png``, ``docs/images/tornado_roi.png`` and the
numbers behind them as ``docs/images/tornado.csv`` (``docs/validity.md`` quotes them):

    python tools/headline_tornado.py                 # full year, 3 replications (about 3 minutes)
    python tools/headline_tornado.py --quick --out /tmp/tornado   # 60 days, 1 replication (a check)
    python tools/headline_tornado.py --redraw        # the figures again from tornado.csv (no runs)
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

import sim  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
AI, LEGACY = ROOT / "scenarios" / "baseline.yaml", ROOT / "scenarios" / "legacy_referral.yaml"
PATIENCE = "abandonment.{}.default.mean"


@dataclass(frozen=True)
class Input:
    """One uncertain input: its label, and the overrides at the low and the high end."""

    label: str
    low: tuple[str, ...]
    high: tuple[str, ...]


HEADLINE_INPUTS = (
    Input("legacy referral patience, mean 8 / 60 days (as shipped 16: 'about half never "
          "complete', L; 60: Forrest's 17-21% in 3 months, H)",
          (PATIENCE.format("referral") + "=8",), (PATIENCE.format("referral") + "=60",)),
    Input("legacy referral cycle 3-6 / 8-15 business days (as shipped 5-10, L)",
          ("triage.legacy.referral_cycle.low=3", "triage.legacy.referral_cycle.high=6"),
          ("triage.legacy.referral_cycle.low=8", "triage.legacy.referral_cycle.high=15")),
    Input("records patience, mean 30 / 120 days (as shipped 60, assumption)",
          (PATIENCE.format("records") + "=30",), (PATIENCE.format("records") + "=120",)),
    Input("appointment patience, mean 60 / 240 days (as shipped 120, assumption)",
          (PATIENCE.format("appointment") + "=60",), (PATIENCE.format("appointment") + "=240",)),
    Input("specialist patience, mean 30 / 120 days (as shipped 60, assumption)",
          (PATIENCE.format("specialist") + "=30",), (PATIENCE.format("specialist") + "=120",)),
    Input("in-person slot wait, mean 10 / 30 days (as shipped 20, H)",
          ("appointments.in_person.mean=10", "appointments.in_person.sd=9.5"),
          ("appointments.in_person.mean=30", "appointments.in_person.sd=28.5")),
    Input("AI accuracy 0.80 / 0.95 (as shipped 0.87, H)",
          ("triage.ai.accuracy=0.80",), ("triage.ai.accuracy=0.95",)),
    Input("legacy accuracy 0.78 / 0.92 (as shipped 0.85, H)",
          ("triage.legacy.accuracy=0.78",), ("triage.legacy.accuracy=0.92",)),
    Input("demand 9,200 / 13,800 a year (as shipped 11,500, assumption)",
          ("demand.cases_per_year=9200",), ("demand.cases_per_year=13800",)),
)

ROI_INPUTS = (
    Input("cost of waiting, urgent USD 0 / 300 a day (as shipped 0: no source)",
          ("economics.delay_cost_per_day_usd.urgent=0",),
          ("economics.delay_cost_per_day_usd.urgent=300",)),
    Input("on-costs 0% / 40% of compensation (as shipped 25%, assumption)",
          ("economics.specialist_pay.in_house.on_cost_share=0",),
          ("economics.specialist_pay.in_house.on_cost_share=0.4",)),
    Input("spine fusion avoided 0.09 / 0.276 (as shipped 0.25; H range)",
          ("economics.procedures.spine_fusion.avoided=0.09",),
          ("economics.procedures.spine_fusion.avoided=0.276",)),
    Input("cancer course avoided 0.05 / 0.20 (as shipped 0.10, assumption)",
          ("economics.procedures.cancer_treatment.avoided=0.05",),
          ("economics.procedures.cancer_treatment.avoided=0.2",)),
    Input("oncology cases with a proposed course 0.3 / 0.7 (as shipped 0.5, assumption)",
          ("economics.procedure_share.oncology.cancer_treatment=0.3",),
          ("economics.procedure_share.oncology.cancer_treatment=0.7",)),
    Input("spine fusion cost mean USD 40k / 80k (as shipped 60k, assumption)",
          ("economics.procedures.spine_fusion.cost_usd.mean=40000",),
          ("economics.procedures.spine_fusion.cost_usd.mean=80000",)),
    Input("in-house overhead USD 75 / 225 a case (as shipped 150, assumption)",
          ("pools.in_house.price_per_case_usd=75",), ("pools.in_house.price_per_case_usd=225",)),
    Input("in-person slot wait, mean 10 / 30 days (as shipped 20, H)",
          ("appointments.in_person.mean=10", "appointments.in_person.sd=9.5"),
          ("appointments.in_person.mean=30", "appointments.in_person.sd=28.5")),
)


def _kpis(path: Path, overrides: tuple[str, ...], short: tuple[str, ...],
          replications: int) -> pd.Series:
    s = sim.load_scenario(path, overrides=[*short, *overrides])
    return sim.run(s, replications=replications).kpis.mean(numeric_only=True)


def headline(overrides: tuple[str, ...], short: tuple[str, ...], reps: int) -> dict[str, float]:
    """AI over legacy: extra opinions delivered (%), legacy's extra full cost per opinion."""
    ai, legacy = (_kpis(p, overrides, short, reps) for p in (AI, LEGACY))
    return {"extra_opinions_pct": 100 * (ai["delivered"] / legacy["delivered"] - 1),
            "legacy_extra_cost_per_opinion_usd": (legacy["money.cost_per_opinion_usd"]
                                                  - ai["money.cost_per_opinion_usd"]),
            "ai_abandoned_share": ai["abandoned_share"],
            "legacy_abandoned_share": legacy["abandoned_share"]}


def roi(overrides: tuple[str, ...], short: tuple[str, ...], reps: int) -> dict[str, float]:
    k = _kpis(AI, overrides, short, reps)
    return {"roi": k["money.roi"], "benefit_cost_ratio": k["money.benefit_cost_ratio"]}


def study(inputs, measure, short, reps, name: str) -> pd.DataFrame:  # noqa: ANN001
    base = measure((), short, reps)
    rows = [{"study": name, "input": "as shipped", "end": "base", **base}]
    for x in inputs:
        for end, over in (("low", x.low), ("high", x.high)):
            rows.append({"study": name, "input": x.label, "end": end,
                         **measure(over, short, reps)})
            print(f"{name}: {x.label.split(' (')[0]} {end}", flush=True)
    return pd.DataFrame(rows)


def draw(table: pd.DataFrame, metric: str, title: str, xlabel: str, path: Path) -> None:
    """One tornado: bars from the base value to each input's low and high end, widest first."""
    base = float(table.loc[table["end"] == "base", metric].iloc[0])
    rows = table[table["end"] != "base"].pivot(index="input", columns="end", values=metric)
    rows["span"] = (rows["high"] - rows["low"]).abs()
    rows = rows.sort_values("span")
    fig, ax = plt.subplots(figsize=(11, 0.55 * len(rows) + 1.8))
    for i, (label, r) in enumerate(rows.iterrows()):
        for end, colour in (("low", "tab:blue"), ("high", "tab:orange")):
            ax.barh(i, r[end] - base, left=base, color=colour, height=0.6,
                    label=f"{end} end" if i == 0 else None)
            ax.annotate(f"{r[end]:,.2f}" if abs(r[end]) < 10 else f"{r[end]:,.0f}",
                        (r[end], i), xytext=(3 if r[end] >= base else -3, 0),
                        textcoords="offset points", va="center", fontsize="x-small",
                        ha="left" if r[end] >= base else "right")
        del label
    ax.axvline(base, color="black", linewidth=1)
    ax.set_yticks(range(len(rows)), [_wrap(lbl) for lbl in rows.index], fontsize="x-small")
    ax.set_xlabel(xlabel)
    ax.set_title(f"{title}\nas shipped: {base:,.2f}" if abs(base) < 10 else
                 f"{title}\nas shipped: {base:,.0f}", fontsize="medium")
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _wrap(text: str, width: int = 48) -> str:
    import textwrap
    return "\n".join(textwrap.wrap(text, width))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="60 days, 1 replication, 2 inputs")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    ap.add_argument("--redraw", action="store_true", help="draw from OUT/tornado.csv, no runs")
    a = ap.parse_args()
    short = ("simulation.horizon_days=60", "simulation.warmup_days=7") if a.quick else ()
    reps = 1 if a.quick else 3
    n = 2 if a.quick else None
    a.out.mkdir(parents=True, exist_ok=True)
    if a.redraw:
        table = pd.read_csv(a.out / "tornado.csv")
    else:
        table = pd.concat([study(HEADLINE_INPUTS[:n], headline, short, reps, "ai_vs_legacy"),
                           study(ROI_INPUTS[:n], roi, short, reps, "roi")], ignore_index=True)
        table.round(4).to_csv(a.out / "tornado.csv", index=False)
    head = table[table["study"] == "ai_vs_legacy"]
    draw(head, "extra_opinions_pct",
         "AI triage vs legacy referral: extra opinions delivered by AI (%)",
         "extra opinions delivered by AI over legacy, % (3 replications, seed 7, one year)",
         a.out / "tornado_ai_vs_legacy.png")
    draw(table[table["study"] == "roi"], "roi", "Baseline: return on the full program cost",
         "money.roi (net savings / full cost; 3 replications, seed 7, one year)",
         a.out / "tornado_roi.png")
    print(table.round(3).to_string())


if __name__ == "__main__":
    main()
