"""sosim's own event log, with each case's attributes from the case table beside it.

sosim's event log (``events.parquet``) names activities and resources but carries no case
attributes; its run folder has them in ``cases.parquet`` (channel, payer, priority,
specialty, service line). :func:`with_case_attributes` adds them to the events, so that
the fit sees them as it would in a case-management export, and :func:`own_map` extends
sosim's map to read whichever of them a frame has (:func:`sim.fit.read.own_log` does both
for a run in memory).

Example:
    >>> ev = with_case_attributes(results.events, results.cases)
    >>> sorted(set(ev.columns) - set(results.events.columns))
    ['channel', 'payer', 'priority', 'specialty', 'subspecialty']
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.fit.mapping import SOSIM_MAP, LogMap
from sim.outputs.tables import restore_timestamps

CASE_ATTRIBUTES = ("specialty", "subspecialty", "channel", "payer", "priority")
"""Attributes read from sosim's case table."""


def with_case_attributes(events: pd.DataFrame, cases: pd.DataFrame) -> pd.DataFrame:
    """``events`` with its cases' attributes from the case table ``cases``."""
    key = "r" + cases["replication"].astype(str) + "-" + cases["case"].astype(str)
    table = pd.DataFrame(index=pd.Index(key.to_numpy(), name="case_id"))
    for col in ("specialty", "channel", "payer", "priority"):
        if col in cases:
            table[col] = cases[col].astype(str).to_numpy()
    if "service_line" in cases:
        line = cases["service_line"].astype(str)
        table["subspecialty"] = line.str.partition("/")[2].replace("", None).to_numpy()
    ids = events["case_id"].astype(str)
    out = events.copy()
    for col in table.columns:
        out[col] = ids.map(table[col]).to_numpy()
    return out


def zoned_beside(events: pd.DataFrame, path: Path) -> pd.DataFrame:
    """``events`` read from a CSV, with the timestamps back in the platform's zone where the
    run's manifest beside it records one (a zoned scenario: the CSV carries only offsets)."""
    manifest = path.with_name("manifest.json")
    if not manifest.is_file() or "timestamp" not in events:
        return events
    try:
        dtype = json.loads(manifest.read_text())["tables"]["events"]["dtypes"]["timestamp"]
        if "," not in dtype or pd.api.types.is_datetime64_any_dtype(events["timestamp"]):
            return events
        out = events.copy()
        out["timestamp"] = restore_timestamps(events["timestamp"], dtype)
    except Exception:  # noqa: BLE001 (not sosim's manifest or log: the reader checks the rows)
        return events
    return out


def read_beside(events: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Add the attributes from ``cases.parquet`` beside a sosim run's ``events`` file (and
    its zone from the manifest, :func:`zoned_beside`)."""
    events = zoned_beside(events, path)
    if any(c in events for c in CASE_ATTRIBUTES) or "case_id" not in events:
        return events
    beside = path.with_name("cases.parquet")
    if not beside.is_file():
        return events
    try:
        cases = pd.read_parquet(beside, columns=["replication", "case", "specialty",
                                                 "service_line", "channel", "payer",
                                                 "priority"])
    except Exception:  # noqa: BLE001 (not sosim's case table: go on without it)
        return events
    return with_case_attributes(events, cases)


def own_map(df: pd.DataFrame) -> LogMap:
    """sosim's map, reading the case attribute columns ``df`` has."""
    present = {c: c for c in CASE_ATTRIBUTES if c in df.columns}
    if not present:
        return SOSIM_MAP
    columns = SOSIM_MAP.columns.model_copy(update=present)
    return SOSIM_MAP.model_copy(update={"columns": columns})
