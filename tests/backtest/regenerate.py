"""Regenerate the back-test's stored figures: ``python -m tests.backtest.regenerate``.

Runs every back-test case (or only those named: ``python -m tests.backtest.regenerate
baseline hybrid``) and rewrites ``tests/backtest/expected.json``. Do this only when a
change is *meant* to move a shipped scenario's numbers, and say so in the commit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.backtest.figures import CASES, SIGNIFICANT_DIGITS, figures

EXPECTED = Path(__file__).with_name("expected.json")


def load() -> dict:
    """The stored figures, ``{case: {figure: value}}`` (empty if none yet)."""
    if not EXPECTED.exists():
        return {}
    return json.loads(EXPECTED.read_text(encoding="utf-8"))["cases"]


def main(names: list[str]) -> int:
    unknown = sorted(set(names) - set(CASES))
    if unknown:
        print(f"unknown back-test case(s): {', '.join(unknown)}; known: {', '.join(CASES)}")
        return 2
    stored = load()
    for name in names or list(CASES):
        stored[name] = figures(CASES[name])
        print(f"{name}: {len(stored[name])} figures")
    doc = {
        "about": "Headline figures of the shipped scenarios for a fixed seed, rounded to "
                 f"{SIGNIFICANT_DIGITS} significant digits; regenerate with "
                 "`python -m tests.backtest.regenerate` (see tests/backtest/README.md).",
        "cases": {k: stored[k] for k in CASES if k in stored},
    }
    EXPECTED.write_text(json.dumps(doc, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(f"wrote {EXPECTED}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
