"""The eligibility engine: assess a situation on a date, explain every criterion, ask next.

Each criterion evaluates to the *set* of levels it may still take given what is known:
{MET} when the facts settle it, {NOT_MET, MET} when an unknown fact could go either way.
Combining sets (OR = best of, AND = worst of) gives every outcome the person may still
reach; the outcome is decided when only one remains. Knowing more only shrinks the sets, so a
decided outcome can never become `incomplete` again, and a hard "no" needs no more questions.
"""
from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any, Iterable, Mapping

from .facts import CONTRACTS, DISASTERS, LOCATIONS, SECTORS, SITUATIONS, Facts, parse_facts
from .model import Assessment, Choice, Orientation, Outcome, Question, Reason, Source, Status
from .rules import RuleSet, questions, rules_for, texts

NOT_MET, TO_CONFIRM, MET = 0, 1, 2
REDIRECT = -1  # a difficulty level only: the request belongs to another service
Levels = frozenset

_LEVEL_STATUS = {MET: Status.MET, TO_CONFIRM: Status.TO_CONFIRM, NOT_MET: Status.NOT_MET}

# The order in which the check asks: the difficulty first (it may settle everything), then
# who the person is, then their employer and contract, and where the home is last.
ASKING_ORDER = (
    "difficulties", "situation", "sector", "company_size", "contract", "contract_months",
    "months_since_job_end", "former_employer_peec", "disaster", "housing_location",
)
LOCALES = ("fr", "en")


def _or(a: Levels, b: Levels) -> Levels:
    return frozenset(max(x, y) for x in a for y in b)


def _and(a: Levels, b: Levels) -> Levels:
    return frozenset(min(x, y) for x in a for y in b)


# --- criteria ---------------------------------------------------------------------------

def employer_levels(f: Facts, r: RuleSet) -> Levels:
    """A private non-agricultural company of at least 10 employees, or an agricultural one of
    at least 50 (thresholds from the rules in force); never the public sector."""
    sectors = SECTORS if f.sector is None else (f.sector,)
    out: set[int] = set()
    for sector in sectors:
        if sector == "public":
            out.add(NOT_MET)
        elif f.company_size is None:
            out.update((NOT_MET, MET))
        else:
            out.add(MET if f.company_size >= r.min_size[sector] else NOT_MET)
    return frozenset(out)


def contract_levels(f: Facts, r: RuleSet) -> Levels:
    """A CDI whatever the seniority; a CDD or a temp mission of at least the minimum length
    (none in 2021); a temp mission shorter than that is for an adviser to confirm (minimum
    hours over 12 months, threshold set by the service); other contracts are confirmed too."""
    contracts = CONTRACTS if f.contract is None else (f.contract,)
    minimum = r.min_contract_months
    out: set[int] = set()
    for contract in contracts:
        if contract == "cdi" or (minimum is None and contract in ("cdd", "interim")):
            out.add(MET)
        elif contract == "autre":
            out.add(TO_CONFIRM)
        else:
            short = NOT_MET if contract == "cdd" else TO_CONFIRM
            if f.contract_months is None:
                out.update((short, MET))
            else:
                out.add(MET if f.contract_months >= minimum else short)
    return frozenset(out)


def disaster_levels(f: Facts, r: RuleSet) -> Levels:
    """Any employee, whatever the sector, size or contract, whose home is hit by a natural
    disaster (arrêté CatNat) or a declared technological disaster (2022 directive)."""
    if not r.disaster_any_employee or f.disaster == "none":
        return frozenset((NOT_MET,))
    if f.disaster is None:
        return frozenset((NOT_MET, MET))
    return frozenset((MET,))


def job_seeker_levels(f: Facts, r: RuleSet) -> Levels:
    """A job seeker within 12 months of leaving a company subject to PEEC or PEAEC (2021);
    to be confirmed by an adviser under the 2022 directive, which does not mention them."""
    rule = r.job_seeker
    if rule is None:
        return frozenset((NOT_MET,))
    success = TO_CONFIRM if rule.to_confirm else MET
    months_ok = (True, False) if f.months_since_job_end is None else (
        f.months_since_job_end <= rule.max_months_since_job_end,)
    peec_ok = (True,) if not rule.requires_peec else (
        (True, False) if f.former_employer_peec is None else (f.former_employer_peec,))
    return frozenset(success if m and p else NOT_MET for m in months_ok for p in peec_ok)


