"""Cross-field checks: the rules that tie one section of a scenario to another.

Pydantic checks each field on its own; these checks run once the whole file
parses, and find names that point nowhere (a pool on an undefined calendar, a
payer covering an unknown pool), attributes left without a setting (a channel
with no digital share, a specialty with no outcome rates) and case types that
cannot reach any specialist. Each returns ``(path, message)`` pairs so that the
loader can attach file lines to them.
"""

from __future__ import annotations

from collections.abc import Iterator

from sim.scenario.abandonment import abandonment_findings
from sim.scenario.access import Slots, access_findings
from sim.scenario.clinical import clinical_findings
from sim.scenario.durations import Duration
from sim.scenario.mandates import mandate_findings
from sim.scenario.models import ALWAYS, Scenario
from sim.scenario.pay_checks import pay_findings
from sim.scenario.priorities import priority_findings
from sim.scenario.supply_checks import supply_findings

Finding = tuple[tuple[str | int, ...], str]


def _known(allowed) -> str:  # noqa: ANN001
    return ", ".join(sorted(allowed)) or "none defined"


def _durations(s: Scenario) -> Iterator[tuple[tuple[str | int, ...], Duration]]:
    """Every duration spec in the scenario, with its path."""
    if s.intake:
        yield ("intake", "digital"), s.intake.digital
        yield ("intake", "paper"), s.intake.paper
    t = s.triage
    if t.ai:
        yield ("triage", "ai", "service"), t.ai.service
    if t.legacy:
        yield ("triage", "legacy", "handling"), t.legacy.handling
        yield ("triage", "legacy", "referral_cycle"), t.legacy.referral_cycle
    if t.hybrid:
        yield ("triage", "hybrid", "handling"), t.hybrid.handling
    yield ("triage", "misroute", "detection"), t.misroute.detection
    yield ("triage", "misroute", "reroute_delay"), t.misroute.reroute_delay
    for name, payer in s.payers.items():
        if payer.preauth:
            yield ("payers", name, "preauth", "delay"), payer.preauth.delay
    if s.intake and s.intake.team:
        h = s.intake.team.handling
        for name in ("paper", "digital", "rerequest"):
            if getattr(h, name) is not None:
                yield ("intake", "team", "handling", name), getattr(h, name)
    for ch, d in (s.appointments or {}).items():
        if isinstance(d, Slots):
            yield ("appointments", ch, "lead"), d.lead
            for p, lead in d.lead_by_priority.items():
                yield ("appointments", ch, "lead_by_priority", p), lead
        else:
            yield ("appointments", ch), d
    if s.incomplete_records is not None:
        yield ("incomplete_records", "request"), s.incomplete_records.request
    for name, pool in s.pools.items():
        yield ("pools", name, "review"), pool.review
        for sp, d in pool.review_by_specialty.items():
            yield ("pools", name, "review_by_specialty", sp), d


def check_scenario(s: Scenario) -> list[Finding]:
    """Every cross-field problem in ``s`` (an empty list when it is consistent)."""
    calendars = set(s.calendars) | {ALWAYS}
    specialties = set(s.demand.mix.specialty)
    channels = set(s.demand.mix.channel)
    out: list[Finding] = []
    if s.calendars.get(ALWAYS, ALWAYS) != ALWAYS:
        out.append((("calendars", ALWAYS), f"{ALWAYS!r} is the built-in calendar that is always "
                    "open; give this one another name"))
    out += _pool_findings(s, calendars, specialties)
    out += _calendar_findings(s, calendars)
    out += _mix_findings(s, specialties)
    out += _channel_findings(s, channels)
    out += _outcome_findings(s, specialties)
    out += _economics_findings(s, specialties, channels)
    out += pay_findings(s, specialties | {f"{sp}/{sub}" for sp, by in
                                          s.demand.mix.subspecialty.items() for sub in by})
    out += abandonment_findings(s)
    out += clinical_findings(s)
    out += priority_findings(s)
    out += mandate_findings(s)
    out += access_findings(s)
    out += supply_findings(s)
    return out


