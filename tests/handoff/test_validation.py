from __future__ import annotations

import pytest

from handoff import (
    InvalidContact,
    departement_of,
    format_phone,
    normalize_email,
    normalize_name,
    normalize_phone,
    normalize_postcode,
    normalize_reference,
    region_of,
)
from handoff.domain import new_reference


@pytest.mark.parametrize("typed, e164", [
    ("06 12 34 56 78", "+33612345678"),
    ("06.12.34.56.78", "+33612345678"),
    ("+33 6 12 34 56 78", "+33612345678"),
    ("0033612345678", "+33612345678"),
    ("+33 (0)6 12 34 56 78", "+33612345678"),
    ("01 45 67 89 10", "+33145678910"),
    ("0692 12 34 56", "+262692123456"),  # La Réunion mobile
    ("0590 12 34 56", "+590590123456"),  # Guadeloupe landline
    ("0696 12 34 56", "+596696123456"),  # Martinique mobile
    ("0694 12 34 56", "+594694123456"),  # Guyane mobile
    ("0639 12 34 56", "+262639123456"),  # Mayotte mobile
    ("+262 692 12 34 56", "+262692123456"),
])
def test_french_phone_numbers_drom_included_are_normalised(typed, e164):
    assert normalize_phone(typed) == e164


@pytest.mark.parametrize(
    "typed", ["", "12345", "06 12 34 56", "08 92 12 34 56", "06 12 34 56 78 90", "abc",
              "+44 20 7946 095", "+1 900 555 0123", "+999 123 456 789"]  # too short, premium rate, no such country
)
def test_bad_phone_numbers_are_refused_without_echo(typed):
    with pytest.raises(InvalidContact) as error:
        normalize_phone(typed)
    assert typed.strip() == "" or typed not in str(error.value)


def test_phone_display():
    assert format_phone("+262692123456") == "06 92 12 34 56"


@pytest.mark.parametrize("typed, e164, shown", [
    ("+44 20 7946 0958", "+442079460958", "+44 20 7946 0958"),  # London
    ("0041 79 123 45 67", "+41791234567", "+41 79 123 45 67"),  # a Swiss mobile, 00 for +
    ("+32 470 12 34 56", "+32470123456", "+32 470 12 34 56"),  # Belgium
])
def test_a_number_abroad_with_its_country_code_is_accepted_and_shown_in_international_form(typed, e164, shown):
    assert normalize_phone(typed) == e164
    assert format_phone(e164) == shown


def test_emails_names_postcodes():
    assert normalize_email(" Marie.Dupont@Exemple.FR ") == "Marie.Dupont@exemple.fr"
    for bad in ("marie", "marie@", "@x.fr", "a@b", "a b@c.fr"):
        with pytest.raises(InvalidContact):
            normalize_email(bad)
    assert normalize_name("  Marie   Dupont ") == "Marie Dupont"
    for bad in ("x", "1234", "<script>", "a" * 81):
        with pytest.raises(InvalidContact):
            normalize_name(bad)
    assert normalize_postcode("75 011") == "75011"
    for bad in ("7501", "00000", "98000", "abcde"):
        with pytest.raises(InvalidContact):
            normalize_postcode(bad)
    assert normalize_postcode("97150") == "97150"  # Saint-Martin: a COM, the person can be called back


@pytest.mark.parametrize(
    "postcode, departement, region",
    [
        ("75011", "75", "Île-de-France"),
        ("20000", "2A", "Corse"),
        ("20200", "2B", "Corse"),
        ("97400", "974", "La Réunion"),
        ("97600", "976", "Mayotte"),
        ("76000", "76", "Normandie"),
        ("59000", "59", "Hauts-de-France"),
        ("97100", "971", "Guadeloupe"),
        ("97133", "977", "Saint-Barthélemy"),
        ("97150", "978", "Saint-Martin"),
        ("97500", "975", "Saint-Pierre-et-Miquelon"),
        ("98600", "986", "Wallis-et-Futuna"),
        ("98714", "987", "Polynésie française"),
        ("98800", "988", "Nouvelle-Calédonie"),
        ("98000", None, None),  # Monaco
        ("97700", None, None),  # 977 and 978 are codes, not postcode ranges
        ("97800", None, None),
    ],
)
def test_postcode_to_departement_to_region(postcode, departement, region):
    assert departement_of(postcode) == departement
    assert region_of(postcode) == region