def beneficiary_levels(f: Facts, r: RuleSet) -> Levels:
    """An employee meeting the employer and contract conditions, or hit by a disaster; or a
    recent job seeker; retired and self-employed people and other situations are not covered."""
    situations = SITUATIONS if f.situation is None else (f.situation,)
    out: set[int] = set()
    for situation in situations:
        if situation == "salarie":
            regular = _and(employer_levels(f, r), contract_levels(f, r))
            out |= _or(regular, disaster_levels(f, r))
        elif situation == "demandeur_emploi":
            out |= job_seeker_levels(f, r)
        else:
            out.add(NOT_MET)
    return frozenset(out)


def location_levels(f: Facts, r: RuleSet) -> Levels:
    """The home (or shelter) is in metropolitan France or in the DROM."""
    location = f.location
    if location is None:
        return frozenset((NOT_MET, MET))
    return frozenset((MET if location in r.allowed_locations else NOT_MET,))


def difficulty_levels(f: Facts, r: RuleSet) -> Levels:
    """A difficulty that affects getting or keeping a home; a pure housing search is the rental
    service's; any other difficulty is for an adviser to confirm."""
    if not f.difficulties:
        return frozenset((REDIRECT, TO_CONFIRM, MET))
    given = set(f.difficulties)
    if given & r.covered_difficulties:
        return frozenset((MET,))
    if given <= r.redirect_difficulties:
        return frozenset((REDIRECT,))
    return frozenset((TO_CONFIRM,))


def _outcome(beneficiary: int, location: int, difficulty: int) -> Outcome:
    # A pure housing search is never this service's, whoever asks: redirect comes first.
    if difficulty == REDIRECT:
        return Outcome.REDIRECT
    if NOT_MET in (beneficiary, location):
        return Outcome.NOT_ELIGIBLE
    if TO_CONFIRM in (beneficiary, location, difficulty):
        return Outcome.TO_CONFIRM
    return Outcome.ELIGIBLE


# --- what to ask ------------------------------------------------------------------------

def _probe_values(fact: str, r: RuleSet) -> tuple[Any, ...]:
    """One value per class the rules distinguish: enough to tell whether a fact matters."""
    if fact == "difficulties":
        return (("impayes_loyer",), ("recherche_logement_seule",), ("autre",))
    if fact == "situation":
        return SITUATIONS
    if fact == "sector":
        return SECTORS
    if fact == "company_size":
        return tuple(n for t in sorted(set(r.min_size.values())) for n in (t - 1, t))
    if fact == "contract":
        return CONTRACTS
    if fact == "contract_months":
        m = r.min_contract_months
        return (m / 2, m) if m else (1.0,)
    if fact == "months_since_job_end":
        m = r.job_seeker.max_months_since_job_end if r.job_seeker else 12.0
        return (m, m + 1)
    if fact == "former_employer_peec":
        return (True, False)
    if fact == "disaster":
        return DISASTERS
    if fact == "housing_location":
        return LOCATIONS
    raise KeyError(fact)


def _is_known(f: Facts, fact: str) -> bool:
    if fact == "housing_location":
        return f.location is not None
    if fact == "difficulties":
        return bool(f.difficulties)
    return getattr(f, fact) is not None


_GROUPS = {"difficulties": "difficulty", "housing_location": "location"}
# Facts that settle one criterion together: neither may matter alone (a sector says nothing
# until the size is known), so each is probed jointly with its unknown partner.
_PARTNERS = {
    "sector": "company_size", "company_size": "sector",
    "contract": "contract_months", "contract_months": "contract",
    "months_since_job_end": "former_employer_peec", "former_employer_peec": "months_since_job_end",
}


def _probes(fact: str, f: Facts, r: RuleSet) -> Iterable[dict[str, Any]]:
    partner = _PARTNERS.get(fact)
    if partner is None or _is_known(f, partner):
        return ({fact: v} for v in _probe_values(fact, r))
    return ({fact: v, partner: w} for v in _probe_values(fact, r) for w in _probe_values(partner, r))
