"""Reading an event log (CSV, Parquet or XES) through its map, refusing a bad one with reasons.

The result, :class:`Log`, is the log on sosim's clock: one row per event with the stage it
belongs to, its lifecycle (``start`` or ``complete``), ``time_h`` (hours since local
midnight of the first arrival's day, in the map's time zone) and its resource; plus one row
per case of attributes. Every problem found is reported at once, each naming the row (the
file's line for CSV, the ``<event>``'s line for XES), the column and what is wrong; nothing
downstream runs on a bad log.

Example:
    >>> log = read_log("events.parquet")              # a sosim run's event log: no map needed
    >>> log.events.groupby("stage", observed=True).size()
    stage
    abandoned              23
    appointment_booked    117
    appointment_held       31
    arrival               470
    assigned              149
    opinion               250
    records_again          82
    records_complete      833
    review                599
    triage                726
    dtype: int64
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.fit.mapping import ATTRIBUTES, LogMap
from sim.fit.xes import is_xes, read_xes
from sim.scenario.errors import Problem, ScenarioError

if TYPE_CHECKING:
    from sim.outputs.results import Results

MAX_PROBLEMS = 20
"""At most this many problems are listed (then a count of the rest)."""
_EARLIEST, _LATEST = pd.Timestamp("1900-01-01"), pd.Timestamp("2200-01-01")
"""Timestamps outside these are refused as unparseable."""
_OFFSET = re.compile(r"(?:Z|[+-]\d\d(?::?\d\d)?)$")


class LogError(ScenarioError):
    """A log (or its map) that cannot be fitted; ``problems`` names rows and columns."""


@dataclass(frozen=True)
class Log:
    """An event log on sosim's clock.

    ``events``: ``case``, ``stage``, ``lifecycle``, ``time_h``, ``resource``, ``row``;
    ``cases``: one row per case (index ``case``) with the attribute columns present;
    ``start``: the date whose local midnight is hour 0; ``end_h``: the last event's hour.
    """

    file: str
    events: pd.DataFrame
    cases: pd.DataFrame
    start: dt.date
    end_h: float
    map: LogMap


def _problem(file: str, where: int | None, column: str, message: str) -> Problem:
    return Problem(file, where, column, message)


class _Collector:
    def __init__(self, file: str, csv: bool, lines: np.ndarray | None = None):
        self.file, self.csv, self.items, self.more = file, csv, [], 0
        self.lines = lines  # each row's line in the file, where the reader knows it (XES)

    def add(self, row: int | None, column: str, message: str) -> None:
        if len(self.items) >= MAX_PROBLEMS:
            self.more += 1
            return
        # CSV rows are reported by file line (the header is line 1), XES rows by their
        # <event>'s line, Parquet by row number.
        if row is None:
            where = None
        elif self.lines is not None:
            where = int(self.lines[row])
        else:
            where = row + 2 if self.csv else row + 1
        self.items.append(_problem(self.file, where, column, message))

    def rows(self, mask: np.ndarray, column: str, message: str, values: pd.Series) -> None:
        for row in np.flatnonzero(mask)[:MAX_PROBLEMS]:
            self.add(int(row), column, f"{message} (got {str(values.iloc[row])[:60]!r})")
        self.more += max(0, int(mask.sum()) - MAX_PROBLEMS)

    def raise_if_any(self) -> None:
        if self.items:
            self.items.sort(key=lambda p: (p.line is None, p.line or 0))
            if self.more:
                self.items.append(_problem(self.file, None, "", f"... and {self.more} more"))
            raise LogError(self.items)


def _read_table(path: Path) -> tuple[pd.DataFrame, np.ndarray | None]:
    """The log as a table, and each row's line in the file where that is not row + 2."""
    if is_xes(path):
        return read_xes(path)
    if path.suffix.lower() in (".parquet", ".pq"):
        return pd.read_parquet(path), None
    if path.suffix.lower() != ".csv":
        raise LogError([_problem(str(path), None, "", "the log must be .csv, .parquet, .xes "
                                 f"or .xes.gz (got {path.suffix or 'no suffix'!r})")])
    return pd.read_csv(path, dtype=str, keep_default_na=False), None


