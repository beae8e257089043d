from __future__ import annotations

import pytest

from handoff import (
    InvalidContact, departement_of, format_phone, normalize_email, normalize_name, normalize_phone,
    normalize_postcode, normalize_reference, region_of,
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


@pytest.mark.parametrize("typed", ["", "12345", "06 12 34 56", "08 92 12 34 56", "+44 20 7946 0958", "06 12 34 56 78 90", "abc"])
def test_bad_phone_numbers_are_refused_without_echo(typed):
    with pytest.raises(InvalidContact) as error:
        normalize_phone(typed)
    assert typed.strip() == "" or typed not in str(error.value)


def test_phone_display():
    assert format_phone("+262692123456") == "06 92 12 34 56"


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


@pytest.mark.parametrize("postcode, departement, region", [
    ("75011", "75", "Île-de-France"),
    ("20000", "2A", "Corse"),
    ("20200", "2B", "Corse"),
    ("97400", "974", "La Réunion"),
    ("97600", "976", "Mayotte"),
    ("76000", "76", "Normandie"),
    ("59000", "59", "Hauts-de-France"),
])
def test_postcode_to_departement_to_region(postcode, departement, region):
    assert departement_of(postcode) == departement
    assert region_of(postcode) == region


def test_every_departement_has_a_region():
    from handoff.places import REGION_OF

    metropolitan = {f"{n:02d}" for n in range(1, 96) if n != 20} | {"2A", "2B"}
    assert metropolitan | {"971", "972", "973", "974", "976"} == set(REGION_OF)


def test_references_are_short_and_unambiguous():
    refs = {new_reference() for _ in range(2000)}
    assert len(refs) == 2000
    for ref in refs:
        assert ref.startswith("ASD-") and len(ref) == 10
        assert not set(ref[4:]) & set("01OIL")
    assert normalize_reference("asd 7k3f9q") == "ASD-7K3F9Q"
    assert normalize_reference("ASD-7K3F9O") is None