_GROUP_LEVELS = {"beneficiary": beneficiary_levels, "location": location_levels, "difficulty": difficulty_levels}


def _outcomes_of(levels: dict[str, Levels]) -> frozenset[Outcome]:
    return frozenset(
        _outcome(b, l, d)
        for b in levels["beneficiary"] for l in levels["location"] for d in levels["difficulty"]
    )


def _with(f: Facts, changes: dict[str, Any]) -> Facts:
    """`dataclasses.replace` without re-running the constructor: probing is the hot path."""
    probed = object.__new__(Facts)
    probed.__dict__.update(f.__dict__)
    probed.__dict__.update(changes)
    return probed


def _matters(fact: str, f: Facts, r: RuleSet, levels: dict[str, Levels],
             seen: dict[tuple, Levels]) -> bool:
    """Whether some value of an unknown fact could change the outcome.

    Facts feed three independent groups (who the person is, where the home is, what the
    difficulty is). A fact matters when one of its values narrows its group's levels in a way
    that changes the outcome for at least one possible level of each other group: comparing
    whole outcome sets instead would let one unknown group hide another's effect.
    """
    group = _GROUPS.get(fact, "beneficiary")
    others = [g for g in _GROUP_LEVELS if g != group]
    for probe in _probes(fact, f, r):
        key = tuple(sorted(probe.items(), key=lambda item: item[0]))
        narrowed = seen.get(key)
        if narrowed is None:
            narrowed = seen[key] = _GROUP_LEVELS[group](_with(f, probe), r)
        if narrowed == levels[group]:
            continue
        for a in levels[others[0]]:
            for b in levels[others[1]]:
                fixed = {others[0]: frozenset((a,)), others[1]: frozenset((b,))}
                if _outcomes_of({**fixed, group: narrowed}) != _outcomes_of({**fixed, group: levels[group]}):
                    return True
    return False


class _Memo:
    """Results kept per rule set and hashable arguments (facts are frozen), the oldest dropped
    past `size`. A rule set is identified by the object itself: a reloaded one starts afresh."""

    def __init__(self, size: int):
        self._entries: dict[tuple, tuple[RuleSet, Any]] = {}
        self._size = size

    def get(self, r: RuleSet, key: tuple) -> Any:
        hit = self._entries.get((id(r), *key))
        return hit[1] if hit is not None and hit[0] is r else None

    def put(self, r: RuleSet, key: tuple, value: Any) -> Any:
        if len(self._entries) >= self._size:
            with contextlib.suppress(StopIteration, KeyError, RuntimeError):  # another thread got there first
                self._entries.pop(next(iter(self._entries)))
        self._entries[(id(r), *key)] = (r, value)
        return value

    def clear(self) -> None:
        self._entries.clear()


# missing_facts probes every value of every unknown fact, and a question is rendered from the
# rules' texts and thresholds: the hot path of a conversation. The same few hundred combinations
# of facts come back in every conversation, so answers are kept.
_MISSING = _Memo(4096)
_QUESTIONS = _Memo(4096)


def missing_facts(f: Facts, r: RuleSet, levels: dict[str, Levels] | None = None) -> tuple[str, ...]:
    """The unknown facts that could still change the outcome, in asking order."""
    missing = _MISSING.get(r, (f,))
    if missing is None:
        missing = _MISSING.put(r, (f,), _missing_facts(f, r, levels))
    return missing


def _missing_facts(f: Facts, r: RuleSet, levels: dict[str, Levels] | None) -> tuple[str, ...]:
    levels = group_levels(f, r) if levels is None else levels
    if len(_outcomes_of(levels)) == 1:
        return ()
    seen: dict[tuple, Levels] = {}
    return tuple(x for x in ASKING_ORDER if not _is_known(f, x) and _matters(x, f, r, levels, seen))


def group_levels(f: Facts, r: RuleSet) -> dict[str, Levels]:
    return {name: evaluate(f, r) for name, evaluate in _GROUP_LEVELS.items()}


# --- explanations -----------------------------------------------------------------------

def _locale(locale: str | None) -> str:
    lang = (locale or "fr").replace("_", "-").split("-")[0].lower()
    return lang if lang in LOCALES else "fr"


def _status(levels: Levels) -> Status:
    return _LEVEL_STATUS[next(iter(levels))] if len(levels) == 1 else Status.UNKNOWN


