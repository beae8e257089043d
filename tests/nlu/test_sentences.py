"""Long messages are read whole, and by sentence when the whole is unsure (no model needed)."""
from __future__ import annotations

import asyncio

import pytest

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


def ranked(*pairs):
    return tuple(Alternative(intent, confidence) for intent, confidence in pairs)


def test_a_topic_the_whole_leans_to_gives_way_to_the_one_its_sentences_mostly_say():
    # The whole message leans to the debt it tells; its sentences mostly say the eviction.
    whole = Parse("faq/surendettement", 0.45, (), ranked(("faq/surendettement", 0.45), ("faq/expulsion_saisie", 0.35)))
    parts = [
        ("il a un dossier de surendettement", Parse("faq/surendettement", 0.6, (), ranked(
            ("faq/surendettement", 0.6), ("faq/expulsion_saisie", 0.2)))),
        ("il est convoqué au tribunal pour son loyer", Parse("faq/expulsion_saisie", 0.8, (), ranked(
            ("faq/expulsion_saisie", 0.8), ("faq/surendettement", 0.1)))),
        ("le propriétaire veut résilier le bail", Parse("faq/expulsion_saisie", 0.7, (), ranked(
            ("faq/expulsion_saisie", 0.7), ("faq/surendettement", 0.1)))),
    ]
    combined = combine(whole, parts)
    # surendettement 0.45 + 0.8 / 3 = 0.72; expulsion 0.35 + 1.7 / 3 = 0.92; its best reading 0.8
    assert (combined.intent, combined.confidence) == ("faq/expulsion_saisie", 0.8)


def test_sentences_never_decline_a_message_nor_turn_a_question_into_a_statement():
    whole = Parse("faq/separation", 0.4, (), ranked(("faq/separation", 0.4), ("out_of_scope", 0.3), ("inform", 0.2)))
    aside = Parse("out_of_scope", 0.9, (), ranked(("out_of_scope", 0.9), ("inform", 0.9)))
    parts = [(f"phrase {n} assez longue", aside) for n in range(2)]
    assert combine(whole, parts).intent == "faq/separation"
    declined = Parse("out_of_scope", 0.6, (), ranked(("out_of_scope", 0.6), ("faq/separation", 0.3)))
    topic = Parse("faq/separation", 0.9, (), ranked(("faq/separation", 0.9)))
    assert combine(declined, [("une phrase longue ici", topic)] * 2).intent == "out_of_scope"


def test_a_one_sentence_message_is_parsed_once():
    calls = []

    async def parse_one(text):
        calls.append(text)
        return Parse("greet", 1.0, (), ())

    asyncio.run(read(parse_one, "bonjour, je voudrais savoir si le service est gratuit"))
    assert calls == ["bonjour, je voudrais savoir si le service est gratuit"]


@pytest.mark.parametrize("intent", ["faq/urgence_violences", "faq/urgence_sans_logement", "ask_human", "erase_data"])
def test_sentences_never_take_a_message_away_from_danger_nor_from_a_request(intent):
    whole = Parse(intent, 0.5, (), ranked((intent, 0.5), ("faq/expulsion_saisie", 0.3)))
    eviction = Parse("faq/expulsion_saisie", 0.9, (), ranked(("faq/expulsion_saisie", 0.9)))
    parts = [(f"une phrase {n} sur l'expulsion", eviction) for n in range(3)]
    assert combine(whole, parts).intent == intent
