"""Cross-field rules of the clinical settings: outcomes against the procedures they avoid.

An avoided procedure requires a treatment change, so a procedure's ``avoided``
probability may not exceed the treatment-change rate of any specialty whose
cases come with it (``economics.procedure_share`` and the payers' own shares).

Example:
    >>> clinical_findings.__name__
    'clinical_findings'
"""

from __future__ import annotations

from typing import Any


def clinical_findings(s: Any) -> list[tuple[tuple[str | int, ...], str]]:  # noqa: ANN401
    """Procedures more often avoided than their specialties change treatment."""
    e = s.economics
    out: list[tuple[tuple[str | int, ...], str]] = []
    if e is None or ("default" not in s.outcomes and not s.outcomes):
        return out
    shares = [e.procedure_share] + [p.procedure_share for p in s.payers.values()]
    seen: set[tuple[str, str]] = set()
    for by_specialty in shares:
        for sp, procs in by_specialty.items():
            rates = s.outcomes.get(sp) or s.outcomes.get("default")
            for proc, share in procs.items():
                if rates is None or proc not in e.procedures or share <= 0 \
                        or (sp, proc) in seen:
                    continue
                seen.add((sp, proc))
                avoided = e.procedures[proc].avoided
                if avoided > rates.treatment_changed + 1e-9:
                    out.append((("economics", "procedures", proc, "avoided"),
                                f"{avoided:g} exceeds the treatment-change rate of {sp} "
                                f"({rates.treatment_changed:g}): only an opinion that changes "
                                "the treatment can avoid a procedure"))
    return out
