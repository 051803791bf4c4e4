"""The metamorphic relations (:mod:`tests.metamorphic.conftest`): one test per relation,
named by it.

Money relations read the full-cost KPIs (``money.program_cost.total_usd`` is everything the
programme costs over the measured window, ``money.cost_per_opinion_usd`` that over opinions
delivered). Flow relations read times, shares and utilisation.

Relations that failed on the code before full-cost economics (commit 7d02a3f, this suite's
settings: seed 7, 150 days, 2 replications), before -> after the change:

==============================================  ============  ====================
relation                                        KPI           7d02a3f
==============================================  ============  ====================
shorter_patience_no_higher_roi                  ROI           -0.0014 -> 0.1485
shorter_patience_no_higher_net_savings          net savings   -1,712 -> 198,500
idle_specialists_raise_total_cost               full cost     2.963M -> 2.963M
idle_specialists_raise_cost_per_opinion         cost/opinion  733.6 -> 733.6
more_coordinators_raise_legacy_cost             full cost     2.636M -> 2.636M
smaller_contract_cap_no_lower_cost_per_opinion  cost/opinion  714.9 -> 694.1
smaller_contract_cap_no_higher_roi              ROI           -0.0296 -> -0.0119
larger_commitment_raises_cost_per_opinion       cost/opinion  714.9 -> 714.9
==============================================  ============  ====================

With full cost (salaried specialists and coordinators paid for their hours, unused
commitments in the cost, delay cost off) they hold: ROI -0.12 -> -0.52, net savings
-0.50M -> -1.78M, full cost 4.33M -> 4.60M, cost/opinion 1,073 -> 1,139, legacy full cost
4.17M -> 4.23M, contract cap 1,078 -> 1,186 and ROI -0.09 -> -0.18, commitment 1,078 -> 1,351.
"""

from __future__ import annotations

import pytest

from tests.metamorphic.conftest import Relation, check

BASE = "baseline.yaml"
CONTRACT = "sessions_and_contract.yaml"
LEGACY = "legacy_referral.yaml"
PATIENCE_2D = tuple(f"abandonment.{stage}.default.mean=2"
                    for stage in ("records", "referral", "appointment", "specialist"))
#: 1 -> 3 movement-disorder neurologists: a line at ~10% utilisation that only the in-house pool
#: staffs, so the new specialists take no work from anyone and change no case's path
IDLE = ("pools.in_house.subspecialists.neurology.movement_disorders=3",)
#: no drop-out: a change that only adds idle capacity cannot then raise the cost through more
#: patients staying to their opinion (the relation would hold for the wrong reason)
STAY = ("abandonment=null",)

