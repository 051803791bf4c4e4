"""Cross-field checks of a market file: the rules pydantic cannot see field by field.

Years must fall inside ``base_year..end_year``, the base year needs a value, names must
point at dimensions and segments that exist, and a dimension can have only one segment
whose size is "the rest". Each problem is a ``(path, message)`` pair, so the loader can put
the file's line in front of it. These are *errors*: the file cannot be projected. Figures
that can be projected but disagree with each other are not errors; they go to the
consistency report (:mod:`sim.market.report`).

Example:
    >>> from sim.market.load import market_from_text
    >>> text = Path("scenarios/market/doc000_2026.yaml").read_text()
    >>> market_from_text(text.replace("end_year: 2035", "end_year: 2024"))
    Traceback (most recent call last):
    ...
    sim.scenario.errors.ScenarioError: <string>:...: end_year: must be after base_year 2025 \
(got 2024)
"""

from __future__ import annotations

from collections.abc import Iterator

from sim.market.models import Growth, Market

Path = tuple[str | int, ...]
Finding = tuple[Path, str]
SUM_SLACK = 1e-9


def _known(names: object) -> str:
    return ", ".join(map(str, names)) or "none"  # type: ignore[call-overload]


def _growths(m: Market) -> Iterator[tuple[Path, Growth]]:
    if m.total.cagr is not None:
        yield ("total", "cagr"), m.total.cagr
    for d, dim in m.dimensions.items():
        for s, seg in dim.segments.items():
            if seg.cagr is not None:
                yield ("dimensions", d, "segments", s, "cagr"), seg.cagr
            for c, country in seg.countries.items():
                if country.cagr is not None:
                    path = ("dimensions", d, "segments", s, "countries", c, "cagr")
                    yield path, country.cagr


def _check_years(m: Market) -> Iterator[Finding]:
    if m.end_year <= m.base_year:
        yield ("end_year",), f"must be after base_year {m.base_year} (got {m.end_year})"
        return
    if m.end_year - m.base_year > 100:
        yield ("end_year",), f"at most 100 years after base_year (got {m.end_year})"
        return
    seen: set[int] = set()
    for i, anchor in enumerate(m.total.values):
        where = ("total", "values", i, "year")
        if not m.base_year <= anchor.year <= m.end_year:
            yield where, f"must be within {m.base_year}-{m.end_year} (got {anchor.year})"
        elif anchor.year in seen:
            yield where, f"year {anchor.year} is given twice"
        seen.add(anchor.year)
    if m.base_year not in seen:
        yield ("total", "values"), (f"needs the value of base_year {m.base_year} "
                                    f"(got years {_known(sorted(seen))})")
    if m.total.follow == "cagr" and m.total.cagr is None:
        yield ("total", "follow"), "follow: cagr needs total.cagr (got no cagr)"
    for path, growth in _growths(m):
        first, last = growth.period(m.base_year, m.end_year)
        for key, year in (("from", first), ("to", last)):
            if not m.base_year <= year <= m.end_year:
                yield (*path, key), f"must be within {m.base_year}-{m.end_year} (got {year})"
        if first >= last:
            yield path, f"'from' must come before 'to' (got from {first}, to {last})"


def _check_dimension(d: str, m: Market) -> Iterator[Finding]:
    dim = m.dimensions[d]
    here: Path = ("dimensions", d)
    shares = {s: seg.share for s, seg in dim.segments.items() if seg.share is not None}
    if sum(shares.values()) > 1 + m.checks.share_tolerance + SUM_SLACK:
        listing = " + ".join(f"{s} {v:g}" for s, v in shares.items())
        yield (*here, "segments"), (
            f"shares sum to more than 1 (beyond checks.share_tolerance "
            f"{m.checks.share_tolerance:g}) (got {sum(shares.values()):g} = {listing})")
    unsized = [s for s, seg in dim.segments.items() if seg.share is None and seg.value is None]
    if dim.quantified and len(unsized) > 1:
        yield (*here, "segments", unsized[1]), (
            "only one segment per dimension may omit share and value (it is the rest); "
            f"give the others a share, even an assumed one (got no size for {_known(unsized)})")
    fastest = [s for s, seg in dim.segments.items() if seg.fastest]
    if len(fastest) > 1:
        yield (*here, "segments", fastest[1], "fastest"), (
            f"only one segment can be the fastest-growing (got {_known(fastest)})")
    for s, seg in dim.segments.items():
        if seg.fastest and seg.cagr is None:
            yield (*here, "segments", s, "fastest"), "fastest: true needs the segment's cagr"
        if seg.countries and d != "region":
            yield (*here, "segments", s, "countries"), (
                f"countries are only allowed under the 'region' dimension (got them under {d!r})")
        country_shares = [c.share for c in seg.countries.values() if c.share is not None]
        if sum(country_shares) > 1 + m.checks.share_tolerance + SUM_SLACK:
            yield (*here, "segments", s, "countries"), (
                f"country shares of {s} sum to more than 1 (got {sum(country_shares):g})")


def _check_names(m: Market) -> Iterator[Finding]:
    if m.specialty_dimension is not None and m.specialty_dimension not in m.dimensions:
        yield ("specialty_dimension",), (f"unknown dimension {m.specialty_dimension!r} "
                                         f"(defined: {_known(m.dimensions)})")
    for key in ("price_per_case", "hours_per_case"):
        per_case = getattr(m.volumes, key)
        path: Path = ("volumes", key)
        if per_case.dimension is None:
            continue
        dim = m.dimensions.get(per_case.dimension)
        if dim is None:
            yield (*path, "dimension"), (f"unknown dimension {per_case.dimension!r} "
                                         f"(defined: {_known(m.dimensions)})")
            continue
        if not dim.quantified:
            yield (*path, "dimension"), (
                f"dimension {per_case.dimension!r} gives no shares, so values by its segments "
                "cannot be weighted; use default only, or give the segments shares")
        for s in per_case.segments:
            if s not in dim.segments:
                yield (*path, "segments", s), (
                    f"unknown segment of {per_case.dimension} "
                    f"(defined: {_known(dim.segments)})")


def check_market(m: Market) -> list[Finding]:
    """Every cross-field problem in ``m`` (an empty list when it can be projected).

    Example:
        >>> check_market(market)                                # doc000_2026: nothing wrong
        []
        >>> total = market.total.model_copy(update={"values": market.total.values[1:]})
        >>> check_market(market.model_copy(update={"total": total}))  # without the 2025 value
        [(('total', 'values'), 'needs the value of base_year 2025 (got years 2026, 2035)')]
    """
    out = list(_check_years(m))
    for d in m.dimensions:
        out += _check_dimension(d, m)
    out += _check_names(m)
    return out
