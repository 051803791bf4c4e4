"""Two platforms sosim did not simulate (tests/fit/platforms.py), routed by a case attribute
and losing patients: the fit finds the rule and the drop-out, and its resimulation
reproduces time to opinion (mean and p90) inside the run-to-run interval.

Tolerances: the routing rule exact (every value to the kind the generator sends it to);
the records patience within 20% of the generator's mean (288 h, exponential); the
KPIs inside their 95% run-to-run intervals over 4 replications.
"""

from __future__ import annotations

import pytest

import sim
from tests.fit.platforms import CHANNEL_MAP, PAYER_MAP, channel_platform, payer_platform


def _fit(tmp_path_factory, name: str, df, map_text: str):  # noqa: ANN001, ANN202
    folder = tmp_path_factory.mktemp(name)
    df.to_csv(folder / "log.csv", index=False)
    (folder / "map.yaml").write_text(map_text)
    return sim.fit(folder / "log.csv", map=folder / "map.yaml", out=folder / "fitted.yaml",
                   replications=4, seed=3, figures=False)


@pytest.fixture(scope="module")
def channel_fit(tmp_path_factory):  # noqa: ANN001, ANN201
    return _fit(tmp_path_factory, "channel", channel_platform(seed=1), CHANNEL_MAP)


@pytest.fixture(scope="module")
def payer_fit(tmp_path_factory):  # noqa: ANN001, ANN201
    return _fit(tmp_path_factory, "payer", payer_platform(seed=1), PAYER_MAP)


def test_channel_decides_the_pool(channel_fit):
    r = channel_fit.scenario.routing
    assert r.policy == "by_channel"
    assert dict(r.by_channel) == {"in_person": "in_house", "portal": "outsourced"}
    best = channel_fit.fitted.staffing.rules[0]
    majority = next(x for x in channel_fit.fitted.staffing.rules if x.name == "majority")
    assert best.name == "channel" and best.accuracy > 0.99 > 0.7 > majority.accuracy


def test_payer_decides_the_pool(payer_fit):
    s = payer_fit.scenario
    if "by_payer" in type(s.routing).model_fields:
        assert s.routing.policy == "by_payer"
        assert dict(s.routing.by_payer) == {"private": "outsourced", "public": "in_house"}
    else:  # written as what each payer covers
        assert s.payers["public"].covers == ["clinic"]
        assert s.payers["private"].covers == ["teleopinion"]


def test_drop_out_is_fitted_from_censored_waits(payer_fit, channel_fit):
    records = payer_fit.scenario.abandonment.records.default
    assert records.dist == "exponential"
    assert abs(records.mean / 288.0 - 1) < 0.2  # hours
    fp = payer_fit.fitted.patience["records"]
    assert fp.n > 10 * fp.gave_up  # most waits are censored observations
    assert channel_fit.scenario.abandonment.specialist is not None


@pytest.mark.parametrize("which", ["channel_fit", "payer_fit"])
def test_time_to_opinion_reproduced(which, request):
    k = request.getfixturevalue(which).fidelity.kpis
    for kpi in ("time_to_opinion_h.mean", "time_to_opinion_h.p90", "throughput_per_week"):
        assert k.loc[kpi, "inside"], k.loc[kpi]