class _Explainer:
    def __init__(self, f: Facts, r: RuleSet, lang: str, missing: tuple[str, ...]):
        self.f, self.r, self.lang, self.missing = f, r, lang, missing
        self.texts = texts()
        self.reasons: list[Reason] = []

    def say(self, *path: str) -> str:
        node: Any = self.texts
        for key in path:
            node = node[key]
        return node[self.lang].format(**self.r.params)

    def add(self, criterion: str, status: Status, key: str, sources: str | None = None) -> None:
        text = self.say("reasons", criterion, key)
        self.reasons.append(Reason(criterion, status, text, self.r.sources[sources or criterion]))

    def relevant(self, *facts: str) -> bool:
        return any(_is_known(self.f, x) or x in self.missing for x in facts)

    def explain(self) -> tuple[Reason, ...]:
        f, r = self.f, self.r
        levels = difficulty_levels(f, r)
        if levels == {REDIRECT}:
            self.add("difficulty", Status.NOT_MET, "redirect")
        else:
            status = _status(levels)
            self.add("difficulty", status, status.value)

        situation_sources = "employer" if f.situation != "demandeur_emploi" else "job_seeker"
        if f.situation is None:
            self.add("situation", Status.UNKNOWN, "unknown", situation_sources)
        elif f.situation == "salarie":
            self.add("situation", Status.MET, "met", situation_sources)
        elif f.situation == "demandeur_emploi":
            self.add("situation", Status.MET, "met_job_seeker", situation_sources)
        else:
            self.add("situation", Status.NOT_MET, "not_met", situation_sources)

        if f.situation == "salarie" or (f.situation is None and self.relevant("sector", "company_size")):
            status = _status(employer_levels(f, r))
            key = "not_met_public" if f.sector == "public" else status.value
            self.add("employer", status, key)
        if f.situation == "salarie" or (f.situation is None and self.relevant("contract", "contract_months")):
            status = _status(contract_levels(f, r))
            key = status.value
            if status is Status.MET and r.min_contract_months is None:
                key = "met_any"
            elif status is Status.TO_CONFIRM:
                key = "to_confirm_interim" if f.contract == "interim" else "to_confirm_other"
            self.add("contract", status, key)
        if r.disaster_any_employee and (f.disaster in r.urgent_disasters or "disaster" in self.missing):
            self.add("disaster", _status(disaster_levels(f, r)), "met" if f.disaster else "unknown")
        if f.situation == "demandeur_emploi" or (
            f.situation is None and self.relevant("months_since_job_end", "former_employer_peec")
        ):
            status = _status(job_seeker_levels(f, r))
            key = status.value
            if status is Status.NOT_MET:
                if r.job_seeker is None:
                    key = "not_covered"
                elif f.former_employer_peec is False:
                    key = "not_met_peec"
                else:
                    key = "not_met_too_long"
            self.add("job_seeker", status, key)

        status = _status(location_levels(f, r))
        self.add("housing_location", status, status.value)
        if f.occupancy is not None:
            self.add("occupancy", Status.MET, "met")
        return tuple(self.reasons)

    def what_would_change(self, outcome: Outcome, reasons: tuple[Reason, ...]) -> tuple[str, ...]:
        if outcome is Outcome.REDIRECT:
            return (self.say("what_would_change", "difficulty_redirect"),)
        if outcome is not Outcome.NOT_ELIGIBLE:
            return ()
        changes = []
        for reason in reasons:
            if reason.status is not Status.NOT_MET:
                continue
            key = reason.criterion
            if key == "employer" and self.f.sector == "public":
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
        if outcome is Outcome.REDIRECT:
            names += ["rental_service", "asll"]
        elif outcome is Outcome.NOT_ELIGIBLE:
            names += ["asll", "ccas"]
            if set(f.difficulties or ()) & {"impayes_loyer", "impayes_pret", "charges_copro", "expulsion", "saisie"}:
                names.append("adil")
        if outcome in (Outcome.REDIRECT, Outcome.NOT_ELIGIBLE):
            if f.occupancy in ("heberge", "sans_logement"):
                names.append("avdl")
            names.append("phone_platform")
        out = []
        for name in names:
            node = self.texts["orientations"][name]
            out.append(Orientation(
                name, node["text"][self.lang], node["why"][self.lang], Source(**node["source"])
            ))
        return tuple(out)


