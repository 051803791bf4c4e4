"""Heavy libraries are imported only where used (issue #24): what each command loads.

Each case runs in a fresh interpreter and lists the heavy modules it imported. ``sosim
--help`` needs none of them; ``sosim validate`` needs pydantic (the schema), scipy.special
(quantiles of the lognormal reviews in the reach estimate) and simpy (small; the rosters
module holds both the capacity's presence and the engine's roster process), but not pandas
(it prints the capacity check's records), scipy.stats (t-intervals come from
scipy.special), networkx (reachability reads the routes) or matplotlib.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "scipy.special", "scipy.stats", "networkx", "matplotlib", "pyarrow",
         "simpy", "pydantic")

_CHILD = """
import contextlib, io, json, sys
from sim.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main({argv!r})
    except SystemExit:
        pass
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def imported(argv: list[str]) -> list[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get(
        "PYTHONPATH", "")]).rstrip(os.pathsep))
    done = subprocess.run([sys.executable, "-c", _CHILD.format(argv=argv, heavy=HEAVY)],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(("argv", "allowed"), [
    (["--help"], set()),
    (["run", "--help"], set()),
    (["validate", "scenarios/baseline.yaml"], {"scipy.special", "pydantic", "simpy"}),
])
def test_a_command_imports_only_what_it_uses(argv: list[str], allowed: set[str]) -> None:
    assert set(imported(argv)) <= allowed
