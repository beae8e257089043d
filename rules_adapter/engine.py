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
import itertools
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, TypeVar, cast

from .facts import CONTRACTS, DISASTERS, LOCATIONS, SECTORS, SITUATIONS, UNSURE, Facts, parse_facts
from .model import Assessment, Choice, Orientation, Outcome, Question, Reason, Source, Status
from .rules import RuleSet, questions, rules_for, texts
from .schema import QUESTION_FACTS

NOT_MET, TO_CONFIRM, MET = 0, 1, 2
REDIRECT = -1  # a difficulty level only: the request belongs to another service
Levels = frozenset[int]
T = TypeVar("T")

_LEVEL_STATUS = {MET: Status.MET, TO_CONFIRM: Status.TO_CONFIRM, NOT_MET: Status.NOT_MET}
_STATUS_LEVEL = {status: level for level, status in _LEVEL_STATUS.items()}

# The order in which the check asks: the difficulty first (it may settle everything), then
# who the person is, then their employer and contract, and where the home is last.
ASKING_ORDER = QUESTION_FACTS
LOCALES = ("fr", "en")


def _or(a: Levels, b: Levels) -> Levels:
    return frozenset(max(x, y) for x in a for y in b)


def _and(a: Levels, b: Levels) -> Levels:
    return frozenset(min(x, y) for x in a for y in b)


def _levels(f: Facts, r: RuleSet, names: tuple[str, ...], level: Callable[..., int]) -> Levels:
    """The levels a criterion may take, `level` deciding it for concrete values of `names`.

    A fact not given yet may take any of its values: each is a level the criterion may still
    reach. A fact the person answered "je ne sais pas" to is settled by an adviser: where its
    values would decide differently, the criterion is to be confirmed, never refused.
    """
    values = [getattr(f, n) for n in names]
    unknown = [i for i, v in enumerate(values) if v is None]
    unsure = [i for i, v in enumerate(values) if v == UNSURE]
    if not unknown and not unsure:
        return frozenset((level(*values),))
    guesses = [(i, _probe_values(names[i], r)) for i in unknown]
    doubts = [(i, _probe_values(names[i], r)) for i in unsure]
    out: set[int] = set()
    for guess in itertools.product(*(probes for _, probes in guesses)):
        for (i, _), value in zip(guesses, guess, strict=True):
            values[i] = value
        settled = set()
        for doubt in itertools.product(*(probes for _, probes in doubts)):
            for (i, _), value in zip(doubts, doubt, strict=True):
                values[i] = value
            settled.add(level(*values))
        out.add(settled.pop() if len(settled) == 1 else TO_CONFIRM)
    return frozenset(out)


# --- criteria ---------------------------------------------------------------------------

def _company_fits(sector: str, company_size: float, excluded: frozenset[str], min_size: dict[str, int]) -> bool:
    return sector not in excluded and company_size >= min_size[sector]


def employer_level(sector: str, company_size: float, r: RuleSet) -> int:
    """A private non-agricultural company of at least 10 employees, or an agricultural one of
    at least 50 (thresholds from the rules in force); never an excluded sector (public)."""
    return MET if _company_fits(sector, company_size, r.excluded_sectors, r.min_size) else NOT_MET


def contract_level(contract: str, contract_months: float, r: RuleSet) -> int:
    """A CDI whatever the seniority; a CDD or a temp mission of at least the minimum length
    (none in 2021); shorter, what the rules say (a CDD is refused, a temp mission is for an
    adviser to confirm: minimum hours over 12 months, a threshold set by the service); other
    contracts as the rules say (never refused: no seed names them)."""
    minimum = r.min_contract_months
    if contract == "cdi":
        return MET
    if contract == "autre":
        return _STATUS_LEVEL[r.contract_other]
    if minimum is None or contract_months >= minimum:
        return MET
    return _STATUS_LEVEL[r.under_min[contract]]