def _timestamps(raw: pd.Series, m: LogMap, col: str, bad: _Collector) -> pd.Series:
    """Local wall-clock times (naive) in the map's time zone (with none: in the zone the
    timestamps carry, as sosim's own log of a zoned scenario does)."""
    if pd.api.types.is_datetime64_any_dtype(raw):
        if raw.dt.tz is None:
            if m.naive_timestamps == "error":
                bad.add(0, col, "timestamps have no time zone; give them a UTC offset or set "
                        "naive_timestamps: local in the map")
            return raw
        return raw.dt.tz_convert(m.time_zone or raw.dt.tz).dt.tz_localize(None)
    text = raw.astype(str).str.strip()
    empty = (text == "").to_numpy()
    bad.rows(empty, col, "missing timestamp", text)
    aware = text.str.contains(_OFFSET).to_numpy() & ~empty
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    if aware.any() and m.time_zone is None:
        bad.rows(aware, col, "timestamp with a UTC offset but the map names no time_zone to "
                 "read its local time in; set time_zone (e.g. America/New_York) in the map", text)
    elif aware.any():
        parsed = pd.to_datetime(text[aware], errors="coerce", utc=True, format="ISO8601")
        out[aware] = parsed.dt.tz_convert(m.time_zone).dt.tz_localize(None).astype(out.dtype)
    naive = ~aware & ~empty
    if naive.any():
        parsed = pd.to_datetime(text[naive], errors="coerce", format="ISO8601")
        out[naive] = parsed.astype(out.dtype)
    # pandas reads some junk ("\\1") as the year 0: no case-management log is that old
    out[(out < _EARLIEST) | (out > _LATEST)] = pd.NaT
    bad.rows(out.isna().to_numpy() & ~empty, col, "unparseable timestamp", text)
    if m.naive_timestamps == "error":
        bad.rows(naive & out.notna().to_numpy(), col, "timestamp without a time zone; write "
                 "it with a UTC offset (2026-01-05T09:30:00-06:00) or set naive_timestamps: "
                 "local in the map", text)
    return out


def read_log(path: str | os.PathLike[str], log_map: LogMap | None = None,
             part: str | None = None) -> Log:
    """Read and check an event log; raise :class:`LogError` naming every bad row.

    ``part``: the replication or platform to fit, where the map's ``split`` says how to
    tell them apart (see :func:`log_from_frame`).
    """
    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise LogError([_problem(file, None, "", "no such file")])
    try:
        df, lines = _read_table(path)
    except ScenarioError as err:  # LogError, or XESError with the line
        raise LogError(err.problems) from None
    except Exception as err:  # noqa: BLE001  (pandas/pyarrow raise many kinds)
        raise LogError([_problem(file, None, "", f"cannot read the log: {err}")]) from None
    if log_map is None:  # sosim's own log: attributes from the case table beside it
        from sim.fit.own import read_beside

        df = read_beside(df, path)
    return log_from_frame(df, log_map, file, csv=path.suffix.lower() == ".csv", lines=lines,
                          part=part)


def own_log(results: Results, part: str | None = None) -> Log:
    """The event log of a run in memory, with its cases' attributes, read as ``sosim fit``
    reads a log (one replication: ``part`` names one, ``"r0"``, where the run has several).

    Example:
        >>> log = own_log(results, part="r0")
        >>> len(log.cases) == int((results.cases["replication"] == 0).sum())
        True
    """
    from sim.fit.own import with_case_attributes

    return log_from_frame(with_case_attributes(results.events, results.cases), part=part)


