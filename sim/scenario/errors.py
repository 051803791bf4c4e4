"""The one exception a bad scenario raises, carrying every problem found at once."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario file.

    ``path`` is the dotted field path (``pools.in_house.specialists.oncology``),
    ``line`` the 1-based line in ``file`` where that field (or its nearest
    parent) was written, or ``None`` when the value did not come from the file
    (a ``--set`` override, a TOML file, a default).
    """

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        field = f" {self.path}:" if self.path else ""
        return f"{where}:{field} {self.message}"


class ScenarioError(ValueError):
    """A scenario file could not be read or is invalid.

    ``str(err)`` is the full report, one problem per line, ready for a terminal.

    Example:
        >>> p = Problem("a.yaml", 3, "demand.cases_per_year", "must be > 0 (got -5)")
        >>> err = ScenarioError([p])
        >>> print(err)
        a.yaml:3: demand.cases_per_year: must be > 0 (got -5)
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
