"""Back-test: the shipped scenarios still give exactly the stored figures for a fixed seed.

A refactor must not move a number. If a change is meant to, regenerate the stored
figures (``python -m tests.backtest.regenerate``, see ``README.md`` here) and say so.
"""

from __future__ import annotations

import pytest

from tests.backtest.figures import CASES, figures
from tests.backtest.regenerate import EXPECTED, load

STORED = load()


@pytest.mark.parametrize("name", list(CASES))
def test_figures_unchanged(name: str) -> None:
    assert name in STORED, f"no stored figures for {name}: run python -m tests.backtest.regenerate"
    expected, actual = STORED[name], figures(CASES[name])
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    changed = [f"{k}: stored {expected[k]!r}, now {actual[k]!r}"
               for k in expected if k in actual and expected[k] != actual[k]]
    problems = ([f"{len(changed)} figure(s) changed:", *changed[:40]] if changed else []) + (
        [f"no longer produced: {', '.join(missing[:20])}"] if missing else []) + (
        [f"new, not stored: {', '.join(extra[:20])}"] if extra else [])
    assert not problems, (f"{name} differs from {EXPECTED.name} "
                          "(regenerate only if the change is meant to move numbers):\n"
                          + "\n".join(problems))


def test_rounding_keeps_nine_significant_digits() -> None:
    from tests.backtest.figures import rounded

    assert rounded(1234.56789012345) == 1234.56789
    assert rounded(float("nan")) is None
    assert rounded(3) == 3
    assert rounded(1 / 3) != rounded(1 / 3 + 1e-8)  # a change in the 9th digit is seen
