"""Words of one meaning read as one by the featurizer (nlu/components.py, `synonyms` in
nlu/config.yml)."""
from __future__ import annotations

import re

import pytest
import yaml

from nlu import parse_sync, project


def synonyms_table() -> dict[str, list[str]]:
    config = yaml.safe_load(project.CONFIG_FILE.read_text(encoding="utf-8"))
    featurizer = next(c for c in config["pipeline"] if c["name"] == "nlu.components.TfidfFeaturizer")
    return featurizer["synonyms"]


def test_listed_words_and_phrases_become_their_canonical_word_and_nothing_else_changes():
    from nlu.components import Synonyms

    read = Synonyms({"argent": ["thunes", "fric"], "huissier": ["commissaire de justice"], "emploi": ["taf"]})
    assert read("g plus de thunes ni de fric") == "g plus de argent ni de argent"
    assert read("un commissaire de justice est venu") == "un huissier est venu"
    # whole words only: "taf" inside "tafia", "fric" inside "africain" stay as they are
    assert read("un africain boit du tafia") == "un africain boit du tafia"
    assert Synonyms({})("rien ne change") == "rien ne change"


@pytest.mark.unit
def test_the_table_is_folded_and_each_word_has_one_meaning():
    table = synonyms_table()
    variants = [v for words in table.values() for v in words]
    assert len(variants) == len(set(variants)), "a word listed under two meanings"
    for word in [*table, *variants]:
        assert word == project.normalize(word) and re.fullmatch(r"[a-z' ]+", word), word
    # words of two meanings stay out: money and "under", a firm and a toolbox, a landlord and an owner-occupier
    assert not {"sous", "boite", "owner", "remercie"} & set(variants)


def test_a_bad_table_is_refused_with_its_reason():
    from nlu.components import TfidfFeaturizer

    with pytest.raises(ValueError, match="synonyms must map a word to a list of words"):
        TfidfFeaturizer.validate_config({"word_ngrams": [1, 1], "char_ngrams": [2, 5], "synonyms": {"argent": "fric"}})


def test_a_word_the_training_data_never_says_is_understood_as_its_synonym(parser):
    # "flouze" and "pognon" appear nowhere in nlu/data: the question is understood through "argent"
    said = " ".join(p.read_text(encoding="utf-8") for p in project.data_files())
    assert "flouze" not in said and "pognon" not in said
    canonical = parse_sync(parser, "vous pouvez me preter de l'argent pour payer mon loyer ?", "fr")
    for slang in ("flouze", "pognon"):
        result = parse_sync(parser, f"vous pouvez me preter du {slang} pour payer mon loyer ?", "fr")
        assert result.intent == canonical.intent == "faq/aides_financieres"


@pytest.mark.parametrize("text, locale", [
    ("Bonjour, ma locataire a six mois de retard de loyer et ne répond plus, comment engager une expulsion ?", "fr"),
    ("Hello, I rent to a student who has not paid for five months, how do I get an eviction order?", "en"),
])
def test_a_landlord_speaking_of_the_tenant_is_declined_not_answered_as_the_tenant(parser, text, locale):
    # "ma locataire", "I rent to": read as one word that only a landlord says; unpaid rent and
    # eviction are the tenant's topics when the tenant asks
    assert parse_sync(parser, text, locale).intent == "out_of_scope"
