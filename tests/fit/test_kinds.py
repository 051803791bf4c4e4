"""A pool's kind read from the log (sim.fit.kinds): where its cases went, not its name."""

from __future__ import annotations

import pytest

from sim.fit.api import _fit_text
from sim.fit.kinds import named_kind
from tests.fit.shipped import shipped_log


@pytest.fixture(scope="module")
def sessions_fit():  # noqa: ANN201
    truth, log = shipped_log("sessions_and_contract")
    _, text, scenario = _fit_text(log, "own", 5, 1, "sessions", "own")
    return truth, text, scenario


def test_an_overflow_destination_is_read_as_outsourced(sessions_fit) -> None:  # noqa: ANN001
    """sessions_and_contract's Bangalore network ('abroad': neither kind in its name) takes
    cases only when the in-house queue is long: outsourced, as the scenario has it."""
    truth, text, s = sessions_fit
    assert {p: v.kind for p, v in s.pools.items()} == {p: v.kind for p, v in truth.pools.items()}
    assert s.routing.policy == "overflow"
    assert "Mann-Whitney" in text  # the evidence, beside the fitted kind


def test_no_contract_is_invented(sessions_fit) -> None:  # noqa: ANN001
    """The shipped cap (60 a week) never binds on this log: no pool gets a contract."""
    _, _, s = sessions_fit
    assert all(p.contract is None for p in s.pools.values())


@pytest.mark.parametrize(("name", "kind"), [("abroad", None), ("acme_outsourced", "outsourced"),
                                            ("city_in_house", "in_house")])
def test_a_kind_in_the_name_or_map_wins(name: str, kind: str | None) -> None:
    assert named_kind(name, {}) == kind
    assert named_kind(name, {name: "in_house"}) == "in_house"