def disaster_level(disaster: str, r: RuleSet) -> int:
    """Any employee, whatever the sector, size or contract, whose home is hit by a natural
    disaster (arrêté CatNat) or a declared technological disaster (2022 directive); an order not
    published yet, or not known, is for an adviser to confirm."""
    if not r.disaster_any_employee or disaster == "none":
        return NOT_MET
    if disaster == "pending":
        return _STATUS_LEVEL[r.disaster_pending]
    return MET


def job_seeker_level(months_since_job_end: float, sector: str, company_size: float, r: RuleSet) -> int:
    """A job seeker within 12 months of leaving a private company of at least 10 employees or an
    agricultural one of at least 50; confirmed by an adviser under the 2022 directive, which
    does not mention job seekers."""
    rule = r.job_seeker
    if months_since_job_end > rule.max_months_since_job_end:
        return NOT_MET
    if not _company_fits(sector, company_size, rule.excluded_sectors, rule.former_employer_min_size):
        return NOT_MET
    return _STATUS_LEVEL[rule.outcome]


def _kept(name: str, f: Facts, r: RuleSet, compute: Callable[[], Levels]) -> Levels:
    """A criterion's levels for these facts, computed once: the check probes the same facts
    again and again, and each criterion enumerates the values of its unknown facts."""
    levels = _LEVELS.get(r, (name, f))
    if levels is None:
        levels = _LEVELS.put(r, (name, f), compute())
    return levels


def employer_levels(f: Facts, r: RuleSet) -> Levels:
    return _kept("employer", f, r, lambda: _levels(
        f, r, ("sector", "company_size"), lambda sector, size: employer_level(sector, size, r)))


def contract_levels(f: Facts, r: RuleSet) -> Levels:
    return _kept("contract", f, r, lambda: _levels(
        f, r, ("contract", "contract_months"), lambda contract, months: contract_level(contract, months, r)))


def disaster_levels(f: Facts, r: RuleSet) -> Levels:
    return _kept("disaster", f, r, lambda: _levels(f, r, ("disaster",), lambda disaster: disaster_level(disaster, r)))


def job_seeker_levels(f: Facts, r: RuleSet) -> Levels:
    return _kept("job_seeker", f, r, lambda: _levels(
        f, r, ("months_since_job_end", "sector", "company_size"),
        lambda months, sector, size: job_seeker_level(months, sector, size, r)))


def beneficiary_levels(f: Facts, r: RuleSet) -> Levels:
    """An employee meeting the employer and contract conditions, or hit by a disaster; or a
    recent job seeker; situations the rules do not cover (retired, self-employed) are refused,
    any other is for an adviser to confirm."""
    return _kept("beneficiary", f, r, lambda: _beneficiary_levels(f, r))


def _beneficiary_levels(f: Facts, r: RuleSet) -> Levels:
    situations = SITUATIONS if f.situation is None else (f.situation,)
    out: set[int] = set()
    for situation in situations:
        route = r.situation_routes.get(situation)
        if route == "employee":
            regular = _and(employer_levels(f, r), contract_levels(f, r))
            out |= _or(regular, disaster_levels(f, r))
        elif route == "job_seeker":
            out |= job_seeker_levels(f, r)
        elif situation in r.situations_not_covered:
            out.add(NOT_MET)
        else:
            out.add(_STATUS_LEVEL[r.situation_otherwise])
    return frozenset(out)


def location_levels(f: Facts, r: RuleSet) -> Levels:
    """The home (or shelter) is in metropolitan France or in the DROM; elsewhere, what the
    rules say (refused by the 2022 directive, to be confirmed under the 2021 presentation)."""
    location = f.location
    if location is None:
        return frozenset((_STATUS_LEVEL[r.outside_location], MET))
    return frozenset((MET if location in r.allowed_locations else _STATUS_LEVEL[r.outside_location],))


