"""Mutation scores per module from mutmut's results in mutants/ (docs/mutation-testing.md).

    python tools/mutation_score.py                  # every module with checked mutants
    python tools/mutation_score.py --names FILE     # only the mutants named in FILE (a sample)

A mutant counts as killed when a test failed or timed out on it (or a type checker
caught it); the score is killed / checked, with a Wilson 95% interval, which is what a
random sample of a module's mutants says about all of them.
"""

from __future__ import annotations

import argparse
import collections
import json
import math
from pathlib import Path

from mutmut.stats import status_by_exit_code

KILLED = ("killed", "timeout", "caught by type check")


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval of a proportion k / n (95% by default).

    >>> [round(x, 3) for x in wilson(44, 50)]
    [0.762, 0.944]
    """
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def statuses(names: set[str] | None = None) -> dict[str, collections.Counter]:
    """Per module (dotted name), the count of each mutmut status of its checked mutants."""
    out: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for meta in sorted(Path("mutants").rglob("*.meta")):
        for key, code in json.loads(meta.read_text()).get("exit_code_by_key", {}).items():
            if code is None or (names is not None and key not in names):
                continue
            module = key.rsplit(".", 1)[0]
            out[module][status_by_exit_code[code]] += 1
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=Path, help="file of mutant names (one a line)")
    args = parser.parse_args()
    names = set(args.names.read_text().split()) if args.names else None
    total_k = total_n = 0
    for module, count in sorted(statuses(names).items()):
        k = sum(count[s] for s in KILLED)
        n = sum(count.values()) - count["skipped"]
        lo, hi = wilson(k, n)
        total_k, total_n = total_k + k, total_n + n
        print(f"{module}: {k}/{n} killed ({k / max(n, 1):.1%}, Wilson 95% {lo:.0%}-{hi:.0%}); "
              f"{dict(count)}")
    print(f"all: {total_k}/{total_n} killed ({total_k / max(total_n, 1):.1%}); "
          "survivors: python -m mutmut results")


if __name__ == "__main__":
    main()
