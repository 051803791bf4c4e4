"""Print mutmut's mutant names of some modules, all of them or a seeded random sample.

    python tools/mutation_sample.py sim/engine/triage.py                      # every mutant
    python tools/mutation_sample.py sim/core/calendar.py --size 60 --seed 2026
    bash tools/mutation.sh $(python tools/mutation_sample.py sim/engine/draws.py --size 60)

The names are the ones ``mutmut run`` gives (mutmut's own generator, no copy needed). A
sample is the first ``size`` names of one seeded shuffle of the sorted names, so a larger
size with the same seed extends a smaller sample (docs/mutation-testing.md).
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from mutmut.mutation.file_mutation import mutate_file_contents


def mutant_names(path: str) -> list[str]:
    """mutmut's full mutant names of one source file, sorted."""
    module = path.removesuffix(".py").replace("/", ".")
    code = Path(path).read_text()
    return sorted(f"{module}.{name}" for name in mutate_file_contents(path, code).mutant_names)


def sample(names: list[str], size: int | None, seed: int) -> list[str]:
    """The first ``size`` names of a ``random.Random(seed)`` shuffle (all when ``None``)."""
    shuffled = random.Random(seed).sample(names, len(names))
    return shuffled if size is None else shuffled[:size]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="source files, e.g. sim/engine/demand.py")
    parser.add_argument("--size", type=int, default=None, help="sample size per file")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--count", action="store_true", help="print the number per file")
    args = parser.parse_args()
    for path in args.paths:
        names = mutant_names(path)
        if args.count:
            print(f"{path}: {len(names)} mutants")
        else:
            print("\n".join(sample(names, args.size, args.seed)))


if __name__ == "__main__":
    main()
