"""Pre-authorisation read per payer (sim.fit.delays.preauth_section, issue #22).

payer_mandate's commercial payers send 30% of their cases through pre-authorisation; its
employer, Medicare and self-pay patients none. Read as one share for every payer (12% on
this log), a what-if that grows one payer moved the pre-authorisation load with the wrong
payer; each payer now gets its own share, and the one desk's delay.
"""

from __future__ import annotations

import pytest

from sim.core.distributions import mean
from sim.fit.api import _fit_text
from tests.fit.shipped import shipped_log


@pytest.fixture(scope="module")
def fitted():  # noqa: ANN201
    truth, log = shipped_log("payer_mandate")
    return truth, _fit_text(log, "own", 5, 1, "payer_mandate", "own")[2]


def test_each_payer_gets_its_own_share(fitted) -> None:  # noqa: ANN001
    truth, s = fitted
    for name, payer in truth.payers.items():
        got = s.payers[name].preauth
        if payer.preauth is None:  # none, or a handful of cases held up by something else
            assert got is None or got.share < 0.02, name
        else:
            assert got is not None and got.share == pytest.approx(payer.preauth.share,
                                                                  abs=0.06), name


def test_one_desk_one_delay(fitted) -> None:  # noqa: ANN001
    _, s = fitted
    delays = {p.preauth.delay for p in s.payers.values() if p.preauth is not None}
    assert len(delays) == 1
    (delay,) = delays
    assert delay.unit == "business_days" and 1.6 < mean(delay) < 2.4  # truth: uniform 1-3
