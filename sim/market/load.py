"""Read a market file into a validated, frozen :class:`~sim.market.models.Market`.

The same loader as scenario files (:mod:`sim.scenario.loader`): safe YAML that remembers
the line of every key, so every problem reads ``file:line: field.path: message (got X)``
and all of them are reported at once, as one :class:`~sim.scenario.errors.ScenarioError`
(the ``sosim`` command turns it into exit status 2).

Example:
    >>> market = load_market("scenarios/market/doc000_2026.yaml")
    >>> market.base_year, market.total.values[0].value
    (2025, 6.89)
    >>> market_from_text("name: x\\n", file="x.yaml")
    Traceback (most recent call last):
    ...
    sim.scenario.errors.ScenarioError: x.yaml:1: base_year: field required
    ...
"""

from __future__ import annotations

import os

from sim.market.checks import check_market
from sim.market.models import Market
from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.loader import Document, parse_document, read_document
from sim.scenario.messages import validate_model

__all__ = ["load_market", "market_from_document", "market_from_text"]


def _validate(doc: Document) -> Market:
    return validate_model(Market, doc)


def market_from_document(doc: Document) -> Market:
    """Validate a parsed document: schema, then cross-field checks; raise every problem.

    Example:
        >>> market_from_document(read_document("scenarios/market/doc000_2026.yaml")).name
        'doc000_2026'
    """
    market = _validate(doc)
    findings = check_market(market)
    if findings:
        problems = [Problem(*doc.locate(path), ".".join(map(str, path)), message)
                    for path, message in findings]
        raise ScenarioError(sorted(problems, key=lambda p: (p.line is None, p.line or 0)))
    market._origin = doc
    return market


def load_market(path: str | os.PathLike[str]) -> Market:
    """Read and validate a market file (``.yaml``, ``.yml`` or ``.toml``).

    Example:
        >>> load_market("scenarios/market/doc003_2025.yaml").end_year
        2035
    """
    return market_from_document(read_document(path))


def market_from_text(text: str, file: str = "<string>", fmt: str = "yaml") -> Market:
    """Validate a market file given as text (handy in tests and notebooks).

    Example:
        >>> text = Path("scenarios/market/doc003_2025.yaml").read_text()
        >>> market_from_text(text, file="m.yaml").base_year
        2025
    """
    return market_from_document(parse_document(text, file=file, fmt=fmt))


def locate(market: Market, path: tuple[str | int, ...]) -> tuple[str, int | None]:
    """(file, line) where ``path`` of ``market`` was written; ``("<market>", None)`` if unknown.

    Example:
        >>> locate(load_market("scenarios/market/doc000_2026.yaml"), ("total", "cagr"))
        ('scenarios/market/doc000_2026.yaml', 24)
    """
    doc = market._origin
    if isinstance(doc, Document):
        return doc.locate(path)
    return "<market>", None
