"""Free-text answers to the check's questions, as people type them (no model: the NLU's part is
exercised by the conversation tests)."""
from __future__ import annotations

import datetime as dt

import pytest

import nlu
import rules_adapter
from bot import answers
from bot.dialogue.emergency import ROUGH, VIOLENCE, kinds_of
from bot.dialogue.steps import parse_amount
from nlu import extract

TODAY = dt.date(2026, 1, 1)


def ask(fact: str, text: str, **known) -> dict:
    return answers.answer(rules_adapter.question_for(fact, known, on=TODAY), text, None)


@pytest.mark.parametrize("text, size", [
    ("on était une trentaine", 30), ("une vingtaine", 20), ("une centaine de personnes", 100),
    ("deux cents salariés", 200), ("on est 200 dans la boîte", 200), ("40", 40), ("moins de 10", 9),
    ("about 300", 300), ("a hundred people", 100), ("quatre-vingts", 80), ("vingt-cinq", 25),
    ("une grosse boîte", answers.BIG_COMPANY), ("c'est une grosse agence, Adecco", answers.BIG_COMPANY),
    ("une PME", "unsure"), ("une petite entreprise", "unsure"), ("je ne sais pas", "unsure"),
])
def test_company_sizes_as_people_say_them_never_one_by_mistake(text, size):
    assert ask("company_size", text, situation="salarie", sector="prive_non_agricole") == {"company_size": size}


@pytest.mark.parametrize("text, months", [
    ("une dizaine de mois", 10), ("un an et demi", 18), ("2 ans et demi", 30), ("six semaines", 1.4),
    ("des missions de deux semaines", 0.5), ("un an", 12), ("18 mois", 18),
])
def test_lengths_in_any_unit(text, months):
    assert ask("contract_months", text, situation="salarie", contract="cdd") == {"contract_months": months}


def test_a_job_seeker_s_months_are_not_taken_for_a_contract_length_too():
    parse = nlu.Parse("inform", 0.9, (nlu.Entity("contract_months", "5 mois", "5 mois", "test"),), ())
    question = rules_adapter.question_for("months_since_job_end", {"situation": "demandeur_emploi"}, on=TODAY)
    assert answers.answer(question, "ça fait 5 mois", parse) == {"months_since_job_end": 5}


@pytest.mark.parametrize("text", [
    "je suis retraitée mais je travaille encore à mi-temps dans un supermarché",
    "retraité en cumul emploi-retraite", "auto-entrepreneur et aussi salarié à mi-temps",
])
def test_a_status_that_fits_two_boxes_is_not_refused(text):
    assert ask("situation", text) == {"situation": "autre"}


@pytest.mark.parametrize("text, sector", [
    ("private", "prive_non_agricole"), ("à la mairie", "public"), ("dans une exploitation viticole", "agricole"),
    ("une entreprise privée", "prive_non_agricole"), ("je ne sais pas", "unsure"),
])
def test_sectors_in_words(text, sector):
    assert ask("sector", text, situation="salarie") == {"sector": sector}


def test_i_do_not_know_my_contract_is_for_an_adviser():
    assert ask("contract", "je ne sais pas", situation="salarie") == {"contract": "autre"}


@pytest.mark.parametrize("text, location", [("j'habite en Corse", "metropole"), ("je vis à Saint-Martin", "etranger"),
                                            ("St Barth", "etranger"), ("Mayotte", "drom")])
def test_places_in_words(text, location):
    assert ask("housing_location", text) == {"housing_location": location}


def test_several_difficulties_in_one_sentence_are_all_kept():
    facts = answers.facts_from_entities(nlu.Parse("inform", 0.9, (), ()),
                                        "je ne paie plus mon loyer depuis que j'ai perdu mon travail")
    assert set(facts["difficulties"]) >= {"impayes_loyer", "perte_emploi"}
    assert answers.facts_from_entities(nlu.Parse("inform", 0.9, (), ()), "ma maison a été inondée")["difficulties"] == [
        "sinistre"
    ]


@pytest.mark.parametrize(
    "text, amount",
    [
        ("1 450", 1450),
        ("1450,50", 1450.5),
        ("1.450", 1450),
        ("1,400", 1400),
        ("about 1,400 euros", 1400),
        ("€1,400.50", 1400.5),
        ("1.400,50", 1400.5),
        ("12,5", 12.5),
        ("0", 0),
    ],
)
def test_amounts_as_typed(text, amount):
    assert parse_amount(text) == amount


@pytest.mark.parametrize(
    "text",
    [
        "mon conjoint est violent",
        "mon conjoint est violent avec moi",
        "il me tape",
        "il m'a tapé encore hier soir",
        "ma sœur se fait frapper par son mari",
        "un homme qui la frappe depuis des mois",
        "son ex la harcèle",
        "mon mari me tape jpeu pa rester ici",
        "my sister's husband beats her",
    ],
)
def test_violence_in_people_s_words_reaches_the_safety_net(text):
    assert VIOLENCE.search(nlu.normalize(text)) and kinds_of(None, text) == ["violences"]


