"""Every shipped citation points into the repository: ``docs/sources.md#<id>``.

Issue 11, bug 9: scenario comments cited ``../shared/reference/...``, which users do not have.
Sources now live in ``docs/sources.md``, one ``## <id>`` section each; this fails if a
shipped file cites the private notes (or their old abbreviation "DP"), cites an id with no
section, or a section lacks its citation, confidence or figures.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "docs" / "sources.md"
SHIPPED = sorted([*ROOT.glob("scenarios/**/*.yaml"), *ROOT.glob("docs/*.md"), ROOT / "README.md",
                  *ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("sim/**/*.py")])
PRIVATE = re.compile(r"(\.\./|/work/)shared/|shared/(reference|seeds)/")
CITATION = re.compile(r"(?:docs/)?sources\.md#([A-Za-z0-9_-]+)")
HEADING = re.compile(r"^## ([a-z0-9][a-z0-9-]*)\s*$", re.MULTILINE)


def source_ids(text: str) -> list[str]:
    """The ids of ``## <id>`` sections, in order."""
    return HEADING.findall(text)


def citation_problems(name: str, text: str, ids: set[str]) -> list[str]:
    """Citations in ``text`` that point outside the repository or at no section."""
    problems = []
    for n, line in enumerate(text.splitlines(), 1):
        if PRIVATE.search(line):
            problems.append(f"{name}:{n}: cites the private reference notes: {line.strip()}")
        if name.endswith(".yaml") and re.search(r"\bDP\b", line):
            problems.append(f"{name}:{n}: cites 'DP' (the private notes): {line.strip()}")
        problems += [f"{name}:{n}: cites {i!r}, which docs/sources.md has no section for"
                     for i in CITATION.findall(line) if i not in ids and i != "id"]
    return problems


def test_sources_has_one_complete_section_per_id() -> None:
    text = SOURCES.read_text(encoding="utf-8")
    ids = source_ids(text)
    assert len(ids) >= 20
    assert len(ids) == len(set(ids)), "a source id is used twice"
    sections = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    for section in sections:
        head = section.splitlines()[0].strip()
        if head not in ids:  # the format example inside the code block
            continue
        assert re.search(r"Citation: .+", section), head
        assert re.search(r"Confidence: [HML]\b", section), head
        assert re.search(r"Figures taken:\n- ", section), head


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_files_cite_only_sources_in_the_repository(path: Path) -> None:
    ids = set(source_ids(SOURCES.read_text(encoding="utf-8")))
    problems = citation_problems(str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"),
                                 ids)
    assert not problems, "\n".join(problems)


def test_every_scenario_cites_sources_and_every_source_is_cited() -> None:
    ids = set(source_ids(SOURCES.read_text(encoding="utf-8")))
    for path in ROOT.glob("scenarios/**/*.yaml"):
        assert CITATION.search(path.read_text(encoding="utf-8")), f"{path.name} cites no source"
    cited = {i for path in SHIPPED for i in CITATION.findall(path.read_text(encoding="utf-8"))}
    assert ids - cited == set(), "sources nothing cites: drop them or cite them"


def test_the_check_fails_on_the_old_citations() -> None:
    ids = {"amia-2025"}
    bad = ("accuracy: 0.87  # AMIA Proc 2025 (DP H)\n"
           "# Sources are the rows of /work/shared/reference/domain-parameters.md\n"
           "# see ../shared/reference/market.md\n"
           "x: 1  # docs/sources.md#amia-2025 and docs/sources.md#nobody-2020\n")
    problems = citation_problems("x.yaml", bad, ids)
    assert [p.split(":")[1] for p in problems] == ["1", "2", "3", "4"]
    assert "'nobody-2020'" in problems[-1]
