"""What to ask next: the unknown facts that could still change the outcome, in asking order,
and each question rendered from the rules' texts and thresholds (with buttons cut at them)."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
from collections.abc import Iterable, Mapping
from typing import Any, cast

from .facts import DISASTERS, UNSURE, Facts, FactsError, parse_facts
from .levels import (
    ASKING_ORDER,
    LOCALES,
    Levels,
    Memo,
    beneficiary_levels,
    difficulty_levels,
    location_levels,
    on_date,
    outcome_of,
    probe_values,
)
from .model import Choice, Outcome, Question
from .rules import RuleSet, questions, rules_for

# --- what to ask ------------------------------------------------------------------------

def is_known(f: Facts, fact: str) -> bool:
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
    if partner is None or is_known(f, partner):
        return ({fact: v} for v in probe_values(fact, r))
    return ({fact: v, partner: w} for v in probe_values(fact, r) for w in probe_values(partner, r))
_GROUP_LEVELS = {"beneficiary": beneficiary_levels, "location": location_levels, "difficulty": difficulty_levels}


def outcomes_of(levels: dict[str, Levels]) -> frozenset[Outcome]:
    return frozenset(
        outcome_of(b, place, d)
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
                    if outcomes_of({**fixed, group: narrowed}) != outcomes_of({**fixed, group: base}):
                        return True
    return False

# missing_facts probes every value of every unknown fact, and a question is rendered from the
# rules' texts and thresholds: the hot path of a conversation. The same few hundred combinations
# of facts come back in every conversation, so answers are kept.
_MISSING: Memo[tuple[str, ...]] = Memo(4096)
_QUESTIONS: Memo[Question] = Memo(4096)

def missing_facts(f: Facts, r: RuleSet, levels: dict[str, Levels] | None = None) -> tuple[str, ...]:
    """The unknown facts that could still change the outcome, in asking order."""
    missing = _MISSING.get(r, (f,))
    if missing is None:
        missing = _MISSING.put(r, (f,), _missing_facts(f, r, levels))
    return missing


def _missing_facts(f: Facts, r: RuleSet, levels: dict[str, Levels] | None) -> tuple[str, ...]:
    levels = group_levels(f, r) if levels is None else levels
    if len(outcomes_of(levels)) == 1:
        return ()
    seen: dict[tuple[Any, ...], Levels] = {}
    return tuple(x for x in ASKING_ORDER if not is_known(f, x) and _matters(x, f, r, levels, seen))


# The questions still ahead at most, whatever the answers: the progress counter's total, which
# then never grows ("Question 3 sur 8" is never followed by "4 sur 9"; a path may end sooner).
# Found by walking the answers; states the rules cannot tell apart (the same facts known, the
# same facts missing, the same levels) share one walk: about a hundred for the whole check.
_AHEAD: Memo[int] = Memo(4096)


def questions_ahead(f: Facts, r: RuleSet) -> int:
    """How many questions the longest way to an outcome still asks from `f` (0: decided)."""
    levels = group_levels(f, r)
    missing = missing_facts(f, r, levels)
    if not missing:
        return 0
    key = (tuple(x for x in ASKING_ORDER if is_known(f, x)), missing,
           tuple(sorted((name, tuple(sorted(map(str, group)))) for name, group in levels.items())))
    found = _AHEAD.get(r, key)
    if found is not None:
        return found
    fact = missing[0]
    longest = 0
    for value in _answers(fact, f, r):
        with contextlib.suppress(FactsError, ValueError):
            longest = max(longest, questions_ahead(parse_facts({**_as_given(f), fact: value}), r))
    return _AHEAD.put(r, key, 1 + longest)


def _answers(fact: str, f: Facts, r: RuleSet) -> list[Any]:
    """Each answer a person may give to `fact`'s question (a multiple choice: each choice alone)."""
    kind = questions()[fact]["kind"]
    out: list[Any] = []
    for choice in _choices(fact, f, r):
        if choice.value == UNSURE:
            out.append(UNSURE)
        elif kind == "multi":
            out.append([choice.value])
        elif kind == "integer":
            out.append(int(float(choice.value)))
        elif kind == "number":
            out.append(float(choice.value))
        else:
            out.append(choice.value)
    return out


