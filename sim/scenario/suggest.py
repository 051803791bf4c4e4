"""Did-you-mean for a misspelled name: a short sentence instead of a list of every name.

Example:
    >>> unknown("KPI", "time_to_opinon_h.mean", ["time_to_opinion_h.mean", "arrivals"])
    "unknown KPI 'time_to_opinon_h.mean' (did you mean 'time_to_opinion_h.mean'?)"
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def unknown(what: str, name: str, known: Iterable[str], listed_in: str = "") -> str:
    """``unknown <what> 'name'`` with the closest known names (difflib), never all of them.

    ``listed_in`` says where the full list is, for when nothing is close.
    """
    known = list(known)
    near = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    if not near:  # a prefix like "time_to_opinion" still finds its family
        near = [k for k in known if k.startswith(name.split(".")[0])][:3]
    if near:
        return f"unknown {what} {name!r} (did you mean {' or '.join(map(repr, near))}?)"
    where = f"; they are listed in {listed_in}" if listed_in else ""
    return f"unknown {what} {name!r} ({len(known)} {what}s are known{where})"
