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

Atomic like :func:`sim.io.write_results`: everything is written into a fresh sibling folder
``.<name>.tmp-<random>`` and swapped into place with two renames, so a reader sees the old
complete folder or the new one, never a half-written one. A folder that is not empty and
was not written by sosim is refused (:func:`sim.io.check_out_dir`).

Example:
    >>> write_market_outputs(project(m), "results/market/doc000", year=2027)  # doctest: +SKIP
    PosixPath('/home/me/sosim/results/market/doc000')
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import shutil
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.io import GENERATOR, MANIFEST, check_out_dir
from sim.market.report import format_report

__all__ = ["write_market_outputs"]

if TYPE_CHECKING:
    from sim.market.projection import Projection


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _tables(folder: Path, name: str, df: pd.DataFrame, parquet: bool) -> None:
    df.to_csv(folder / f"{name}.csv", index=False)
    if parquet:
        df.to_parquet(folder / f"{name}.parquet", engine="pyarrow", index=False)


def _has_pyarrow() -> bool:
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


def _build(p: Projection, folder: Path, year: int, other: Projection | None,
           figures: bool) -> dict[str, Any]:
    parquet = _has_pyarrow()
    _tables(folder, "projection", p.table, parquet)
    _tables(folder, "volumes", p.volumes(), parquet)
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
    versions = {n: _version(n) for n in ("sosim", "pandas", "matplotlib", "pydantic", "scipy")}
    return {
        "generator": GENERATOR, "kind": "market", "market": p.name, "market_file": source,
        "market_sha256": _sha256(Path(source)) if source and Path(source).is_file() else None,
        "other_market": other.name if other is not None else None, "year": year,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "versions": versions, "table_format": "parquet+csv" if parquet else "csv",
        "warnings": [f.message for f in p.warnings],
        "files": [{"path": f.relative_to(folder).as_posix(), "bytes": f.stat().st_size,
                   "sha256": _sha256(f)} for f in sorted(folder.rglob("*")) if f.is_file()],
        "complete": True,
    }


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def write_market_outputs(p: Projection, out_dir: str | os.PathLike[str], year: int,
                         other: Projection | None = None, figures: bool = True) -> Path:
    """Write ``p``'s tables, report and figures into ``out_dir`` atomically; return its path.

    ``year`` picks the year of the region figure; ``other`` adds the comparison.
    ``ValueError`` if ``out_dir`` is a non-empty folder sosim did not write.

    Example:
        >>> write_market_outputs(p, "out/doc000", 2027, other=p003)           # doctest: +SKIP
    """
    out = Path(out_dir).absolute()
    check_out_dir(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{secrets.token_hex(6)}")
    tmp.mkdir()
    try:
        manifest = _build(p, tmp, year, other, figures)
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        check_out_dir(out)  # it may have changed while we were writing
        _swap(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _swap(tmp: Path, out: Path) -> None:
    """Rename ``tmp`` to ``out``, moving any previous ``out`` aside first (as sim.io does)."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{secrets.token_hex(6)}")
        os.rename(out, old)
    try:
        os.rename(tmp, out)
    except BaseException:
        if old is not None:
            os.rename(old, out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
