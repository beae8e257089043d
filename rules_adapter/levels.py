"""The criteria as sets of levels.

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
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from .facts import CONTRACTS, DISASTERS, LOCATIONS, SECTORS, SITUATIONS, UNSURE, Facts
from .model import Outcome, Status
from .rules import RuleSet
from .schema import QUESTION_FACTS

NOT_MET, TO_CONFIRM, MET = 0, 1, 2
REDIRECT = -1  # a difficulty level only: the request belongs to another service
Levels = frozenset[int]
T = TypeVar("T")

LEVEL_STATUS = {MET: Status.MET, TO_CONFIRM: Status.TO_CONFIRM, NOT_MET: Status.NOT_MET}
_STATUS_LEVEL = {status: level for level, status in LEVEL_STATUS.items()}

# The order in which the check asks: the difficulty first (it may settle everything), then
# who the person is, then their employer and contract, and where the home is last.
ASKING_ORDER = QUESTION_FACTS
LOCALES = ("fr", "en")

class Memo(Generic[T]):
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

# (criterion, facts): the probes of missing_facts are facts too, and the same few hundred
# combinations come back in every conversation.
_LEVELS: Memo[Levels] = Memo(65536)

def on_date(on: dt.date | str | None) -> dt.date:
    if on is None:
        return dt.date.today()
    if isinstance(on, str):
        return dt.date.fromisoformat(on)
    return on

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
    guesses = [(i, probe_values(names[i], r)) for i in unknown]
    doubts = [(i, probe_values(names[i], r)) for i in unsure]
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


def probe_values(fact: str, r: RuleSet) -> tuple[Any, ...]:
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


def outcome_of(beneficiary: int, location: int, difficulty: int) -> Outcome:
    # A pure housing search is never this service's, whoever asks: redirect comes first.
    if difficulty == REDIRECT:
        return Outcome.REDIRECT
    if NOT_MET in (beneficiary, location):
        return Outcome.NOT_ELIGIBLE
    if TO_CONFIRM in (beneficiary, location, difficulty):
        return Outcome.TO_CONFIRM
    return Outcome.ELIGIBLE
