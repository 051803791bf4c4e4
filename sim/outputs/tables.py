"""A run's tables on disk: Parquet where pyarrow is installed, CSV with a schema otherwise.

:func:`write_table` writes one table (``cases``, ``kpis``, ``summary``, ``capacity``) and
returns what the manifest records of it (file, rows, index, dtypes, categories);
:func:`write_events` writes the event log slice by slice, so that a million cases never
hold their nine million events in memory at once; :func:`read_results_table` reads any of
them back with the dtypes and index they were written with, from Parquet or CSV alike.
The folder around them (atomic, with its manifest) is :mod:`sim.outputs.writing`'s.

Example:
    >>> schema = write_table(results.kpis, tmp, "kpis", "csv", ["replication"])
    >>> schema["file"], schema["rows"], schema["index"]
    ('kpis.csv', 2, ['replication'])
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.outputs.files import MANIFEST

if TYPE_CHECKING:
    from sim.outputs.results import Results

__all__ = ["parquet_available", "read_results_table", "restore_timestamps", "write_events",
           "write_table"]

def parquet_available() -> bool:
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


MAX_RECORDED_CATEGORIES = 10_000


def _schema(df: pd.DataFrame, file: str, index: list[str]) -> dict[str, Any]:
    """What :func:`read_results_table` needs to restore a table written as CSV."""
    full = df.reset_index() if index else df
    return {
        "file": file, "rows": len(df), "index": index,
        "dtypes": {c: str(t) for c, t in full.dtypes.items()},
        # a column with a category per row (case ids) is restored as plain categories
        "categories": {c: full[c].cat.categories.tolist() for c in full.columns
                       if isinstance(full[c].dtype, pd.CategoricalDtype)
                       and len(full[c].cat.categories) <= MAX_RECORDED_CATEGORIES},
    }


def write_table(df: pd.DataFrame, folder: Path, name: str, fmt: str,
                 index: list[str]) -> dict[str, Any]:
    file = f"{name}.{fmt}"
    if fmt == "parquet":
        df.to_parquet(folder / file, engine="pyarrow", index=bool(index))
    else:
        df.to_csv(folder / file, index=bool(index))
    return _schema(df, file, index)


EVENT_CHUNK_CASES = 200_000
"""Cases per slice of the event log when writing it: the whole log is never held at once."""


def write_events(results: Results, folder: Path, fmt: str) -> dict[str, Any]:
    """Write the event log slice by slice (a million cases make ~9 million events)."""
    from sim.outputs.event_log import event_log

    cases, file = results.cases, f"events.{fmt}"
    if results.__dict__.get("events") is not None or len(cases) <= EVENT_CHUNK_CASES:
        return write_table(results.events, folder, "events", fmt, [])
    rows, schema, writer = 0, None, None
    try:
        for start in range(0, len(cases), EVENT_CHUNK_CASES):
            part = event_log(results.plan, cases.iloc[start:start + EVENT_CHUNK_CASES])
            rows += len(part)
            if fmt == "parquet":
                import pyarrow as pa
                import pyarrow.parquet as pq

                table = pa.Table.from_pandas(part, preserve_index=False)
                if writer is None:
                    schema = _schema(part, file, [])
                    writer = pq.ParquetWriter(folder / file, table.schema)
                writer.write_table(table.cast(writer.schema))
            else:
                part.to_csv(folder / file, index=False, mode="a", header=schema is None)
                schema = schema or _schema(part, file, [])
    finally:
        if writer is not None:
            writer.close()
    schema["rows"] = rows
    return schema


def restore_timestamps(text: pd.Series, dtype: str) -> pd.Series:
    """CSV timestamps back as ``dtype``; zone-aware ones (``datetime64[ns, America/New_York]``)
    carry two UTC offsets a year, so they are read as instants and put back in their zone.

    Example:
        >>> restore_timestamps(pd.Series(["2026-03-06 08:00:00-05:00",
        ...     "2026-03-09 08:00:00-04:00"]), "datetime64[ns, America/New_York]").dt.hour.tolist()
        [8, 8]
    """
    zone = dtype.partition(",")[2].strip(" ]")
    if not zone:
        return pd.to_datetime(text, format="ISO8601").astype(dtype)
    return pd.to_datetime(text, format="ISO8601", utc=True).dt.tz_convert(zone).astype(dtype)


def _restore(df: pd.DataFrame, schema: dict[str, Any]) -> pd.DataFrame:
    """Give CSV columns back the dtypes the manifest recorded."""
    for col, dtype in schema["dtypes"].items():
        if col not in df.columns:
            continue
        if dtype == "category":
            df[col] = pd.Categorical(df[col], categories=schema["categories"].get(col))
        elif dtype.startswith("datetime64"):
            df[col] = restore_timestamps(df[col], dtype)
        elif dtype.startswith(("int", "uint", "float", "bool")):
            df[col] = df[col].astype(dtype)
    return df.set_index(schema["index"]) if schema["index"] else df


def read_results_table(out_dir: str | os.PathLike[str], name: str) -> pd.DataFrame:
    """Read table ``name`` (``cases``, ``events``, ``kpis``, ``summary``, ``capacity``).

    Works for Parquet and CSV outputs alike; dtypes (categoricals, timestamps)
    and the index come back as written.

    Example:
        >>> from sim.outputs.writing import write_results
        >>> _ = write_results(results, "runs/read", figures=False)
        >>> cases = read_results_table("runs/read", "cases")
        >>> cases["pool"].dtype, len(cases) == len(results.cases)
        (CategoricalDtype(categories=['in_house', 'outsourced'], ordered=False, \
categories_dtype=str), True)
    """
    folder = Path(out_dir)
    name = name.removesuffix(".parquet").removesuffix(".csv")
    tables = json.loads((folder / MANIFEST).read_text())["tables"] \
        if (folder / MANIFEST).is_file() else {}
    schema = tables.get(name)
    if schema is None:
        found = [f for f in (f"{name}.parquet", f"{name}.csv") if (folder / f).exists()]
        if not found:
            raise FileNotFoundError(f"no table {name!r} in {folder} (has: {sorted(tables)})")
        schema = {"file": found[0], "index": [], "dtypes": {}, "categories": {}}
    path = folder / schema["file"]
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return _restore(pd.read_csv(path), schema)
