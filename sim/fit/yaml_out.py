"""Writing a fitted scenario as YAML with a comment beside every fitted value.

The scenario is a nested mapping whose leaves are plain values or
:class:`~sim.fit.fitted.Fitted`; a fitted leaf is written on one line (flow style for a
mapping or list) followed by ``# its note``. Text is double-quoted, clock times included, so
YAML 1.1 reads nothing as a number or boolean by surprise; numbers never use exponents.

Example:
    >>> print(to_yaml({"demand": {"cases_per_year": Fitted(1200.0, "n=100")}}), end="")
    demand:
      cases_per_year: 1200.0  # n=100
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any

from sim.fit.fitted import Fitted

_BARE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def _key(k: Any) -> str:
    k = str(k)
    return k if _BARE_KEY.fullmatch(k) and k.lower() not in _YAML_WORDS else json.dumps(k)


def _scalar(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"cannot write {v} into a scenario")
        text = f"{v:.6g}"
        if "e" in text:
            text = f"{v:.10f}".rstrip("0")
        return text if "." in text else text + ".0"
    if isinstance(v, dt.date):
        return v.isoformat()
    return json.dumps(str(v))


def _flow(v: Any) -> str:
    if isinstance(v, Fitted):
        return _flow(v.value)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(k)}: {_flow(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_flow(x) for x in v) + "]"
    return _scalar(v)


def _comment(note: str) -> str:
    return "  # " + " ".join(note.split())


def _emit(data: dict, indent: int, out: list[str]) -> None:
    pad = "  " * indent
    for k, v in data.items():
        if isinstance(v, Fitted):
            out.append(f"{pad}{_key(k)}: {_flow(v.value)}{_comment(v.note)}")
        elif isinstance(v, dict) and v and not _is_leaf_mapping(v):
            out.append(f"{pad}{_key(k)}:")
            _emit(v, indent + 1, out)
        else:
            out.append(f"{pad}{_key(k)}: {_flow(v)}")


def _is_leaf_mapping(v: dict) -> bool:
    """A small mapping of plain values (a duration spec) is written on one line."""
    return "dist" in v and not any(isinstance(x, Fitted) for x in v.values())


def to_yaml(scenario: dict, header: list[str] = ()) -> str:
    """The scenario as YAML text, ``header`` lines first as comments."""
    out = [f"# {line}" for line in header]
    _emit(scenario, 0, out)
    return "\n".join(out) + "\n"