def _unknown_calendar(path: tuple[str | int, ...], name: str,
                      calendars: set[str]) -> list[Finding]:
    if name in calendars:
        return []
    return [(path, f"unknown calendar {name!r} (defined: {_known(calendars)})")]


def _pool_findings(s: Scenario, calendars: set[str], specialties: set[str]) -> list[Finding]:
    """Each pool's calendar, specialties and subspecialties exist."""
    out: list[Finding] = []
    for name, pool in s.pools.items():
        out += _unknown_calendar(("pools", name, "calendar"), pool.calendar, calendars)
        for sp in [*pool.specialists, *pool.review_by_specialty]:
            if sp not in specialties:
                where = "specialists" if sp in pool.specialists else "review_by_specialty"
                out.append(((("pools", name, where, sp)),
                            f"unknown specialty {sp!r} (demand.mix.specialty has "
                            f"{_known(specialties)})"))
        for sp, subs in pool.subspecialists.items():
            known_subs = set(s.demand.mix.subspecialty.get(sp, {}))
            for sub in subs:
                if sub not in known_subs:
                    out.append((("pools", name, "subspecialists", sp, sub),
                                f"unknown subspecialty {sp}/{sub} (demand.mix.subspecialty.{sp} "
                                f"has {_known(known_subs)})"))
    return out


def _calendar_findings(s: Scenario, calendars: set[str]) -> list[Finding]:
    """Triage staff work on defined calendars; business days are counted on one."""
    out: list[Finding] = []
    t = s.triage
    for section in ("legacy", "hybrid", "ai"):
        cfg = getattr(t, section)
        if cfg is not None:
            out += _unknown_calendar(("triage", section, "calendar"), cfg.calendar, calendars)
    for path, d in _durations(s):
        if d.unit == "business_days":
            cal = d.calendar or s.simulation.business_calendar
            if cal not in calendars:
                out.append((path + ("calendar",),
                            f"business_days are counted on calendar {cal!r}, which is not defined "
                            f"(defined: {_known(calendars)}); name one with 'calendar:'"))
        elif d.calendar is not None:
            out.append((path + ("calendar",), "calendar only applies to unit business_days"))
    return out


def _mix_findings(s: Scenario, specialties: set[str]) -> list[Finding]:
    """The demand mix names known specialties and payers; payers cover known pools."""
    out: list[Finding] = []
    for payer, shares in s.demand.mix.specialty_by_payer.items():
        path = ("demand", "mix", "specialty_by_payer", payer)
        if payer not in s.demand.mix.payer:
            out.append((path, f"payer {payer!r} is not in demand.mix.payer "
                              f"(it has {_known(s.demand.mix.payer)})"))
        for sp in shares:
            if sp not in specialties:
                out.append((path + (sp,), f"unknown specialty {sp!r} (demand.mix.specialty "
                                          f"has {_known(specialties)})"))
    for sp in s.demand.mix.subspecialty:
        if sp not in specialties:
            out.append((("demand", "mix", "subspecialty", sp),
                        f"unknown specialty {sp!r} (demand.mix.specialty has "
                        f"{_known(specialties)})"))
    for payer in s.demand.mix.payer:
        if payer not in s.payers:
            out.append((("demand", "mix", "payer", payer),
                        f"payer {payer!r} is not defined under payers "
                        f"(defined: {_known(s.payers)})"))
    for name, payer in s.payers.items():
        for pool in payer.covers or []:
            if pool not in s.pools:
                out.append((("payers", name, "covers"),
                            f"unknown pool {pool!r} (pools: {_known(s.pools)})"))
    return out