RELATIONS = [
    # --- drop-out
    Relation("shorter_patience_more_abandonment", BASE, (), PATIENCE_2D, "abandoned_share",
             "up", "patients who wait less before giving up give up more often"),
    Relation("shorter_patience_no_higher_roi", BASE, (), PATIENCE_2D, "money.roi", "not_up",
             "a patient who gives up has the procedure unreviewed: the saving is lost while "
             "the specialists are paid anyway (finding 2: ROI 0.12 -> 0.35)"),
    Relation("shorter_patience_no_higher_net_savings", BASE, (), PATIENCE_2D,
             "money.net_savings.total_usd", "not_up",
             "fewer opinions avoid fewer procedures (finding 2: USD 0.82M -> 1.13M)"),
    Relation("longer_legacy_patience_more_opinions", LEGACY, (),
             ("abandonment.referral.default.mean=60",), "delivered", "up",
             "patients who wait longer for the referral cycle finish it more often"),
    # --- idle capacity is paid
    Relation("idle_specialists_raise_total_cost", BASE, STAY, IDLE,
             "money.program_cost.total_usd", "up",
             "specialists are paid for their contracted time, idle or not (finding 3)"),
    Relation("idle_specialists_raise_cost_per_opinion", BASE, STAY, IDLE,
             "money.cost_per_opinion_usd", "up",
             "the same opinions carry the cost of three more salaries (finding 3)"),
    Relation("more_coordinators_raise_legacy_cost", LEGACY, STAY,
             ("triage.legacy.coordinators=4",), "money.program_cost.total_usd", "up",
             "coordinators are paid for their hours, not for the minutes they handle cases"),
    # --- contracts
    Relation("smaller_contract_cap_no_lower_cost_per_opinion", CONTRACT, (),
             ("pools.outsourced.contract.cases_per_week=1",), "money.cost_per_opinion_usd",
             "not_down", "the unused commitment is paid whatever is sent (finding 4: "
             "USD 722 -> 699)"),
    Relation("smaller_contract_cap_no_higher_roi", CONTRACT, (),
             ("pools.outsourced.contract.cases_per_week=1",), "money.roi", "not_up",
             "paying for opinions never sent cannot raise the return"),
    Relation("larger_commitment_raises_cost_per_opinion", CONTRACT, (),
             ("pools.outsourced.contract.minimum_cases_per_year=6000",),
             "money.cost_per_opinion_usd", "up",
             "a commitment above what is sent is paid for opinions never delivered"),
    Relation("tighter_sla_no_fewer_credits", CONTRACT, (),
             ("pools.outsourced.contract.sla.business_days=1",),
             "money.contract.outsourced.sla_credits_usd", "not_down",
             "a shorter promise can only make more opinions late"),
    Relation("higher_vendor_price_raises_cost_per_opinion", BASE, (),
             ("pools.outsourced.price_per_case_usd=900",), "money.cost_per_opinion_usd", "up",
             "outsourced opinions cost more"),
    Relation("higher_on_costs_raise_cost_per_opinion", BASE, (),
             ("economics.specialist_pay.in_house.on_cost_share=0.4",),
             "money.cost_per_opinion_usd", "up", "salaried specialists cost more"),
    # --- value of an opinion
    Relation("shorter_patience_more_savings_lost", BASE, (), PATIENCE_2D,
             "money.savings_lost.abandoned_usd", "up",
             "patients who give up have the recommended procedure unreviewed"),
    Relation("higher_avoided_share_raises_net_savings", BASE, (),
             ("economics.procedures.spine_fusion.avoided=0.35",),
             "money.net_savings.total_usd", "up", "more avoided surgery saves more"),
    Relation("delay_cost_lowers_net_savings", BASE, (),
             ("economics.delay_cost_per_day_usd.routine=50",), "money.net_savings.total_usd",
             "down", "waiting costs whoever waits"),
    Relation("higher_reimbursement_raises_platform_margin", BASE, (),
             ("payers.commercial.reimbursement_usd.in_house=900",),
             "money.platform_margin.total_usd", "up", "the platform is paid more per opinion"),
    # --- flow
    Relation("more_demand_higher_utilisation", BASE, (), ("demand.cases_per_year=14000",),
             "utilisation.in_house", "up", "more work for the same specialists"),
    Relation("more_demand_longer_specialist_wait", BASE, (), ("demand.cases_per_year=14000",),
             "stage_h.specialist_wait", "up", "queues grow with the load"),
    Relation("higher_ai_accuracy_shorter_time_to_match", BASE, (),
             ("triage.ai.accuracy=0.97",), "time_to_match_h.mean", "down",
             "fewer cases go to the wrong specialist and come back"),
    Relation("higher_ai_accuracy_fewer_misrouted", BASE, (), ("triage.ai.accuracy=0.97",),
             "misrouted_share", "down", "a more accurate triage routes fewer cases wrongly"),
    Relation("more_oncologists_shorter_specialist_wait", BASE, (),
             ("pools.in_house.specialists.oncology=6",), "stage_h.specialist_wait", "down",
             "more servers on the busiest line"),
    Relation("more_absences_longer_specialist_wait", CONTRACT, (),
             ("pools.in_house.absences.rate=0.25",), "stage_h.specialist_wait", "up",
             "fewer specialists at work on an average day"),
    Relation("no_outsourcing_longer_time_to_opinion", BASE, (),
             ("routing.policy=in_house_first",), "time_to_opinion_h.p50", "up",
             "without the overflow, cases wait for the in-house specialists (finding 3)"),
]


@pytest.mark.parametrize("relation", RELATIONS, ids=[r.name for r in RELATIONS])
def test_relation(relation: Relation) -> None:
    check(relation)
