"""Writing a market projection's tables and figures, all at once or not at all.

The folder (default ``results/market/<name>``) holds:

=======================================  ===================================================
``projection.parquet`` / ``.csv``        :attr:`Projection.table`: year, dimension, segment,
                                         parent, value, share, growth, cagr
``totals.csv``                           the total per year
``implied_rates.csv``                    stated and implied CAGRs
``volumes.parquet`` / ``.csv``           cases, specialist hours, FTEs per year and segment
``compare.csv``                          with ``--compare``: the two documents year by year
``report.txt``, ``report.json``          the consistency report
``figures/*.png``                        segments per dimension, regions, comparison
``manifest.json``                        market file, its SHA-256, versions, every file's
                                         SHA-256
=======================================  ===================================================

Atomic through :func:`sim.outputs.writing.write_folder`: a reader sees the old complete
folder or the new one, never a half-written one. A folder that is not empty and was not
written by sosim is refused (:func:`sim.outputs.writing.check_out_dir`).

Example:
    >>> write_market_outputs(p, "results/market/doc000", year=2027, figures=False)
    PosixPath('/.../results/market/doc000')
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.market.report import format_report
from sim.market.volumes import volume_table
from sim.outputs.tables import parquet_available
from sim.outputs.writing import sha256_file, write_folder

__all__ = ["write_market_outputs"]

if TYPE_CHECKING:
    from sim.market.projection import Projection


def _tables(folder: Path, name: str, df: pd.DataFrame, parquet: bool) -> None:
    df.to_csv(folder / f"{name}.csv", index=False)
    if parquet:
        df.to_parquet(folder / f"{name}.parquet", engine="pyarrow", index=False)


def _build(p: Projection, folder: Path, year: int, other: Projection | None,
           figures: bool) -> dict[str, Any]:
    parquet = parquet_available()
    _tables(folder, "projection", p.table, parquet)
    _tables(folder, "volumes", volume_table(p), parquet)
    p.totals.to_csv(folder / "totals.csv", index=False)
    p.implied_rates.to_csv(folder / "implied_rates.csv", index=False)
    if other is not None:
        from sim.market.compare import compare

        compare(p, other).reset_index().to_csv(folder / "compare.csv", index=False)
    (folder / "report.txt").write_text(format_report(p.report) + "\n", encoding="utf-8")
    report = [f.as_dict() for f in p.report]
    (folder / "report.json").write_text(json.dumps(report, indent=2, default=float) + "\n",
                                        encoding="utf-8")
    if figures:
        from sim.market.figures import save_market_figures

        save_market_figures(p, folder / "figures", year, other)
    source = p.market.file
    return {
        "kind": "market", "market": p.name, "market_file": source,
        "market_sha256": sha256_file(Path(source)) if source and Path(source).is_file() else None,
        "other_market": other.name if other is not None else None, "year": year,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "table_format": "parquet+csv" if parquet else "csv",
        "warnings": [f.message for f in p.warnings],
    }


def write_market_outputs(p: Projection, out_dir: str | os.PathLike[str], year: int,
                         other: Projection | None = None, figures: bool = True,
                         manifest: dict[str, Any] | None = None, *,
                         overwrite: bool = False) -> Path:
    """Write ``p``'s tables, report and figures into ``out_dir`` atomically; return its path.

    ``year`` picks the year of the region figure; ``other`` adds the comparison.
    ``ValueError`` if ``out_dir`` is a non-empty folder sosim did not write, or one it did
    without ``overwrite=True``. ``manifest``
    adds fields to ``manifest.json`` (the command and market files, for ``sosim rerun``).

    Example:
        >>> folder = write_market_outputs(p, "out/doc000", 2027, other=p003, figures=False)
        >>> sorted(f.name for f in folder.iterdir())
        ['compare.csv', 'implied_rates.csv', 'manifest.json', 'projection.csv', \
'projection.parquet', 'report.json', 'report.txt', 'totals.csv', 'volumes.csv', \
'volumes.parquet']
    """
    return write_folder(out_dir, lambda folder: {**_build(p, folder, year, other, figures),
                                                 **(manifest or {})},
                        overwrite=overwrite)