def _urgent_reasons(f: Facts, r: RuleSet) -> set[str]:
    found = set(f.difficulties or ()) & r.urgent_difficulties
    if f.occupancy in r.urgent_occupancies:
        found.add("sans_logement")
    if f.disaster in r.urgent_disasters:
        found.add("sinistre")
    return found


def _on(on: dt.date | str | None) -> dt.date:
    if on is None:
        return dt.date.today()
    if isinstance(on, str):
        return dt.date.fromisoformat(on)
    return on


def assess(facts: Mapping[str, Any] | Facts, on: dt.date | str | None = None, locale: str = "fr") -> Assessment:
    """Assess a person's situation under the rules in force on `on` (today by default)."""
    f = parse_facts(facts)
    r = rules_for(_on(on))
    lang = _locale(locale)
    levels = group_levels(f, r)
    outcomes = _outcomes_of(levels)
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


def _bucket_choices(fact: str, spec: dict[str, Any], f: Facts, r: RuleSet) -> tuple[Choice, ...]:
    """Buttons for a number, cut at the thresholds of the rules in force."""
    def label(key: str, **values: Any) -> dict[str, str]:
        return {lang: spec["buckets"][key][lang].format(**values) for lang in LOCALES}

    if fact == "company_size":
        if f.sector in r.min_size:
            cuts = [r.min_size[f.sector]]
        else:
            cuts = sorted(set(r.min_size.values()))
        choices = [Choice(str(cuts[0] - 1), label("below", n=cuts[0]))]
        for low, high in zip(cuts, cuts[1:]):
            choices.append(Choice(str(low), label("between", a=low, b=high - 1)))
        choices.append(Choice(str(cuts[-1]), label("at_least", n=cuts[-1])))
        return tuple(choices)
    if fact == "contract_months":
        m = r.params["min_months"]
        below = m - 1 if m > 1 else m / 2
        return (Choice(str(below), label("below", n=m)), Choice(str(m), label("at_least", n=m)))
    if fact == "months_since_job_end":
        m = r.params["max_months"]
        return (Choice(str(m), label("at_most", n=m)), Choice(str(m + 1), label("above", n=m)))
    raise KeyError(fact)


def _render(fact: str, f: Facts, r: RuleSet, missing: tuple[str, ...]) -> Question:
    """The question of `fact` (kept: a Question is not changed by its users)."""
    question = _QUESTIONS.get(r, (fact, f))
    if question is None:
        question = _QUESTIONS.put(r, (fact, f), _build_question(fact, f, r, missing))
    return question


def _build_question(fact: str, f: Facts, r: RuleSet, missing: tuple[str, ...]) -> Question:
    spec = questions()[fact]
    if "buckets" in spec:
        choices = _bucket_choices(fact, spec, f, r)
    else:
        choices = tuple(Choice(str(value), dict(label)) for value, label in spec["choices"].items())
    asked = sum(1 for x in ASKING_ORDER if _is_known(f, x) and x != fact)
    return Question(
        fact=fact,
        kind=spec["kind"],
        text={lang: spec["text"][lang].format(**r.params) for lang in LOCALES},
        why={lang: spec["why"][lang].format(**r.params) for lang in LOCALES},
        choices=choices,
        position=asked + 1,
        total=asked + max(len(missing), 1),
    )


def next_question(facts: Mapping[str, Any] | Facts, on: dt.date | str | None = None) -> Question | None:
    """The next fact to ask, with its question, choices and why, in French and English;
    None when the outcome is decided."""
    f = parse_facts(facts)
    r = rules_for(_on(on))
    missing = missing_facts(f, r)
    if not missing:
        return None
    return _render(missing[0], f, r, missing)


def question_for(fact: str, facts: Mapping[str, Any] | Facts, on: dt.date | str | None = None) -> Question:
    """The question of one fact, whether or not it would be asked next: to ask it again when
    a person changes an answer."""
    if fact not in ASKING_ORDER:
        raise KeyError(fact)
    f = parse_facts(facts)
    r = rules_for(_on(on))
    return _render(fact, f, r, missing_facts(f, r))
