"""The progress counter ("Question 3 sur 8") counts the questions actually ahead at most: along
any way through the check its total never grows, a question's number never passes it, and the
last question asked is at most the first total."""
from __future__ import annotations

import datetime as dt
import random

import rules_adapter
from rules_adapter.facts import UNSURE

ON = dt.date(2026, 1, 1)


def _value(question, choice):
    if choice.value == UNSURE:
        return UNSURE
    if question.kind == "multi":
        return [choice.value]
    if question.kind == "integer":
        return int(float(choice.value))
    if question.kind == "number":
        return float(choice.value)
    return choice.value


def test_along_400_random_ways_through_the_check_the_total_never_grows():
    rng = random.Random(7)
    for _ in range(400):
        facts: dict = {}
        totals, positions = [], []
        while (question := rules_adapter.next_question(facts, on=ON)) is not None:
            totals.append(question.total)
            positions.append(question.position)
            facts[question.fact] = _value(question, rng.choice(question.choices))
        assert all(a >= b for a, b in zip(totals, totals[1:], strict=False)), (facts, totals)
        assert all(p <= t for p, t in zip(positions, totals, strict=True)), (facts, positions, totals)
        assert not positions or positions[-1] <= totals[0]


def test_the_counter_of_a_known_way_reads_as_a_person_sees_it():
    facts: dict = {}
    seen = []
    answers = {"difficulties": ["impayes_loyer"], "situation": "salarie", "sector": "prive_non_agricole",
               "company_size": 50, "contract": "cdd", "contract_months": 6, "housing_location": "metropole"}
    while (question := rules_adapter.next_question(facts, on=ON)) is not None:
        seen.append((question.position, question.total))
        facts[question.fact] = answers[question.fact]
    assert seen == [(1, 8), (2, 8), (3, 8), (4, 8), (5, 8), (6, 8), (7, 7)]