def _as_given(f: Facts) -> dict[str, Any]:
    """Typed facts back as a person's answers (the known ones only)."""
    given = {}
    for x in ASKING_ORDER:
        if is_known(f, x):
            value = f.location if x == "housing_location" else getattr(f, x)
            given[x] = list(value) if isinstance(value, tuple) else value
    return given


def group_levels(f: Facts, r: RuleSet) -> dict[str, Levels]:
    return {name: evaluate(f, r) for name, evaluate in _GROUP_LEVELS.items()}

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


def fact_name(fact: str, facts: Mapping[str, Any] | Facts, locale: str = "fr") -> str | None:
    """A fact's name where answers are listed, worded for the person's situation ("Secteur du
    dernier employeur" for a job seeker); None for a fact the check does not ask."""
    spec = questions().get(fact)
    if spec is None:
        return None
    for variant in spec.get("variants") or ():
        if "name" in variant and all(_holds(_value(facts, name), value) for name, value in variant["when"].items()):
            return str(variant["name"][locale])
    return str(spec["name"][locale])


def _value(facts: Mapping[str, Any] | Facts, name: str) -> Any:
    """A fact's value, from typed facts or as given (a list read as the tuple typed facts hold)."""
    value = getattr(facts, name) if isinstance(facts, Facts) else facts.get(name)
    return tuple(value) if isinstance(value, list) else value


def choice_label(fact: str, value: Any, locale: str = "fr") -> str | None:
    """The words of a choice's button ("Salarié·e" for `salarie`); None if it is no choice."""
    label = (questions().get(fact, {}).get("choices") or {}).get(str(value))
    return str(label[locale]) if label else None


def _render(fact: str, f: Facts, r: RuleSet, missing: tuple[str, ...]) -> Question:
    """The question of `fact` (kept: a Question is not changed by its users)."""
    question = _QUESTIONS.get(r, (fact, f))
    if question is None:
        question = _QUESTIONS.put(r, (fact, f), _build_question(fact, f, r, missing))
    return question


def _choices(fact: str, f: Facts, r: RuleSet) -> list[Choice]:
    spec = questions()[fact]
    if "buckets" in spec:
        choices = _bucket_choices(fact, spec, f, r)
    else:
        choices = [Choice(str(value), dict(label)) for value, label in spec["choices"].items()]
    if "unsure" in spec:
        choices.append(Choice(UNSURE, dict(spec["unsure"])))
    return choices


def _build_question(fact: str, f: Facts, r: RuleSet, missing: tuple[str, ...]) -> Question:
    spec = questions()[fact]
    choices = _choices(fact, f, r)
    asked = sum(1 for x in ASKING_ORDER if is_known(f, x) and x != fact)
    text = _wording(spec, f)
    return Question(
        fact=fact,
        kind=spec["kind"],
        text={lang: text[lang].format(**r.params) for lang in LOCALES},
        why={lang: spec["why"][lang].format(**r.params) for lang in LOCALES},
        choices=tuple(choices),
        hint={lang: spec["hint"][lang].format(**r.params) for lang in LOCALES},
        position=asked + 1,
        ahead=lambda: questions_ahead(f, r),
    )


def next_question(facts: Mapping[str, Any] | Facts, on: dt.date | str | None = None) -> Question | None:
    """The next fact to ask, with its question, choices and why, in French and English;
    None when the outcome is decided."""
    f = parse_facts(facts)
    r = rules_for(on_date(on))
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
    r = rules_for(on_date(on))
    return _render(fact, f, r, missing_facts(f, r))
