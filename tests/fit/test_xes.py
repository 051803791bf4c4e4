"""XES logs: the same log as XES and as CSV reads to the same events; bad XES names its line."""

from __future__ import annotations

import gzip
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.fit.mapping import load_map
from sim.fit.read import LogError, read_log
from tests.fit.generator import MAP_YAML, Truth, generate

SMALL = Truth(days=14, cases_per_year=1500)
XES_MAP = MAP_YAML.replace(
    "columns: {case_id: case, activity: step, timestamp: time, lifecycle: transition,\n"
    "          resource: who, specialty: specialty, channel: channel}",
    'columns: {case_id: "case:concept:name", activity: "concept:name", '
    'timestamp: "time:timestamp",\n          lifecycle: "lifecycle:transition", '
    'resource: "org:resource", specialty: "case:specialty", channel: "case:channel"}')
CASE_ATTRIBUTES = {"specialty": "specialty", "channel": "channel"}
EVENT_ATTRIBUTES = {"step": ("string", "concept:name"), "time": ("date", "time:timestamp"),
                    "transition": ("string", "lifecycle:transition"),
                    "who": ("string", "org:resource")}


def write_xes(df: pd.DataFrame, path: Path) -> None:
    """The generator's CSV log as XES, written with ElementTree (independent of the reader)."""
    log = ET.Element("log", {"xes.version": "1.0", "xmlns": "http://www.xes-standard.org/"})
    ET.SubElement(log, "string", {"key": "concept:name", "value": "foreign platform"})
    for case, rows in df.groupby("case", sort=False):
        trace = ET.SubElement(log, "trace")
        ET.SubElement(trace, "string", {"key": "concept:name", "value": str(case)})
        for column, key in CASE_ATTRIBUTES.items():
            first = rows[column][rows[column] != ""]
            if len(first):
                ET.SubElement(trace, "string", {"key": key, "value": str(first.iloc[0])})
        for _, row in rows.iterrows():
            event = ET.SubElement(trace, "event")
            for column, (kind, key) in EVENT_ATTRIBUTES.items():
                if row[column] != "":
                    ET.SubElement(event, kind, {"key": key, "value": str(row[column])})
            meta = ET.SubElement(event, "string", {"key": "note", "value": "x"})
            ET.SubElement(meta, "string", {"key": "nested", "value": "ignored"})
    ET.indent(log)
    data = ET.tostring(log, encoding="utf-8", xml_declaration=True)
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)


@pytest.fixture(scope="module")
def good() -> pd.DataFrame:
    return generate(SMALL, seed=4).astype(str).replace({"nan": ""})


@pytest.mark.parametrize("name", ["log.xes", "log.xes.gz"])
def test_xes_reads_to_the_same_events_as_csv(tmp_path, good, name):
    csv_file, xes_file, maps = tmp_path / "log.csv", tmp_path / name, tmp_path / "map.yaml"
    good.to_csv(csv_file, index=False)
    write_xes(good, xes_file)
    maps.write_text(XES_MAP)
    from_csv = read_log(csv_file, load_map(_map(tmp_path, MAP_YAML)))
    from_xes = read_log(xes_file, load_map(maps))
    columns = ["case", "stage", "lifecycle", "time_h", "resource"]
    pd.testing.assert_frame_equal(from_xes.events[columns], from_csv.events[columns])
    pd.testing.assert_frame_equal(from_xes.cases, from_csv.cases)
    assert from_xes.start == from_csv.start and len(from_xes.events) > 100


def _map(folder: Path, text: str) -> Path:
    path = folder / "csv_map.yaml"
    path.write_text(text)
    return path


def test_a_bad_event_is_reported_at_its_line(tmp_path, good):
    broken = good.copy()
    broken.loc[5, "time"] = "last tuesday"
    xes_file, maps = tmp_path / "log.xes", tmp_path / "map.yaml"
    write_xes(broken, xes_file)
    maps.write_text(XES_MAP)
    with pytest.raises(LogError) as err:
        read_log(xes_file, load_map(maps))
    problem = err.value.problems[0]
    lines = xes_file.read_text().splitlines()
    assert "unparseable timestamp" in problem.message and "last tuesday" in problem.message
    assert lines[problem.line - 1].strip() == "<event>"
    assert 'value="last tuesday"' in "".join(lines[problem.line:problem.line + 4])


@pytest.mark.parametrize(("text", "phrase", "line"), [
    (b"<log><trace><event>\n</trace></log>", "not well-formed XML: mismatched tag", 2),
    (b'<?xml version="1.0"?>\n<!DOCTYPE log [<!ENTITY a "aaaa">]>\n<log/>',
     "document type declaration", 2),
    (b"<events><event/></events>", "not an XES file", None),
])
def test_bad_xes_is_refused_with_its_line(tmp_path, text, phrase, line):
    path = tmp_path / "bad.xes"
    path.write_bytes(text)
    with pytest.raises(LogError) as err:
        read_log(path)
    assert phrase in err.value.problems[0].message
    assert err.value.problems[0].line == line


def test_cli_fits_an_xes_log(tmp_path, capsys, good):
    xes_file, maps, out = tmp_path / "log.xes.gz", tmp_path / "map.yaml", tmp_path / "f.yaml"
    write_xes(good, xes_file)
    maps.write_text(XES_MAP)
    assert main(["fit", str(xes_file), "--map", str(maps), "--out", str(out),
                 "--no-simulate", "--no-figures"]) == 0
    assert "pools:" in out.read_text()
    broken = tmp_path / "broken.xes.gz"
    broken.write_bytes(b"not gzip")
    assert main(["fit", str(broken), "--map", str(maps), "--out", str(tmp_path / "g.yaml"),
                 "--no-simulate"]) == 2
    assert "cannot read the log" in capsys.readouterr().err
