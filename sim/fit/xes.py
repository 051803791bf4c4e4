"""Reading an XES event log (IEEE 1849) into the flat table the fit reads.

XES is the process-mining exchange format: a ``<log>`` of ``<trace>`` elements (one per
case), each holding attributes and ``<event>`` elements, each event holding attributes::

    <trace>
      <string key="concept:name" value="case-17"/>
      <string key="specialty" value="oncology"/>
      <event>
        <string key="concept:name" value="Specialist review"/>
        <string key="lifecycle:transition" value="complete"/>
        <string key="org:resource" value="H-onc-2"/>
        <date key="time:timestamp" value="2026-03-02T10:15:00.000-06:00"/>
      </event>
    </trace>

Each event becomes one row. Its own attributes keep their keys as column names
(``concept:name``, ``time:timestamp``, ``lifecycle:transition``, ``org:resource``); the
trace's attributes are copied onto each of its events with a ``case:`` prefix
(``case:concept:name`` is the case id), the layout most process-mining tools export.
A map file then names these columns like any CSV's. Values are kept as text, so the
log goes through the very same checks as a CSV, and a problem is reported at the line
of its ``<event>`` in the file.

The parser is the standard library's expat, reading as a stream (a large log is never
held as a tree). A document type declaration is refused: XES needs none, and refusing it
rules out entity-expansion attacks. Nested (meta-)attributes, lists and containers are
skipped; ``<global>`` defaults are not applied (they are commonly placeholders).

Example:
    >>> import io
    >>> table, lines = xes_table(io.BytesIO(b'''<log><trace>
    ... <string key="concept:name" value="c1"/>
    ... <event><string key="concept:name" value="A"/>
    ... <date key="time:timestamp" value="2026-03-02T09:00:00+01:00"/></event>
    ... </trace></log>'''), "demo.xes")
    >>> table.to_dict("records"), lines.tolist()
    ([{'case:concept:name': 'c1', 'concept:name': 'A', 'time:timestamp': '2026-03-02T09:00:00+01:00'}], [3])
"""  # noqa: E501

from __future__ import annotations

import gzip
from pathlib import Path
from typing import IO
from xml.parsers import expat

import numpy as np
import pandas as pd

from sim.scenario.errors import Problem, ScenarioError

__all__ = ["XESError", "is_xes", "read_xes", "xes_table"]

_TYPES = frozenset({"string", "date", "int", "float", "boolean", "id"})
"""XES attribute elements whose ``value`` is one plain value."""
_CHUNK_BYTES = 1 << 20


class XESError(ScenarioError):
    """An XES file that cannot be read; ``problems`` name the file and line."""


def is_xes(path: Path) -> bool:
    """True for ``.xes`` and ``.xes.gz`` files."""
    name = path.name.lower()
    return name.endswith(".xes") or name.endswith(".xes.gz")


def read_xes(path: str | Path) -> tuple[pd.DataFrame, np.ndarray]:
    """The events of the XES file ``path`` (gzipped if it ends ``.gz``), and each one's line."""
    path = Path(path)
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as stream:
            return xes_table(stream, str(path))
    except (OSError, EOFError) as err:  # gzip raises both on a damaged file
        raise XESError([Problem(str(path), None, "", f"cannot read the log: {err}")]) from None


def xes_table(stream: IO[bytes], file: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Parse an XES byte stream: one row per event (all values text) and its line numbers."""
    reader = _Reader(file)
    parser = expat.ParserCreate(namespace_separator="}")
    reader.attach(parser)
    try:
        while chunk := stream.read(_CHUNK_BYTES):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as err:
        if reader.problem is not None:
            raise XESError([reader.problem]) from None
        message = expat.errors.messages.get(err.code, str(err)) if err.code else str(err)
        raise XESError([Problem(file, err.lineno, "", f"not well-formed XML: {message}")]) from None
    if not reader.saw_log:
        raise XESError([Problem(file, None, "", "no <log> element: this is not an XES file")])
    columns = list(dict.fromkeys(key for row in reader.rows for key in row))
    table = pd.DataFrame.from_records(reader.rows, columns=columns).fillna("").astype(str)
    return table, np.asarray(reader.lines, dtype=np.int64)


class _Reader:
    """expat handlers: track where we are (log, trace, event, attribute) and collect rows."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.rows: list[dict[str, str]] = []
        self.lines: list[int] = []
        self.trace: dict[str, str] = {}
        self.trace_rows: list[dict[str, str]] = []
        self.event: dict[str, str] | None = None
        self.path: list[str] = []  # local names of the open elements
        self.saw_log = False
        self.problem: Problem | None = None

    def attach(self, parser: expat.XMLParserType) -> None:
        self.parser = parser
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.StartDoctypeDeclHandler = self.doctype

    def doctype(self, *_: object) -> None:
        self.problem = Problem(self.file, self.parser.CurrentLineNumber, "",
                               "a document type declaration (<!DOCTYPE>) is not allowed in XES")
        raise expat.ExpatError("refused")  # stop parsing here

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        name = tag.rsplit("}", 1)[-1]
        parent = self.path[-1] if self.path else None
        self.path.append(name)
        if parent is None:
            self.saw_log = name == "log"
        elif name == "trace" and parent == "log":
            self.trace, self.trace_rows = {}, []
        elif name == "event" and parent == "trace":
            self.event = {}
            self.lines.append(self.parser.CurrentLineNumber)
        elif name in _TYPES and "key" in attrs:
            # only an attribute directly under its trace or event; nested ones are meta-data
            if parent == "event" and self.event is not None:
                self.event[attrs["key"]] = attrs.get("value", "")
            elif parent == "trace":
                self.trace["case:" + attrs["key"]] = attrs.get("value", "")

    def end(self, tag: str) -> None:
        name = self.path.pop()
        if name == "event" and self.path and self.path[-1] == "trace" and self.event is not None:
            self.trace_rows.append(self.event)
            self.event = None
        elif name == "trace":
            # trace attributes may follow the events in the file: join them at the end
            self.rows.extend({**self.trace, **row} for row in self.trace_rows)
