"""Which pool a case goes to: rules from case attributes and wait thresholds, by held-out fit.

On the service lines that both kinds of pool staff, each reviewed case was either kept in
house or sent out. Candidate rules, each a probability model of that choice:

- **majority**: every case has the overall share of being sent out;
- **overflow**: sent out when the in-house expected wait at queue entry (rebuilt from the
  log as the engine's router estimates it, :mod:`sim.fit.staffing`) exceeds a threshold;
  one share above the threshold and one below it;
- **by attribute** (channel, payer, priority, region, any attribute the map names): one
  share per value of the attribute.

Each rule is fitted on the earlier 70% of the cases (by queue entry) and scored on the rest
by its **held-out log-likelihood** per case (shares smoothed by add-one, so that an unseen
value or a never-broken rule is not certain): the rule with the highest wins if it gains at
least :data:`MIN_GAIN` over the majority (and, for an attribute, sends some values in and
some out: otherwise it is the majority again), and its accuracy is set against the
majority's. The rule is then written as the scenario format
can say it: ``overflow`` with its threshold, ``by_channel`` (channel -> pool kind),
``by_payer`` where the schema has it (else each payer ``covers`` only the pools of its
kind). A rule the format cannot express (priority, region) is reported, not written.

Separately, a payer never sent to a pool kind although its cases would have been sent
there by chance (probability under 1% at the overall share) gets ``covers`` restricted
to the pools that reviewed its cases: a capability, not a preference, written whatever the
policy.

Example:
    >>> rows = pd.DataFrame({"queue_h": range(100), "channel": ["a", "b"] * 50,
    ...                      "sent_out": [False, True] * 50})
    >>> best = choose_rule(rows, waits=np.zeros(100), attributes=["channel"])
    >>> best.name, best.shares["b"]
    ('channel', (50, 1.0))
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.fit.fitted import Fitted

TRAIN_SHARE = 0.7
"""Share of the cases (earliest by queue entry) the rules are fitted on."""
RULE_ATTRIBUTES = ("channel", "payer", "priority", "region")
"""Case attributes tried as routing rules (when the log has them)."""
EXPRESSIBLE = {"overflow", "channel", "payer", "majority"}


@dataclass(frozen=True)
class Rule:
    """A fitted rule and its evidence: held-out log-likelihood and accuracy per case."""

    name: str
    loglik: float
    accuracy: float
    n_test: int
    shares: dict[str, tuple[int, float]] = field(default_factory=dict)
    """Per value (attribute rules) or side of the threshold: cases and share sent out."""
    threshold_h: float | None = None

    def describe(self) -> str:
        parts = ", ".join(f"{k} {100 * s:.1f}% out (n={n})" for k, (n, s) in self.shares.items())
        return (f"{self.name}: held-out log-likelihood {self.loglik:.3f} per case, "
                f"{100 * self.accuracy:.1f}% of {self.n_test} choices explained"
                + (f"; {parts}" if parts else ""))


def _p(k: float, n: float) -> float:
    return (k + 1) / (n + 2)


def _score(p_out: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    ll = np.where(y, np.log(p_out), np.log1p(-p_out))
    return float(ll.mean()), float(((p_out > 0.5) == y).mean())


def _best_threshold(waits: np.ndarray, sent_out: np.ndarray) -> tuple[float, float]:
    """The threshold that best separates kept from sent-out cases, and its accuracy."""
    ok = np.isfinite(waits)
    w, y = waits[ok], sent_out[ok]
    if len(w) == 0:
        return 0.0, 0.0
    order = np.argsort(w)
    w, y = w[order], y[order]
    # Threshold between w[k-1] and w[k]: cases 0..k-1 kept in, k.. sent out.
    kept_right = np.concatenate([[0], np.cumsum(~y)])
    out_right = np.concatenate([[0], np.cumsum(y[::-1])])[::-1]
    correct = kept_right + out_right
    k = int(np.argmax(correct))
    cut = w[0] if k == 0 else (w[k - 1] if k == len(w) else (w[k - 1] + w[k]) / 2)
    return float(cut), float(correct[k] / len(w))


def choose_rule(rows: pd.DataFrame, waits: np.ndarray, attributes: list[str]
                ) -> Rule:
    """The rule with the best held-out log-likelihood (``rows``: ``queue_h``, ``sent_out``)."""
    return fit_rules(rows, waits, attributes)[0]


def fit_rules(rows: pd.DataFrame, waits: np.ndarray, attributes: list[str]) -> list[Rule]:
    """Every candidate rule, best first (see the module docstring)."""
    y = rows["sent_out"].to_numpy(dtype=bool)
    order = np.argsort(rows["queue_h"].to_numpy(), kind="stable")
    train = np.zeros(len(rows), dtype=bool)
    train[order[:max(1, int(TRAIN_SHARE * len(rows)))]] = True
    test = ~train
    if not test.any():
        test = train
    share = _p(y[train].sum(), train.sum())
    rules = [Rule("majority", *_score(np.full(test.sum(), share), y[test]), int(test.sum()),
                  {"all": (int(train.sum()), float(y[train].mean()))})]
    w = np.asarray(waits, dtype=float)
    if np.isfinite(w).any():
        cut, _ = _best_threshold(w[train], y[train])
        above = np.nan_to_num(w, nan=-np.inf) > cut
        p_hi = _p(y[train & above].sum(), (train & above).sum())
        p_lo = _p(y[train & ~above].sum(), (train & ~above).sum())
        p = np.where(above[test], p_hi, p_lo)
        rules.append(Rule("overflow", *_score(p, y[test]), int(test.sum()), {
            f"wait > {cut:.1f} h": (int((train & above).sum()), p_hi),
            f"wait <= {cut:.1f} h": (int((train & ~above).sum()), p_lo)}, cut))
    for attr in attributes:
        if attr not in rows or rows[attr].nunique() < 2:
            continue
        v = rows[attr].astype(str).fillna("").to_numpy()
        tr = pd.DataFrame({"v": v[train], "y": y[train]}).groupby("v")["y"].agg(["sum", "size"])
        p_of = {k: _p(r["sum"], r["size"]) for k, r in tr.iterrows()}
        p = np.asarray([p_of.get(x, share) for x in v[test]])
        everything = pd.DataFrame({"v": v, "y": y}).groupby("v")["y"].agg(["mean", "size"])
        rules.append(Rule(attr, *_score(p, y[test]), int(test.sum()),
                          {str(k): (int(r["size"]), float(r["mean"]))
                           for k, r in everything.iterrows()}))
    return sorted(rules, key=lambda r: -r.loglik)


def never_sent(rows: pd.DataFrame, attr: str, level: float = 0.01) -> dict[str, str]:
    """Values of ``attr`` whose cases all went to one pool kind, which chance would not do.

    Returns value -> the kind they all went to, where a case of the other kind was expected
    (at the overall share) with probability above ``1 - level``.
    """
    if attr not in rows:
        return {}
    y = rows["sent_out"].to_numpy(dtype=bool)
    out = {}
    for v, idx in rows.groupby(rows[attr].astype(str)).indices.items():
        k, n = int(y[idx].sum()), len(idx)
        other = y[np.setdiff1d(np.arange(len(y)), idx)]
        if not len(other):
            continue
        s = float(other.mean())
        if k == 0 and (1 - s) ** n < level:
            out[v] = "in_house"
        elif k == n and s ** n < level:
            out[v] = "outsourced"
    return out


MIN_GAIN = 0.005
"""Held-out log-likelihood per case a rule must gain over the majority to be written."""


def _writable(rule: Rule, majority: Rule) -> bool:
    """A rule the format can say, that beats the majority held out, and that is a rule: an
    attribute whose values all go to one kind is the majority again."""
    if rule.name not in EXPRESSIBLE or rule.loglik < majority.loglik + MIN_GAIN:
        return False
    if rule.name in ("channel", "payer"):
        return len({s > 0.5 for _, s in rule.shares.values()}) == 2
    return True


def routing_entry(best: Rule, rules: list[Rule], rows: pd.DataFrame, note: str,
                  schema_fields: set[str]) -> tuple[dict[str, object], dict[str, str]]:
    """The scenario's ``routing`` section for ``best``, and payer -> kind to write as covers.

    ``schema_fields``: the fields of the scenario's ``Routing`` model, so that a policy the
    schema has not got yet (``by_payer``) is written another way.
    """
    majority = next(r for r in rules if r.name == "majority")
    chosen = next(r for r in rules if r is majority or _writable(r, majority))
    gain = (f"held-out: explains {100 * chosen.accuracy:.1f}% of the choices against the "
            f"majority's {100 * majority.accuracy:.1f}%, log-likelihood {chosen.loglik:.3f} "
            f"against {majority.loglik:.3f} per case")
    others = "; ".join(r.describe() for r in rules if r is not chosen)
    if best is not chosen:
        why = ("cannot be written in the scenario format" if best.name not in EXPRESSIBLE
               else f"gains less than {MIN_GAIN} per case over the majority or sends every "
               "value to one kind")
        others = f"the best-scoring rule, {best.name}, {why}; " + others
    n = len(rows)
    y = rows["sent_out"].to_numpy(dtype=bool)
    base = "outsourced_first" if y.mean() > 0.5 else "in_house_first"
    if chosen.name == "majority":
        return {"policy": Fitted(base, f"{note}; no rule explains the choices better than "
                                 f"the majority ({100 * majority.accuracy:.1f}% held out); "
                                 f"{others}", n)}, {}
    if chosen.name == "overflow":
        return {"policy": Fitted("overflow", f"{note}; an overflow rule wins ({gain}); "
                                 f"{others}", n),
                "overflow_wait_hours": Fitted(round(float(chosen.threshold_h), 2),
                                              "the in-house expected wait that best separates "
                                              "cases kept in from cases sent out", n)}, {}
    kinds = {v: ("outsourced" if s > 0.5 else "in_house") for v, (_, s) in chosen.shares.items()}
    shares = ", ".join(f"{v} {100 * s:.1f}% out (n={k})" for v, (k, s) in chosen.shares.items())
    text = f"{note}; routing by {chosen.name} wins ({gain}); shares: {shares}; {others}"
    if chosen.name == "channel":
        return {"policy": Fitted("by_channel", text, n),
                "by_channel": Fitted(kinds, f"per channel, the kind most of its cases went to "
                                     f"({shares})", n)}, {}
    if "by_payer" in schema_fields:
        return {"policy": Fitted("by_payer", text, n),
                "by_payer": Fitted(kinds, f"per payer, the kind most of its cases went to "
                                   f"({shares})", n)}, {}
    # no by_payer policy yet: each payer covers the pools of its kind (written by the caller)
    return {"policy": Fitted(base, text + "; written as each payer's covers (the scenario "
                             "format has no by_payer policy)", n)}, kinds
