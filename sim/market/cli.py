"""The ``sosim market`` command: project a market file, print it, write its outputs.

    sosim market MARKET_FILE [--out DIR] [--year Y] [--compare OTHER_FILE]
                             [--dimension D] [--no-figures]

It prints the projection (years as rows: the total and one dimension's segments), the
stated and implied growth rates, the volumes of ``--year`` and the consistency report, and
writes tables, report and figures into ``--out`` (default ``results/market/<name>``),
atomically (:mod:`sim.market.output`). A bad market file raises
:class:`~sim.scenario.errors.ScenarioError`, which ``sosim``'s ``main`` turns into
``file:line: path: message`` lines and exit status 2.

This module is imported by ``sosim --help``: :func:`register` adds the command and nothing
heavy is imported until the command runs.

Example:
    $ sosim market scenarios/market/doc000_2026.yaml --year 2027 \\
          --compare scenarios/market/doc003_2025.yaml
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from sim._exits import EXIT_OK, refuse

__all__ = ["cmd_market", "register"]


def register(sub: argparse._SubParsersAction, scenario_args: Callable[..., None]) -> None:
    """Add ``market`` to ``sosim``'s subcommands (``scenario_args`` is unused: a market file
    takes no ``--set`` overrides).

    Example:
        >>> parser = argparse.ArgumentParser(prog="sosim")
        >>> register(parser.add_subparsers(dest="command"), lambda sp: None)
        >>> parser.parse_args(["market", "m.yaml", "--year", "2027"]).year
        2027
    """
    del scenario_args
    p = sub.add_parser(
        "market", help="project a market file: market value, second opinions and specialists "
        "a year by segment, consistency report",
        description="Project a market file (scenarios/market/*.yaml) from its base year to "
        "its end year; print the projection, growth rates, volumes and consistency report; "
        "write tables and figures.")
    p.add_argument("market", type=Path, help="market file (.yaml, .yml or .toml)")
    p.add_argument("--out", type=Path, default=None,
                   help="output folder (default: a new results/market/<market name>/"
                        "<UTC time>-<hash>/, with latest pointing at it)")
    p.add_argument("--overwrite", "--force", dest="overwrite", action="store_true",
                   help="replace the outputs of an earlier sosim command in --out")
    p.add_argument("--year", type=int, default=None,
                   help="year of the volumes and region figure (default: base year + 1)")
    p.add_argument("--compare", type=Path, default=None, metavar="OTHER_FILE",
                   help="a second market file to compare with (table and figure)")
    p.add_argument("--dimension", default=None,
                   help="dimension printed by year (default: source, or the first projected)")
    p.add_argument("--no-figures", action="store_true", help="do not draw figures")
    p.set_defaults(handler=cmd_market)


def _fail(message: str) -> int:
    return refuse("market", message, "nothing was written")


def cmd_market(args: argparse.Namespace) -> int:
    """Run ``sosim market``; returns the exit status (raises ``ScenarioError`` on bad files)."""
    from sim.market.load import load_market

    market = load_market(args.market)  # before anything heavy: a bad file is reported at once
    other_market = load_market(args.compare) if args.compare is not None else None

    from sim.market.compare import compare
    from sim.market.output import write_market_outputs
    from sim.market.projection import project
    from sim.market.report import format_report
    from sim.market.text import (
        compare_text,
        default_dimension,
        rates_text,
        segments_text,
        volumes_text,
    )
    from sim.outputs.folders import choose_out, point_latest
    from sim.outputs.naming import command_record

    year = args.year if args.year is not None else min(market.base_year + 1, market.end_year)
    if not market.base_year <= year <= market.end_year:
        return _fail(f"--year must be within {market.base_year}-{market.end_year} "
                     f"(got {year})")
    documents = [_document(path) for path in (args.market, args.compare)]
    record = command_record("market", getattr(args, "argv", None), year=year,
                            market_document=documents[0], other_document=documents[1])
    try:
        out, auto = choose_out(args.out, args.overwrite, Path("results") / "market" / market.name,
                               {k: v for k, v in record.items() if k != "argv"})
    except ValueError as err:
        return _fail(f"--out: {err}")
    p = project(market)
    dimension = args.dimension or default_dimension(p)
    if dimension is not None and dimension not in p.dimensions:
        return _fail(f"--dimension must be a projected dimension of {market.name} "
                     f"({', '.join(p.dimensions) or 'none'}; got {dimension})")
    other = project(other_market) if other_market is not None else None
    try:
        table = compare(p, other) if other is not None else None
    except ValueError as err:
        return _fail(f"--compare: {err}")
    title = f" \u2014 {market.title}" if market.title else ""
    print(f"{market.name}{title}\n")
    print(segments_text(p, dimension), end="\n\n")
    print(rates_text(p), end="\n\n")
    print(volumes_text(p, year, dimension), end="\n\n")
    if other is not None and table is not None:
        print(compare_text(table), end="\n\n")
        print(format_report(other.report).replace("Consistency report",
                                                  f"Consistency report of {other.name}"),
              end="\n\n")
    print(format_report(p.report))
    path = write_market_outputs(p, out, year, other, figures=not args.no_figures,
                                manifest={"command": record}, overwrite=args.overwrite)
    if auto:
        point_latest(path, "market")
    print(f"\noutputs written to {path}/")
    return EXIT_OK


def _document(path: Path | None) -> dict[str, str] | None:
    """A market file as the manifest keeps it (its text), so that a rerun needs no file."""
    if path is None:
        return None
    return {"file": str(path), "text": path.read_text(encoding="utf-8")}