def difficulty_levels(f: Facts, r: RuleSet) -> Levels:
    """A difficulty that affects getting or keeping a home; a pure housing search is the rental
    service's; any other difficulty is for an adviser to confirm."""
    if not f.difficulties:
        return frozenset((REDIRECT, TO_CONFIRM, MET))
    given = set(f.difficulties)
    if given & r.covered_difficulties:
        return frozenset((MET,))
    if r.redirect_difficulties and given <= r.redirect_difficulties:
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
        thresholds = set(r.min_size.values()) | set(r.job_seeker.former_employer_min_size.values())
        return tuple(n for t in sorted(thresholds) for n in (t - 1, t))
    if fact == "contract":
        return CONTRACTS
    if fact == "contract_months":
        m = r.min_contract_months
        return (m / 2, m) if m else (1.0,)
    if fact == "months_since_job_end":
        m = r.job_seeker.max_months_since_job_end
        return (m, m + 1)
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
}


def _probes(fact: str, f: Facts, r: RuleSet) -> Iterable[dict[str, Any]]:
    partner = _PARTNERS.get(fact)
    if partner is None or _is_known(f, partner):
        return ({fact: v} for v in _probe_values(fact, r))
    return ({fact: v, partner: w} for v in _probe_values(fact, r) for w in _probe_values(partner, r))
_GROUP_LEVELS = {"beneficiary": beneficiary_levels, "location": location_levels, "difficulty": difficulty_levels}


def _outcomes_of(levels: dict[str, Levels]) -> frozenset[Outcome]:
    return frozenset(
        _outcome(b, place, d)
        for b in levels["beneficiary"] for place in levels["location"] for d in levels["difficulty"]
    )


def _with(f: Facts, changes: dict[str, Any]) -> Facts:
    """`dataclasses.replace` without re-running the constructor: probing is the hot path."""
    probed = object.__new__(Facts)
    probed.__dict__.update(f.__dict__)
    probed.__dict__.update(changes)
    return probed


def _matters(fact: str, f: Facts, r: RuleSet, levels: dict[str, Levels],
             seen: dict[tuple[Any, ...], Levels]) -> bool:
    """Whether some value of an unknown fact could change the outcome.

    Facts feed three independent groups (who the person is, where the home is, what the
    difficulty is). A fact matters when one of its values narrows its group's levels in a way
    that changes the outcome for at least one possible level of each other group: comparing
    whole outcome sets instead would let one unknown group hide another's effect.

    Within the person's group, the disaster route can stand in for every other condition, and
    a set of levels forgets which fact gave which level: an unknown disaster would hide the
    employer's and the contract's effect. Those facts are therefore also probed for each
    disaster answer the person may still give.
    """
    group = _GROUPS.get(fact, "beneficiary")
    contexts: list[dict[str, Any]] = [{}]
    if group == "beneficiary" and fact != "disaster" and f.disaster is None:
        contexts += [{"disaster": d} for d in DISASTERS]
    others = [g for g in _GROUP_LEVELS if g != group]
    for context in contexts:
        base = levels[group] if not context else _GROUP_LEVELS[group](_with(f, context), r)
        for probe in _probes(fact, f, r):
            probe = {**probe, **context}
            key = tuple(sorted(probe.items(), key=lambda item: item[0]))
            narrowed = seen.get(key)
            if narrowed is None:
                narrowed = seen[key] = _GROUP_LEVELS[group](_with(f, probe), r)
            if narrowed == base:
                continue
            for a in levels[others[0]]:
                for b in levels[others[1]]:
                    fixed = {others[0]: frozenset((a,)), others[1]: frozenset((b,))}
                    if _outcomes_of({**fixed, group: narrowed}) != _outcomes_of({**fixed, group: base}):
                        return True
    return False


