"""A shipped scenario's own one-replication log, as the own-log tests fit it.

Example:
    >>> truth, log = shipped_log("baseline", days=14)
    >>> truth.name, log.events["case"].nunique() > 0
    ('baseline', True)
"""

from __future__ import annotations

from collections.abc import Sequence

import sim
from sim.fit.read import Log, own_log
from sim.scenario.models import Scenario


def shipped_log(name: str, seed: int = 11, days: float = 90,
                overrides: Sequence[str] = ()) -> tuple[Scenario, Log]:
    """``scenarios/<name>.yaml`` (with ``overrides``) over ``days`` without a warm-up, and
    its replication's event log with the case attributes, read as ``sosim fit`` reads it."""
    truth = sim.load_scenario(f"scenarios/{name}.yaml", overrides=[
        *overrides, f"simulation.horizon_days={days}", "simulation.warmup_days=0"])
    return truth, own_log(sim.run(truth, seed=seed, replications=1))
