"""When a job ended, as people say it (nlu/job_end.py), and what it makes of the story's facts
(nlu/extract.py): a job seeker, a job loss among the difficulties, the months since."""
from __future__ import annotations

import pytest

from nlu.extract import entities
from nlu.job_end import JobEnd, job_end
from nlu.project import normalize


def read(text: str) -> JobEnd | None:
    return job_end(normalize(text))


@pytest.mark.parametrize(("text", "months"), [
    ("J'ai été licenciée il y a trois mois", 3),
    ("Licencié économique il y a un an et demi, je cherche toujours", 18),
    ("au chomage depuis 8 mois", 8),
    ("ça fait six semaines que ma mission d'intérim s'est terminée", 1.4),
    ("chomeur depuis 1 an et 3 mois apres un licenciement", 15),
    ("ya 2 mois g perdu mon taf", 2),
    ("au chomage depuis 10 j", 0.3),
    ("Je me suis fait virer la semaine dernière", 0.2),
    ("mon contrat n'a pas été renouvelé le mois dernier", 1),
    ("Depuis presque un an je suis sans emploi", 12),
    ("ma boîte a fait faillite il y a 5 mois", 5),
    ("J'ai été licencié. Ça fait trois mois que je cherche.", 3),
    ("I was laid off two months ago", 2),
    ("got made redundant 2 yrs ago", 24),
    ("out of work since three months", 3),
    ("I am jobless since almost half a year", 6),
    ("It's been about ten days since my employer let me go", 0.3),
    ("My fixed-term contract ended last month and I haven't found a new job yet", 1),
])
def test_how_long_ago_the_job_ended_in_any_unit_and_wording(text, months):
    ended = read(text)
    assert ended is not None and ended.months == pytest.approx(months, abs=0.05), text


@pytest.mark.parametrize("text", [
    "je travaillais depuis 10 ans dans cette boîte et j'ai été licencié il y a 2 mois",
    "j'ai 2 mois de loyer de retard, j'ai été licencié il y a 2 mois, un CDD de 6 mois",
    "15 ans de boîte et viré il y a 2 mois",
])
def test_a_length_of_service_or_of_arrears_is_not_the_time_since(text):
    assert read(text) == JobEnd(lost=True, months=2)


@pytest.mark.parametrize("text", [
    "mon mari a perdu son emploi il y a 3 mois",
    "ma fille est au chômage depuis un an",
    "my husband was laid off two months ago",
    "mon CDD se termine dans 2 mois",
    "je suis en chômage partiel depuis 2 mois",
    "J'ai été licencié il y a un an mais j'ai retrouvé un travail en CDI",
    "Je vous remercie par avance de votre réponse",
])
def test_not_the_persons_own_job_that_ended(text):
    assert read(text) is None, text


def test_the_person_s_own_job_even_when_a_partner_is_named_first():
    assert read("ma femme est partie et j'ai été licencié il y a 3 mois") == JobEnd(lost=True, months=3)


def test_a_resignation_is_a_job_that_ended_not_a_job_lost():
    assert read("J'ai démissionné il y a un mois") == JobEnd(lost=False, months=1)
    assert read("I resigned a couple of weeks ago") == JobEnd(lost=False, months=0.5)
    facts = entities("J'ai démissionné il y a un mois et j'ai du retard de loyer")
    assert ("situation", "demandeur_emploi", "demandeur_emploi") in facts
    assert not any(value == "perte_emploi" for _, value, _ in facts)


def test_a_date_is_not_guessed_the_check_asks_for_the_months():
    ended = read("Licenciée en novembre, je suis inscrite à France Travail")
    assert ended == JobEnd(lost=True, months=None)


def test_a_temp_whose_mission_ended_is_a_job_seeker_with_a_job_loss():
    facts = {(name, str(value)) for name, value, _ in entities(
        "Ma mission d'intérim dans une usine s'est terminée il y a 3 semaines, j'ai du retard de loyer")}
    assert ("situation", "demandeur_emploi") in facts and ("situation", "salarie") not in facts
    assert ("difficulty", "perte_emploi") in facts
    assert ("months_since_job_end", "0.7") in facts
