"""Long messages are read whole, and by sentence when the whole is unsure (no model needed)."""
from __future__ import annotations

import asyncio

from nlu import Alternative, Entity, Parse
from nlu.sentences import combine, read, sentences


def test_a_letter_is_cut_into_sentences_and_short_pieces_join_the_next():
    text = "Madame, Monsieur,\nje vous écris car mon loyer est impayé. Merci. Que dois-je faire ?"
    assert sentences(text) == [
        "Madame, Monsieur, je vous écris car mon loyer est impayé.",
        "Merci. Que dois-je faire ?",
    ]


def test_a_sure_reading_of_the_whole_stands():
    whole = Parse("faq/gratuite", 0.8, (), (Alternative("faq/gratuite", 0.8),))
    part = Parse("faq/surendettement", 0.9, (Entity("difficulty", "surendettement", "x", "rules"),), ())
    combined = combine(whole, [("a b c", part)])
    assert combined.intent == "faq/gratuite"
    assert [e.value for e in combined.entities] == ["surendettement"]  # every part's facts are kept


def test_an_unsure_whole_gives_way_to_its_most_confident_sentence_never_to_a_greeting():
    whole = Parse("nlu_fallback", 0.3, (), ())
    parts = [
        ("Bonjour à vous tous", Parse("greet", 0.99, (), ())),
        ("mon mari est décédé et je ne peux plus payer", Parse("faq/deces_perte_emploi", 0.7, (), ())),
        ("que dois-je faire ?", Parse("help", 0.4, (), ())),
    ]
    assert combine(whole, parts).intent == "faq/deces_perte_emploi"


def test_a_one_sentence_message_is_parsed_once():
    calls = []

    async def parse_one(text):
        calls.append(text)
        return Parse("greet", 1.0, (), ())

    asyncio.run(read(parse_one, "bonjour, je voudrais savoir si le service est gratuit"))
    assert calls == ["bonjour, je voudrais savoir si le service est gratuit"]