def log_from_frame(df: pd.DataFrame, log_map: LogMap | None = None, file: str = "<log>",
                   csv: bool = False, start: dt.date | None = None,
                   lines: np.ndarray | None = None, part: str | None = None) -> Log:
    """Check an event log already in memory (``sim.run(...).events`` with the default map).

    ``start`` fixes hour 0 (default: midnight of the first arrival's day); ``lines``, each
    row's line in its file, lets problems name the line (as for an XES file). A log that
    holds several parts (replications, platforms: the map's ``split``) is refused unless
    ``part`` picks one; only that part's rows are then read.
    """
    if log_map is None:
        from sim.fit.own import own_map

        m = own_map(df)
    else:
        m = log_map
    bad = _Collector(file, csv, lines)
    named = {k: v for k, v in m.columns.model_dump().items() if v is not None}
    missing = [f"{v!r} (for {k})" for k, v in named.items() if v not in df.columns]
    if m.pools.column and m.pools.column not in df.columns:
        missing.append(f"{m.pools.column!r} (for pools.column)")
    if missing and log_map is None:  # no map given: this is not sosim's own event log
        raise LogError([_problem(file, 1 if bad.csv else None, "", (
            f"the log's columns ({', '.join(map(str, df.columns))}) are not those of sosim's "
            f"own event log ({', '.join(named.values())}); write a map file naming your "
            "columns and activities and pass it with --map (sim.fit(..., map=...)); see "
            "docs/calibration.md and examples/fit/map.yaml"))])
    if missing:
        raise LogError([_problem(file, 1 if bad.csv else None, "", f"column {c} is not in the log "
                                 f"(columns: {', '.join(map(str, df.columns))})")
                        for c in missing])
    if df.empty:
        raise LogError([_problem(file, None, "", "the log has no events")])
    if m.split is not None:
        df, bad = _one_part(df, m, file, part, bad)
    elif part is not None:
        raise LogError([_problem(file, None, "split", f"part {part!r} asked for, but the map "
                                 "has no split (a column or case_id_pattern naming the parts)")])
    c = m.columns
    case = df[c.case_id].astype(str).str.strip()
    bad.rows((case == "").to_numpy(), c.case_id, "missing case id", case)
    activity = df[c.activity].astype(str)
    stage_of = m.activity_stage()
    known = activity.isin(list(stage_of) + list(m.activities.ignore)).to_numpy()
    bad.rows(~known, c.activity, "unknown activity; map it under activities or list it in "
             "activities.ignore", activity)
    if c.lifecycle:
        life = df[c.lifecycle].astype(str).str.strip()
        inverse = {v: k for k, v in m.lifecycle_values.items()}
        bad.rows(~life.isin(list(inverse)).to_numpy(), c.lifecycle,
                 f"unknown lifecycle (expected {' or '.join(map(repr, inverse))})", life)
        life = life.map(inverse)
    else:
        life = pd.Series("complete", index=df.index)
    ts = _timestamps(df[c.timestamp], m, c.timestamp, bad)
    bad.raise_if_any()

    keep = activity.isin(list(stage_of)).to_numpy()
    resource = (df[c.resource].astype(str) if c.resource else pd.Series("", index=df.index))
    ev = pd.DataFrame({"case": case, "stage": activity.map(stage_of), "lifecycle": life,
                       "ts": ts, "resource": resource.replace({"nan": "", "None": ""}),
                       "row": np.arange(len(df))})[keep]
    arrivals = ev[ev["stage"] == "arrival"]
    first = arrivals["ts"].min()
    if pd.isna(first):
        raise LogError([_problem(file, None, c.activity, f"no arrival events "
                                 f"({m.activities.names('arrival')}) in the log")])
    start = start or first.date()
    ev["time_h"] = (ev["ts"] - pd.Timestamp(start)) / pd.Timedelta(hours=1)
    _check_cases(ev, m, bad)
    bad.raise_if_any()
    cases = _case_attributes(df, ev, m, keep)
    ev = ev.drop(columns="ts").sort_values(["case", "time_h", "row"], kind="stable")
    return Log(file, ev.reset_index(drop=True), cases, start, float(ev["time_h"].max()), m)