@pytest.mark.parametrize(
    "text, dangers, difficulties",
    [
        ("Je vous écris à la suite des inondations qui ont frappé notre commune du Var.", [], ["sinistre"]),
        ("Notre maison a été frappée de plein fouet par la tempête.", [], ["sinistre"]),
        ("Nous avons été frappés par la crise et le loyer est en retard.", [], ["impayes_loyer"]),
        ("La crise qui nous a frappés a vidé nos comptes.", [], []),
        ("Our house was hit by the storm last week.", [], ["sinistre"]),
        # a person who hits is still read, beside an event
        ("Après l'inondation qui a frappé la maison, mon mari m'a frappée.", ["violences"], ["violences", "sinistre"]),
        ("Ma sœur a été frappée par son mari.", ["violences"], ["violences"]),
        ("She was hit by her husband after the flood.", ["violences"], ["violences", "sinistre"]),
        # the net says too much rather than too little: an event near anyone who could hit
        ("J'ai été frappée par la crise puis par mon mari.", ["violences"], ["violences"]),
        ("Mon mari au chômage frappe les enfants.", ["violences"], ["violences", "perte_emploi"]),
        ("Mon beau-père depuis le covid frappe ma mère tous les soirs", ["violences"], ["violences"]),
        ("mon pere a fait une crise a frappe ma mere", ["violences"], ["violences"]),
        ("Ma mère a été frappée par une grêle de coups.", ["violences"], ["violences"]),
        ("Je suis frappée par une crise de violence de mon compagnon", ["violences"], ["violences"]),
        ("My husband after the fire hit me", ["violences"], ["violences", "sinistre"]),
        ("depuis le covid il me frappe", ["violences"], ["violences"]),
    ],
)
def test_an_event_that_strikes_is_no_violence_a_person_who_hits_still_is(text, dangers, difficulties):
    assert kinds_of(None, text) == dangers
    assert sorted(extract.words("difficulty", text)) == sorted(difficulties)


@pytest.mark.parametrize("text", ["je suis sans domicile", "mon fils dort dans sa voiture", "on n'a plus de logement"])
def test_no_home_in_people_s_words_reaches_the_safety_net(text):
    assert ROUGH.search(nlu.normalize(text))


def facts(text: str) -> dict:
    return answers.facts_from_entities(nlu.Parse("inform", 0.9, (), ()), text)


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "je suis en CDI depuis 4 ans dans une boîte de transport d'une centaine de salariés à Lille",
            {"contract": "cdi", "company_size": 100, "housing_location": "metropole", "situation": "salarie"},
        ),
        (
            "J'ai été licencié il y a quatre mois, j'habite dans le 93",
            {"situation": "demandeur_emploi", "months_since_job_end": 4, "housing_location": "metropole"},
        ),
        ("je vis à Fort-de-France", {"housing_location": "drom"}),
        (
            "I work for a logistics company in Lyon with about 200 staff",
            {
                "company_size": 200,
                "housing_location": "metropole",
                "situation": "salarie",
                "sector": "prive_non_agricole",
            },
        ),
        ("un CDD de six semaines", {"contract": "cdd", "contract_months": 1.4}),
        ("mission d'un an en intérim", {"contract": "interim", "contract_months": 12}),
        ("je travaille à la mairie", {"sector": "public", "situation": "salarie"}),
        ("Adjoint technique titulaire dans une commune de la métropole toulousaine", {"sector": "public"}),
        ("je suis ATSEM à l'école maternelle", {"sector": "public"}),
        ("agente territoriale depuis dix ans", {"sector": "public"}),
        # "titulaire" of a lease or of a contract, or a grade in a firm, says nothing of a public employer
        ("je suis titulaire du bail et en CDI dans une usine", {"sector": "prive_non_agricole", "contract": "cdi"}),
        ("adjoint technique dans une entreprise de BTP", {"sector": "prive_non_agricole"}),
        ("adjointe administrative dans un cabinet comptable privé", {"sector": "prive_non_agricole"}),
        ("agente hospitalière dans une clinique privée", {"sector": "prive_non_agricole"}),
        ("dans une exploitation viticole de 60 personnes", {"sector": "agricole", "company_size": 60}),
        ("mon numéro est le 06 12 34 56 78", {}),
    ],
)
def test_facts_of_a_story_in_people_s_words(text, expected):
    found = facts(text)
    for fact, value in expected.items():
        assert found.get(fact) == value, (fact, found)
    if not expected:
        assert "postcode" not in found


def test_a_commune_shared_by_two_zones_is_not_guessed():
    assert "housing_location" not in facts("j'habite à Saint-Denis")
    assert facts("j'habite à Saint-Denis de La Réunion")["housing_location"] == "drom"
