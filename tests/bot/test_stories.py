"""A person who tells their whole situation in one message (French, English, SMS style; written
apart from the training data, in stories.yml) finds every fact they gave kept, shown in the
summary and never asked again — with the real NLU model, whatever intent it found."""
from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
import yaml

import nlu
from bot.dialogue import Dialogue, check
from bot.dialogue import summary as answers_shown
from bot.state import CHECK, SUMMARY, State
from rules_adapter.facts import location_of_postcode

STORIES = yaml.safe_load((Path(__file__).parent / "stories.yml").read_text(encoding="utf-8"))
# A fact the check asks under another name: the postcode answers the location question.
ASKED_AS = {"postcode": "housing_location"}


def kept(fact: str, expected, facts: dict) -> bool:
    if fact == "housing_location" and "postcode" in facts:
        return location_of_postcode(facts["postcode"]) == expected
    if fact == "difficulties":
        return set(expected) <= set(facts.get(fact) or ())
    if fact in ("contract_months", "months_since_job_end", "company_size"):
        value = facts.get(fact)
        return isinstance(value, (int, float)) and abs(value - expected) <= max(0.15 * expected, 0.2)
    return facts.get(fact) == expected


@pytest.fixture(scope="module")
def dialogue(parser):
    return Dialogue(parser, nlu.FaqContent(), today=lambda: dt.date(2026, 1, 1))


@pytest.mark.parametrize(
    "story", STORIES, ids=[f"{n:02d}-{s['locale']}-{s['text'][:40]}" for n, s in enumerate(STORIES)]
)
def test_every_fact_of_a_one_message_story_is_kept_and_not_asked_again(dialogue, story):
    given = story["facts"]

    async def run():
        state = State(locale=story["locale"], greeted=True)
        await dialogue.handle(story["text"], state, story["locale"])
        lost = {f: v for f, v in given.items() if not kept(f, v, state.facts)}
        assert not lost, f"lost {lost}; kept {state.facts}"
        if state.mode not in (CHECK, SUMMARY):  # an FAQ answer, a greeting: the person then starts the check
            await dialogue.handle("/start_check", state)
        asked = []
        while state.mode == CHECK and len(asked) < 12:
            asked.append(state.precising or state.question)
            if state.precising:
                await dialogue.handle(f'/precise{{"fact":"{state.precising}","choice":"none"}}', state)
                continue
            question = check.question(dialogue.services, state)
            await dialogue.handle(check.question_buttons(dialogue.services, question, state)[0].payload, state)
        again = {ASKED_AS.get(f, f) for f in given} & set(asked)
        assert not again, f"asked again: {again} (asked {asked})"
        assert state.mode == SUMMARY
        summary = answers_shown.summary(state).text
        for fact in given:
            name = answers_shown.fact_name(ASKED_AS.get(fact, fact), state)
            assert name in summary, f"{name} not in the summary"

    asyncio.run(run())
