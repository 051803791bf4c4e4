"""docs/your-platform.md runs as written: its commands, its code, and the keys it names.

The walkthrough's ``sh`` blocks (``cp`` and ``sosim`` lines) and ``python`` blocks run in
order in one fresh folder holding the shipped ``scenarios/``, as a reader would type them;
each command must exit 0. Every scenario key the "where it goes" column names must be a
field of the scenario schema (``<payer>``/``<pool>`` stand for any name).
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path
from typing import Any

import pytest

from sim.cli import main
from sim.scenario.models import Scenario

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "your-platform.md"
BLOCK = re.compile(r"```(sh|python)\n(.*?)```", re.S)


def _run_sh(block: str, capsys: pytest.CaptureFixture[str]) -> None:
    for line in block.strip().splitlines():
        words = shlex.split(line)
        if words[0] == "cp":
            shutil.copy(words[1], words[2])
            continue
        assert words[0] == "sosim", line
        status = main(words[1:])
        out, err = capsys.readouterr()
        assert status == 0, f"{line}\n{out}\n{err}"
        assert "Traceback" not in out + err


def test_every_block_runs_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    blocks = BLOCK.findall(DOC.read_text(encoding="utf-8"))
    assert [kind for kind, _ in blocks].count("sh") >= 3
    printed = ""
    for kind, code in blocks:
        if kind == "sh":
            _run_sh(code, capsys)
        else:
            exec(compile(code, str(DOC), "exec"), {"__name__": "doc"})  # noqa: S102
            printed += capsys.readouterr().out
    assert "time_to_opinion_h.p50: simulated" in printed  # the comparison block's lines
    text = (tmp_path / "my_platform.yaml").read_text()
    assert "name: my_platform" in text and "# " in text  # edited, comments kept
    assert (tmp_path / "fitted.yaml").is_file()


def _field(model: Any, path: list[str]) -> bool:
    """Whether ``path`` names a field below ``model`` (a placeholder matches any dict key)."""
    import types
    import typing

    from pydantic import BaseModel

    tp: Any = model
    for part in path:
        while typing.get_origin(tp) in (typing.Union, types.UnionType):
            tp = next(a for a in typing.get_args(tp) if a is not type(None))
        if typing.get_origin(tp) is typing.Annotated:
            tp = typing.get_args(tp)[0]
        if typing.get_origin(tp) is dict:
            if not part.startswith("<"):
                return False
            tp = typing.get_args(tp)[1]
            continue
        if not (isinstance(tp, type) and issubclass(tp, BaseModel)) or part not in tp.model_fields:
            return False
        tp = tp.model_fields[part].annotation
    return True


def test_the_keys_it_names_are_scenario_keys() -> None:
    table = DOC.read_text(encoding="utf-8").split("| number |")[1].split("\n\n")[0]
    keys = [k for row in table.splitlines()[2:] for k in re.findall(r"`([^`]+)`",
                                                                   row.split("|")[2])]
    assert len(keys) >= 25
    wrong = [k for k in keys if not _field(Scenario, k.split("."))]
    assert wrong == []
