"""The eligibility engine: assess a situation on a date, explain every criterion (with the
seed line it rests on), and say what would change the outcome and what other help exists.

The criteria are sets of levels (levels.py); what to ask next is asking.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from . import asking, levels
from .asking import group_levels, is_known, missing_facts, next_question, outcomes_of, question_for
from .facts import UNSURE, Facts, parse_facts
from .levels import (
    ASKING_ORDER,
    LEVEL_STATUS,
    LOCALES,
    REDIRECT,
    Levels,
    contract_levels,
    difficulty_levels,
    disaster_levels,
    employer_levels,
    job_seeker_levels,
    location_levels,
    on_date,
)
from .model import Assessment, Orientation, Outcome, Reason, Source, Status
from .rules import RuleSet, rules_for, texts

__all__ = ["ASKING_ORDER", "assess", "clear_memos", "next_question", "question_for"]

# --- explanations -----------------------------------------------------------------------

def _locale(locale: str | None) -> str:
    lang = (locale or "fr").replace("_", "-").split("-")[0].lower()
    return lang if lang in LOCALES else "fr"


def _status(levels: Levels) -> Status:
    return LEVEL_STATUS[next(iter(levels))] if len(levels) == 1 else Status.UNKNOWN


class _Explainer:
    def __init__(self, f: Facts, r: RuleSet, lang: str, missing: tuple[str, ...]):
        self.f, self.r, self.lang, self.missing = f, r, lang, missing
        self.texts = texts()
        self.reasons: list[Reason] = []

    def say(self, *path: str) -> str:
        node: Any = self.texts
        for key in path:
            node = node[key]
        return str(node[self.lang].format(**self.r.params))

    def add(self, criterion: str, status: Status, key: str, refusal: str | None = None,
            sources_of: str | None = None) -> None:
        """A reason; a refusal (or a redirection) comes with the seed line it rests on, first."""
        text = self.say("reasons", criterion, key)
        sources = self.r.sources[sources_of or criterion]
        if refusal is not None:
            quoted = self.r.refusal(criterion, refusal)
            if quoted is None:  # the schema requires one for every way of refusing
                raise KeyError(f"{self.r.version}: criteria.{criterion}.refusals.{refusal}")
            sources = (quoted, *(s for s in sources if (s.document, s.section) != (quoted.document, quoted.section)))
        self.reasons.append(Reason(criterion, status, text, sources))

    def relevant(self, *facts: str) -> bool:
        return any(is_known(self.f, x) or x in self.missing for x in facts)

    def unsure(self, *facts: str) -> bool:
        return any(getattr(self.f, x) == UNSURE for x in facts)

    def explain(self) -> tuple[Reason, ...]:
        f, r = self.f, self.r
        levels = difficulty_levels(f, r)
        if levels == {REDIRECT}:
            self.add("difficulty", Status.NOT_MET, "redirect", refusal="redirect")
        else:
            status = _status(levels)
            self.add("difficulty", status, status.value)

        route = r.situation_routes.get(f.situation or "")
        if f.situation is None:
            self.add("situation", Status.UNKNOWN, "unknown")
        elif route == "employee":
            self.add("situation", Status.MET, "met")
        elif route == "job_seeker":  # not the 2022 directive's "Bénéficiaires": the job seekers' own source
            self.add("situation", Status.MET, "met_job_seeker", sources_of="job_seeker")
        elif f.situation in r.situations_not_covered:
            self.add("situation", Status.NOT_MET, "not_met", refusal=f.situation)
        else:
            self.add("situation", Status.TO_CONFIRM, "to_confirm")

        # When a disaster opens the service whatever the employer and contract, their unmet
        # conditions decide nothing: they are not listed against the person.
        disaster_route = r.disaster_any_employee and f.disaster in ("catnat", "technologique", "pending")
        if route == "employee" or (f.situation is None and self.relevant("sector", "company_size")):
            employer = _status(employer_levels(f, r))
            if disaster_route and employer is not Status.MET:
                pass
            elif employer is Status.NOT_MET and f.sector in r.excluded_sectors:
                self.add("employer", employer, "not_met_public", refusal="excluded_sector")
            elif employer is Status.NOT_MET:
                self.add("employer", employer, "not_met", refusal="size")
            else:
                self.add("employer", employer, employer.value)
        if route == "employee" or (f.situation is None and self.relevant("contract", "contract_months")):
            status = _status(contract_levels(f, r))
            key = status.value
            if status is Status.MET and r.min_contract_months is None:
                key = "met_any"
            elif status is Status.TO_CONFIRM:
                key = (
                    "to_confirm_unsure"
                    if self.unsure("contract_months") and f.contract != "autre"
                    else "to_confirm_interim"
                    if f.contract == "interim"
                    else "to_confirm_other"
                )
            elif status is Status.UNKNOWN and f.contract is not None and not self.missing:
                key = "unknown_length"  # decided without it: an adviser checks the length
            if not (disaster_route and status is not Status.MET):
                self.add("contract", status, key, refusal="short" if status is Status.NOT_MET else None)
        if (
            r.disaster_any_employee
            and route != "job_seeker"
            and (f.disaster in r.urgent_disasters or f.disaster == "pending" or "disaster" in self.missing)
        ):
            status = _status(disaster_levels(f, r))
            self.add("disaster", status, status.value if f.disaster else "unknown")
        if route == "job_seeker" or (f.situation is None and self.relevant("months_since_job_end")):
            status = _status(job_seeker_levels(f, r))
            if status is Status.NOT_MET:
                too_long = (
                    isinstance(f.months_since_job_end, (int, float))
                    and f.months_since_job_end > r.job_seeker.max_months_since_job_end
                )
                way = "too_long" if too_long else "former_employer"
                self.add("job_seeker", status, f"not_met_{way}", refusal=way)
            elif status is Status.TO_CONFIRM and self.unsure("months_since_job_end", "sector", "company_size"):
                self.add("job_seeker", status, "to_confirm_unsure")
            else:
                self.add("job_seeker", status, status.value)

        status = _status(location_levels(f, r))
        self.add("housing_location", status, status.value, refusal="outside" if status is Status.NOT_MET else None)
        if f.occupancy is not None:
            known = f.occupancy in r.allowed_occupancies
            self.add("occupancy", Status.MET if known else Status.TO_CONFIRM, "met" if known else "to_confirm")
        return tuple(self.reasons)

    def what_would_change(self, outcome: Outcome, reasons: tuple[Reason, ...]) -> tuple[str, ...]:
        if outcome is Outcome.REDIRECT:
            return (self.say("what_would_change", "difficulty_redirect"),)
        if outcome is not Outcome.NOT_ELIGIBLE:
            return ()
        changes = []
        for reason in reasons:
            if reason.status is not Status.NOT_MET or reason.criterion == "difficulty":
                continue
            key = reason.criterion
            if key == "employer" and self.f.sector in self.r.excluded_sectors:
                key = "employer_public" if self.r.disaster_any_employee else "situation"
            changes.append(self.say("what_would_change", key))
        return tuple(dict.fromkeys(changes))

    def orientations(self, outcome: Outcome, urgent_reasons: set[str]) -> tuple[Orientation, ...]:
        f = self.f
        names: list[str] = []
        if "violences" in urgent_reasons:
            names.append("emergency_violence")
        if "sans_logement" in urgent_reasons:
            names.append("emergency_115")
        # ASLL is asked for as the département's framework says: through a professional in
        # Seine-Maritime (seed 003), directly or through a partner in others (seed 004).
        asll = "asll_professional" if (f.postcode or "").startswith("76") else "asll"
        difficulties = set(f.difficulties or ())
        if outcome is Outcome.REDIRECT:
            names += ["rental_service", asll]
        elif outcome is Outcome.NOT_ELIGIBLE:
            names += [asll, "ccas"]
            if difficulties & {"impayes_loyer", "impayes_pret", "charges_copro", "expulsion", "saisie"}:
                names.append("adil")
            if difficulties & {"impayes_loyer", "separation", "sans_logement", "deces", "perte_emploi"}:
                names.append("caf")
            if f.sector == "agricole":
                names.append("msa")
        if outcome in (Outcome.REDIRECT, Outcome.NOT_ELIGIBLE):
            if f.occupancy in ("heberge", "sans_logement"):
                names.append("avdl")
            names.append("phone_platform")
        out = []
        for name in names:
            node = self.texts["orientations"][name]
            out.append(Orientation(name, node["text"][self.lang], node["why"][self.lang], Source(**node["source"])))
        return tuple(out)


def _urgent_reasons(f: Facts, r: RuleSet) -> set[str]:
    found = set(f.difficulties or ()) & r.urgent_difficulties
    if f.occupancy in r.urgent_occupancies:
        found.add("sans_logement")
    if f.disaster in r.urgent_disasters:
        found.add("sinistre")
    return found

def assess(facts: Mapping[str, Any] | Facts, on: dt.date | str | None = None, locale: str = "fr") -> Assessment:
    """Assess a person's situation under the rules in force on `on` (today by default)."""
    f = parse_facts(facts)
    r = rules_for(on_date(on))
    lang = _locale(locale)
    levels = group_levels(f, r)
    outcomes = outcomes_of(levels)
    outcome = next(iter(outcomes)) if len(outcomes) == 1 else Outcome.INCOMPLETE
    missing = missing_facts(f, r, levels)
    explainer = _Explainer(f, r, lang, missing)
    reasons = explainer.explain()
    urgent_reasons = _urgent_reasons(f, r)
    return Assessment(
        outcome=outcome,
        urgent=bool(urgent_reasons),
        reasons=reasons,
        missing=missing,
        orientations=explainer.orientations(outcome, urgent_reasons),
        what_would_change=explainer.what_would_change(outcome, reasons),
        rules_version=r.version,
        locale=lang,
    )

def clear_memos() -> None:
    """Forget every kept result (the benchmark's "first time these facts are seen")."""
    for memo in (asking._MISSING, asking._QUESTIONS, levels._LEVELS):
        memo.clear()