def _parts(df: pd.DataFrame, m: LogMap, file: str) -> tuple[pd.Series, str]:
    """Each row's part, and how it was read (for messages)."""
    sp = m.split
    if sp.column is not None:
        if sp.column not in df.columns:
            raise LogError([_problem(file, None, "split.column", f"column {sp.column!r} is not "
                                     f"in the log (columns: {', '.join(map(str, df.columns))})")])
        return df[sp.column].astype(str).str.strip(), f"column {sp.column!r}"
    case = df[m.columns.case_id].astype(str).str.strip()
    found = case.str.extract(re.compile(sp.case_id_pattern))["part"]
    return found.fillna(""), f"case ids ({sp.case_id_pattern})"


def _one_part(df: pd.DataFrame, m: LogMap, file: str, part: str | None,
              bad: _Collector) -> tuple[pd.DataFrame, _Collector]:
    """The rows of one part, with a collector that names their lines in the whole file."""
    if m.columns.case_id not in df.columns:
        return df, bad  # reported with the other missing columns
    parts, how = _parts(df, m, file)
    names = sorted(set(parts) - {""}, key=lambda x: (len(x), x))
    listing = ", ".join(names[:12]) + (f", ... ({len(names)} in all)" if len(names) > 12 else "")
    if part is None:
        if len(names) <= 1:
            return df, bad
        raise LogError([_problem(file, None, "split", (
            f"the log holds {len(names)} replications or platforms (by {how}: {listing}); "
            "they would be fitted as one platform with their volumes added up. Fit one at a "
            f"time: --part {names[0]} (sim.fit(..., part={names[0]!r}))"))])
    if part not in names:
        raise LogError([_problem(file, None, "split", f"no part {part!r} in the log (by {how}: "
                                 f"{listing or 'none'})")])
    keep = (parts == part).to_numpy()
    lines = bad.lines if bad.lines is not None else np.arange(len(df)) + (2 if bad.csv else 1)
    out = _Collector(file, bad.csv, np.asarray(lines)[keep])
    return df[keep].reset_index(drop=True), out


def _check_cases(ev: pd.DataFrame, m: LogMap, bad: _Collector) -> None:
    arrived = ev.loc[ev["stage"] == "arrival"].groupby("case")["time_h"].min()
    no_arrival = ~ev["case"].isin(arrived.index).to_numpy()
    first_rows = ~ev["case"].duplicated().to_numpy()
    bad.rows(no_arrival & first_rows, m.columns.case_id,
             f"case has no arrival event ({' or '.join(m.activities.names('arrival'))})",
             ev["case"])
    before = ev["time_h"].to_numpy() < ev["case"].map(arrived).to_numpy() - 1e-9
    bad.rows(before & ~no_arrival, m.columns.timestamp, "event before the case's arrival",
             ev["case"])
    # A work stage that ends before it starts: pair each complete with the latest start of
    # the same case, stage and resource.
    work = ev[ev["stage"].isin(["triage", "review"])]
    starts = work[work["lifecycle"] == "start"]
    done = work[work["lifecycle"] == "complete"]
    if len(starts) and len(done):
        pair = done.merge(starts.groupby(["case", "stage"])["time_h"].min().rename("first_start"),
                          on=["case", "stage"], how="left")
        ends_early = (pair["time_h"] < pair["first_start"] - 1e-9).to_numpy()
        for row, stage in zip(pair["row"][ends_early][:MAX_PROBLEMS],
                              pair["stage"][ends_early][:MAX_PROBLEMS], strict=False):
            names = " or ".join(m.activities.names(stage))
            bad.add(int(row), m.columns.timestamp, f"{stage} ({names}) ends before it starts "
                    "(its complete event is earlier than its start)")


def _case_attributes(df: pd.DataFrame, ev: pd.DataFrame, m: LogMap,
                     keep: np.ndarray) -> pd.DataFrame:
    """One row per case: the first non-empty value of each attribute column present."""
    out = pd.DataFrame(index=pd.Index(sorted(ev["case"].unique()), name="case"))
    for attr in ATTRIBUTES:
        col = getattr(m.columns, attr)
        if col is None:
            continue
        values = df[col].astype(str).str.strip()[keep]
        values = values[(values != "") & (values != "nan")]
        out[attr] = values.groupby(ev.loc[values.index, "case"]).first()
    return out
