"""Unit tests of the dialogue engine's own decisions, with a scripted NLU (the real model is
exercised by the YAML conversation tests)."""
from __future__ import annotations

import asyncio
import datetime as dt

import nlu
from bot.dialogue import Dialogue
from bot.state import CHECK, State


class ScriptedParser:
    def __init__(self, *parses: nlu.Parse):
        self.parses = list(parses)

    async def parse(self, text, locale=None):
        return self.parses.pop(0) if self.parses else fallback()

    async def close(self):
        pass


def fallback(*ranked: str) -> nlu.Parse:
    return nlu.Parse(nlu.FALLBACK, 0.3, (), tuple(nlu.Alternative(i, 0.3 - n * 0.05) for n, i in enumerate(ranked)))


def talk(dialogue: Dialogue, state: State, *messages: str):
    async def run():
        out = []
        for message in messages:
            out.append((await dialogue.handle(message, state, "fr")).replies)
        return out
    return asyncio.run(run())


def test_not_understood_suggests_readable_labels_then_offers_an_adviser():
    parser = ScriptedParser(fallback("faq/confidentialite_employeur", "greet", "faq/gratuite", "start_check", "faq/deroulement"),
                            fallback("faq/gratuite"))
    dialogue = Dialogue(parser, nlu.FaqContent())
    state = State()
    greeting, first, second = talk(dialogue, state, "/start", "euh", "bof")
    titles = [b.title for b in first[0].buttons]
    assert titles == ["Mon employeur sera-t-il informé ?", "Le service est-il gratuit ?",
                      "Vérifier si je peux être aidé(e)", "Aucune de ces questions"]
    assert not any("/" in t or "_" in t for t in titles)
    assert "reformuler" in second[0].text and "09 70 800 800" in second[0].text


def test_state_survives_a_json_round_trip_mid_check():
    parser = ScriptedParser()
    dialogue = Dialogue(parser, nlu.FaqContent(), today=lambda: dt.date(2026, 1, 1))
    state = State()
    talk(dialogue, state, "/start", "/start_check", '/answer{"fact":"difficulties","value":"separation"}')
    restored = State.from_json(state.to_json())
    assert restored == state and restored.mode == CHECK and restored.question == "situation"


def test_a_stale_or_forged_button_is_refused_without_losing_anything():
    dialogue = Dialogue(ScriptedParser(), nlu.FaqContent())
    state = State()
    talk(dialogue, state, "/start", "/start_check")
    replies = talk(dialogue, state, '/answer{"fact":"company_size","value":"-4"}', '/answer{"fact":"nope","value":"1"}', "/answer{broken")
    assert "plus valable" in replies[0][0].text
    assert "plus valable" in replies[1][0].text
    assert state.facts == {} and state.question == "difficulties"