class _Memo(Generic[T]):
    """Results kept per rule set and hashable arguments (facts are frozen), the oldest dropped
    past `size`. A rule set is identified by the object itself: a reloaded one starts afresh."""

    def __init__(self, size: int):
        self._entries: dict[tuple[Any, ...], tuple[RuleSet, T]] = {}
        self._size = size

    def get(self, r: RuleSet, key: tuple[Any, ...]) -> T | None:
        hit = self._entries.get((id(r), *key))
        return hit[1] if hit is not None and hit[0] is r else None

    def put(self, r: RuleSet, key: tuple[Any, ...], value: T) -> T:
        if len(self._entries) >= self._size:
            with contextlib.suppress(StopIteration, KeyError, RuntimeError):  # another thread got there first
                self._entries.pop(next(iter(self._entries)))
        entry = (id(r), *key)
        self._entries[entry] = (r, value)
        return value

    def clear(self) -> None:
        self._entries.clear()


# missing_facts probes every value of every unknown fact, and a question is rendered from the
# rules' texts and thresholds: the hot path of a conversation. The same few hundred combinations
# of facts come back in every conversation, so answers are kept.
_MISSING: _Memo[tuple[str, ...]] = _Memo(4096)
_QUESTIONS: _Memo[Question] = _Memo(4096)
_LEVELS: _Memo[Levels] = _Memo(65536)  # (criterion, facts): the probes of missing_facts are facts too


def clear_memos() -> None:
    """Forget every kept result (the benchmark's "first time these facts are seen")."""
    for memo in (_MISSING, _QUESTIONS, _LEVELS):
        memo.clear()


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
    seen: dict[tuple[Any, ...], Levels] = {}
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
        return any(_is_known(self.f, x) or x in self.missing for x in facts)

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


def _bucket_choices(fact: str, spec: dict[str, Any], f: Facts, r: RuleSet) -> list[Choice]:
    """Buttons for a number, cut at the thresholds of the rules in force."""

    def label(key: str, **values: Any) -> dict[str, str]:
        return {lang: spec["buckets"][key][lang].format(**values) for lang in LOCALES}

    if fact == "company_size":
        sizes = r.job_seeker.former_employer_min_size if f.situation == "demandeur_emploi" else r.min_size
        cuts = [sizes[f.sector]] if f.sector in sizes else sorted(set(sizes.values()))
        choices = [Choice(str(cuts[0] - 1), label("below", n=cuts[0]))]
        for low, high in itertools.pairwise(cuts):
            choices.append(Choice(str(low), label("between", a=low, b=high - 1)))
        choices.append(Choice(str(cuts[-1]), label("at_least", n=cuts[-1])))
        return choices
    if fact == "contract_months":
        m = r.params["min_months"]
        below = m - 1 if m > 1 else m / 2
        return [Choice(str(below), label("below", n=m)), Choice(str(m), label("at_least", n=m))]
    if fact == "months_since_job_end":
        m = r.params["max_months"]
        return [Choice(str(m), label("at_most", n=m)), Choice(str(m + 1), label("above", n=m))]
    raise KeyError(fact)


def _holds(given: Any, wanted: Any) -> bool:
    """A variant's condition: the fact has that value (or, for a list, contains it)."""
    return wanted in given if isinstance(given, tuple) else given == wanted


def _wording(spec: dict[str, Any], f: Facts) -> dict[str, str]:
    """The question's text, or the first variant whose facts are the person's (a job seeker is
    asked about their former employer, a temp worker about their agency)."""
    for variant in spec.get("variants") or ():
        if all(_holds(getattr(f, name), value) for name, value in variant["when"].items()):
            return cast(dict[str, str], variant["text"])
    return cast(dict[str, str], spec["text"])


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
        choices = [Choice(str(value), dict(label)) for value, label in spec["choices"].items()]
    if "unsure" in spec:
        choices.append(Choice(UNSURE, dict(spec["unsure"])))
    asked = sum(1 for x in ASKING_ORDER if _is_known(f, x) and x != fact)
    text = _wording(spec, f)
    return Question(
        fact=fact,
        kind=spec["kind"],
        text={lang: text[lang].format(**r.params) for lang in LOCALES},
        why={lang: spec["why"][lang].format(**r.params) for lang in LOCALES},
        choices=tuple(choices),
        hint={lang: spec["hint"][lang].format(**r.params) for lang in LOCALES},
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