def test_overseas_collectivities_are_not_drom():
    from handoff.places import ALL_REGIONS, COLLECTIVITIES, REGIONS, is_overseas_collectivity

    for postcode in ("97133", "97150", "97500", "98600", "98714", "98800"):
        assert is_overseas_collectivity(postcode), postcode
    for postcode in ("97100", "97200", "97300", "97400", "97600", "75011", "98000", "97700", ""):
        assert not is_overseas_collectivity(postcode), postcode
    assert not set(REGIONS) & set(COLLECTIVITIES)
    assert tuple(REGIONS) + tuple(COLLECTIVITIES) == ALL_REGIONS


def test_every_departement_has_a_region():
    from handoff.places import REGION_OF, REGIONS

    metropolitan = {f"{n:02d}" for n in range(1, 96) if n != 20} | {"2A", "2B"}
    assert metropolitan | {"971", "972", "973", "974", "976"} == {dep for deps in REGIONS.values() for dep in deps}
    assert metropolitan | {"971", "972", "973", "974", "976"} | {"975", "977", "978", "986", "987", "988"} == set(
        REGION_OF
    )


def test_advisers_can_be_given_an_overseas_collectivity(engine):
    from handoff.advisers import AdviserError, add_adviser

    adviser = add_adviser(engine, "lina", "correct-horse-battery", "adviser", ["Saint-Martin", "Guadeloupe"])
    assert adviser.regions == ("Saint-Martin", "Guadeloupe")
    with pytest.raises(AdviserError):
        add_adviser(engine, "marc", "correct-horse-battery", "adviser", ["Monaco"])


def test_references_are_short_and_unambiguous():
    refs = {new_reference() for _ in range(2000)}
    assert len(refs) == 2000
    for ref in refs:
        assert ref.startswith("ASD-") and len(ref) == 10
        assert not set(ref[4:]) & set("01OIL")
    assert normalize_reference("asd 7k3f9q") == "ASD-7K3F9Q"
    assert normalize_reference("ASD-7K3F9O") is None


def test_the_console_shows_the_person_s_answers_in_the_words_of_their_summary():
    from handoff.words import facts_in_words

    words = dict(facts_in_words({"difficulties": ["impayes_loyer", "maladie"], "situation": "demandeur_emploi",
                                 "sector": "prive_non_agricole", "company_size": "unsure",
                                 "months_since_job_end": 4}))
    assert words == {
        "Difficulté": "Loyers impayés, Maladie",
        "Situation": "Demandeur d'emploi",
        "Secteur du dernier employeur": "Entreprise privée",
        "Taille du dernier employeur": "ne sait pas",
        "Fin du dernier emploi": "4 mois",
    }


@pytest.mark.parametrize("weak, why", [
    ("aaaaaaaaaaaa", "Repeats"),
    ("password1234", "very common password"),
    (" " * 12, "Repeats"),
    ("azertyuiop12", "commonly used"),  # a French keyboard's row
    ("lina-conseiller", "too easy"),  # the login and the service's words count against it
    ("court", "12 characters"),
])
def test_a_weak_adviser_password_is_refused_with_the_reason(engine, weak, why):
    from handoff.advisers import AdviserError, add_adviser

    with pytest.raises(AdviserError) as refused:
        add_adviser(engine, "lina", weak, "adviser", ["Bretagne"])
    assert why in str(refused.value) and (not weak.strip() or weak not in str(refused.value))  # never echoed
    assert add_adviser(engine, "lina", "violet-harbour-lamp-91", "adviser", ["Bretagne"]).login == "lina"
