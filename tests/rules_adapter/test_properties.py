"""Properties that must hold for every combination of valid facts (hypothesis)."""
from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from rules_adapter import FACT_NAMES, Outcome, assess, next_question
from rules_adapter.facts import (
    CONTRACTS,
    DIFFICULTIES,
    DISASTERS,
    LOCATIONS,
    OCCUPANCIES,
    SECTORS,
    SITUATIONS,
)

FACT_VALUES = {
    "situation": st.sampled_from(SITUATIONS),
    "sector": st.sampled_from(SECTORS + ("unsure",)),
    "company_size": st.one_of(st.integers(min_value=0, max_value=100_000), st.just("unsure")),
    "contract": st.sampled_from(CONTRACTS),
    "contract_months": st.one_of(st.integers(0, 60), st.floats(0, 60, allow_nan=False), st.just("unsure")),
    "months_since_job_end": st.one_of(st.integers(0, 60), st.floats(0, 60, allow_nan=False), st.just("unsure")),
    "disaster": st.sampled_from(DISASTERS),
    "housing_location": st.sampled_from(LOCATIONS),
    "occupancy": st.sampled_from(OCCUPANCIES),
    "difficulties": st.lists(st.sampled_from(DIFFICULTIES), max_size=4),
}
assert set(FACT_VALUES) == set(FACT_NAMES) - {"postcode"}

partial_facts = st.fixed_dictionaries({}, optional=FACT_VALUES)
dates = st.dates(min_value=dt.date(2021, 4, 8), max_value=dt.date(2030, 12, 31))

RANK = {Outcome.NOT_ELIGIBLE: 0, Outcome.TO_CONFIRM: 1, Outcome.ELIGIBLE: 2}


@settings(max_examples=400, deadline=None)
@given(partial_facts, dates)
def test_any_valid_facts_are_assessed_without_error(facts, on):
    result = assess(facts, on=on)
    assert (result.outcome is Outcome.INCOMPLETE) == bool(result.missing)
    assert all(reason.text for reason in result.reasons)
    question = next_question(facts, on=on)
    assert (question is None) == (result.outcome is not Outcome.INCOMPLETE)
    if question is not None:
        assert question.fact == result.missing[0]


@settings(max_examples=400, deadline=None)
@given(partial_facts, partial_facts, dates)
def test_adding_a_fact_never_undoes_a_decision(facts, more, on):
    before = assess(facts, on=on)
    if before.outcome is Outcome.INCOMPLETE:
        return
    after = assess({**more, **facts}, on=on)
    assert after.outcome is before.outcome


@settings(max_examples=400, deadline=None)
@given(partial_facts, st.integers(0, 1000), st.integers(0, 1000), dates)
def test_a_bigger_company_never_makes_a_person_less_eligible(facts, size, extra, on):
    small = assess({**facts, "company_size": size}, on=on)
    big = assess({**facts, "company_size": size + extra}, on=on)
    if small.outcome in RANK and big.outcome in RANK:
        assert RANK[big.outcome] >= RANK[small.outcome]
    if small.outcome is Outcome.ELIGIBLE:
        assert big.outcome is Outcome.ELIGIBLE


@settings(max_examples=200, deadline=None)
@given(partial_facts, dates)
def test_answering_the_questions_always_reaches_a_decision(facts, on):
    answers = dict(facts)
    for _ in range(12):
        question = next_question(answers, on=on)
        if question is None:
            break
        choice = question.choices[0].value
        if question.kind == "multi":
            value = [choice]
        elif question.kind == "integer":
            value = int(choice)
        elif question.kind == "number":
            value = float(choice)
        elif question.kind == "yes_no":
            value = choice == "true"
        else:
            value = choice
        answers[question.fact] = value
    assert assess(answers, on=on).outcome is not Outcome.INCOMPLETE