def _channel_findings(s: Scenario, channels: set[str]) -> list[Finding]:
    """Every channel has a digital share, and no more; routing names no unknown channel.

    (What a routing policy needs of every channel or payer is its own check:
    :mod:`sim.engine.policies.routing`, run with the network checks by :mod:`sim.loading`.)"""
    out: list[Finding] = []
    if s.intake:
        for ch in sorted(channels - set(s.intake.digital_share)):
            out.append((("intake", "digital_share"), f"no digital share for channel {ch!r}"))
        for ch in sorted(set(s.intake.digital_share) - channels):
            out.append((("intake", "digital_share", ch),
                        f"unknown channel {ch!r} (demand.mix.channel has "
                        f"{_known(channels)})"))
    for ch in sorted(set(s.routing.by_channel) - channels):
        out.append((("routing", "by_channel", ch), f"unknown channel {ch!r}"))
    return out


def _outcome_findings(s: Scenario, specialties: set[str]) -> list[Finding]:
    """Every specialty has outcome rates (its own or the default), and no unknown one does."""
    out: list[Finding] = []
    if "default" not in s.outcomes:
        for sp in sorted(specialties - set(s.outcomes)):
            out.append((("outcomes",),
                        f"no outcome rates for specialty {sp!r} (add it, or a 'default' entry)"))
    for sp in sorted(set(s.outcomes) - specialties - {"default"}):
        out.append((("outcomes", sp), f"unknown specialty {sp!r}"))
    return out


def _economics_findings(s: Scenario, specialties: set[str], channels: set[str]) -> list[Finding]:
    """Names in the economics settings (and payers' money settings) that point nowhere."""
    out: list[Finding] = []
    e = s.economics
    procedures = set(e.procedures) if e else set()

    def shares(path: tuple, by_specialty: dict[str, dict[str, float]]) -> None:
        for sp, by_proc in by_specialty.items():
            if sp not in specialties:
                out.append((path + (sp,), f"unknown specialty {sp!r} (demand.mix.specialty has "
                                          f"{_known(specialties)})"))
            for proc in by_proc:
                if proc not in procedures:
                    out.append((path + (sp, proc), f"unknown procedure {proc!r} (economics."
                                                   f"procedures has {_known(procedures)})"))

    def known_channels(path: tuple, names) -> None:  # noqa: ANN001
        for ch in names:
            if ch not in channels:
                out.append((path + (ch,) if not isinstance(names, list) else path,
                            f"unknown channel {ch!r} (demand.mix.channel has "
                            f"{_known(channels)})"))

    if e:
        shares(("economics", "procedure_share"), e.procedure_share)
        known_channels(("economics", "channel_cost_usd"), e.channel_cost_usd)
    pool_keys = set(s.pools) | {p.kind for p in s.pools.values()}
    for name, payer in s.payers.items():
        path = ("payers", name)
        money = (payer.mandated_procedures or payer.procedure_share or payer.reimbursement_usd
                 or payer.reimbursement_by_channel_usd or payer.copay_usd
                 or payer.mandate != "none")
        if money and e is None:
            out.append((path, "payer money settings need an economics section"))
            continue
        shares(path + ("procedure_share",), payer.procedure_share)
        if payer.mandated_procedures and payer.mandate != "mandated":
            out.append((path + ("mandated_procedures",),
                        f"only a payer with mandate: mandated has mandated procedures "
                        f"(got mandate: {payer.mandate})"))
        for proc in payer.mandated_procedures:
            if proc not in procedures:
                out.append((path + ("mandated_procedures",),
                            f"unknown procedure {proc!r} (economics.procedures has "
                            f"{_known(procedures)})"))
        for key in payer.reimbursement_usd:
            if key not in pool_keys:
                out.append((path + ("reimbursement_usd", key),
                            f"{key!r} is neither a pool nor a pool kind "
                            f"(use one of {_known(pool_keys)})"))
        known_channels(path + ("reimbursement_by_channel_usd",),
                       payer.reimbursement_by_channel_usd)
        known_channels(path + ("covers_channels",), payer.covers_channels or [])
    return out
