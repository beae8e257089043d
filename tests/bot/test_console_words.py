"""The console speaks in words: the queue and the case page, rendered for a case of every
outcome with every kind of answer, slot, way of contact, consent, criterion, channel, language and
flag, show no snake_case code, no Python list, no raw slot value, no ISO date, no money as a
float; money and dates in French, times in Paris with the zone said, the person's own time for a
case overseas."""
from __future__ import annotations

import datetime as dt
import html
import re

import httpx
import pytest
import second_factor
from sqlalchemy import create_engine

from bot.web import create_app
from handoff.advisers import add_adviser
from handoff.domain import OUTCOME_LABELS
from handoff.service import Draft
from handoff.words import CHANNELS, CONSENTS, MEANS, slot
from rules_adapter.asking import questions

OUTCOMES = ("eligible", "to_confirm", "not_eligible", "redirect")
REASONS = [
    {"criterion": "situation", "status": "met", "text": "Vous êtes salarié·e.",
     "source": "seeds/001, Qui peut en bénéficier"},
    {"criterion": "employer", "status": "to_confirm", "text": "La taille de l'entreprise est à confirmer.",
     "source": ""},
    {"criterion": "contract", "status": "not_met", "text": "Le contrat ne remplit pas la condition.",
     "source": "seeds/002"},
    {"criterion": "difficulty", "status": "unknown", "text": "La difficulté reste à préciser.",
     "source": "seeds/002"},
]


def facts_for(n: int) -> dict:
    """Case n's answers: the n-th choice of every question (all the difficulties in the first)."""
    facts = {}
    for fact, spec in questions().items():
        choices = list(spec.get("choices") or {})
        if fact == "difficulties":
            facts[fact] = choices if n == 0 else [choices[n % len(choices)], "unsure"]
        elif choices:
            facts[fact] = choices[n % len(choices)]
    facts.update({"company_size": 12 + n, "contract_months": 7.5, "months_since_job_end": 3})
    return facts


def visible_text(page: str) -> str:
    """What a person reads: tags, attributes and scripts left out, entities decoded."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    # Babel's French spaces (narrow and non-breaking) read as spaces here.
    return html.unescape(re.sub(r"<[^>]+>", " ", page)).replace("\u202f", " ").replace("\xa0", " ")


@pytest.fixture
def pages(settings, parser, running_server):
    app = create_app(settings, parser)
    services = app.state.deployment
    with running_server(app) as server:
        references = []
        for n, outcome in enumerate(OUTCOMES):
            case = services.handoff.submit(Draft(
                facts=facts_for(n), reasons=REASONS, outcome=outcome, rules_version="2022-06-15", urgent=n < 2,
                name="Philomène Quenouillard", phone="+590690123456" if n == 1 else "+33698761234",
                email="philomene.quenouillard@exemple.fr", postcode="97110" if n == 1 else "75011",
                preferred_means=list(MEANS)[n % 3], slots=["any", "2026-12-01|am", "2026-12-02|pm"],
                consent_at=dt.datetime(2026, 11, 25, 9, 0), sensitive_consent=True,
                channel=list(CHANNELS)[n % 2], address=f"web:words-{n}", locale=("fr", "en")[n % 2],
                budget={"income": 1600.0, "housing": 725.5, "aids": 120.0, "debt_ratio_percent": 45.34,
                        "remaining_income": 994.5} if n % 2 == 0 else None,
                safe_contact=("yes", "times", "no", None)[n]))
            references.append(case.reference)
        engine = create_engine(settings.database_url, future=True)
        supervisor = add_adviser(engine, "sophie", "correct-horse-battery", "supervisor", [])
        second_factor.enrol(engine, services.cipher, supervisor.id)
        client = httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)
        form = client.get("/console/login")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
        second_factor.complete(client, client.post("/console/login", data={
            "csrf": token, "login": "sophie", "password": "correct-horse-battery"}))
        queue = client.get("/console/?status=all").text
        cases = {ref: client.get(f"/console/cases/{ref}").text for ref in references}
        others = {path: client.get(path).text
                  for path in ("/console/stats", "/console/advisers", "/console/outbox", "/console/dashboard")}
        yield queue, cases, references, others


def codes_left(text: str) -> list[str]:
    found = re.findall(r"\b[a-z]+(?:_[a-z0-9]+)+\b", text)  # prive_non_agricole, to_confirm, impayes_loyer
    found += re.findall(r"\[[^\]]*\]", text)  # ['impayes_loyer'], [met]
    found += re.findall(r"\d{4}-\d{2}-\d{2}(?:\|(?:am|pm))?|\|(?:am|pm)\b", text)  # 2026-12-01|am, ISO dates
    found += re.findall(r"\d+\.\d+\s*€|\d+\.\d+\s*%", text)  # 1600.0 €
    found += re.findall(r"\b(?:eligible|unsure|salarie|phone|email|sms|telegram|not_met|met|supervisor|adviser)\b",
                        text)
    return found


def test_the_queue_and_every_case_page_show_words_not_codes(pages):
    queue, cases, references, others = pages
    assert codes_left(visible_text(queue)) == []
    for path, page in others.items():  # the supervisors' pages too
        assert codes_left(visible_text(page)) == [], path
    for reference, page in cases.items():
        text = visible_text(page)
        assert codes_left(text) == [], reference
        assert "heure de Paris" in text


def test_values_are_said_as_the_chat_says_them_with_french_money_and_paris_times(pages):
    queue, cases, references, _ = pages
    first, overseas = visible_text(cases[references[0]]), visible_text(cases[references[1]])
    assert "Entreprise privée" in first
    assert "1 600,00 €" in first and "45,3 %" in first and "725,50 €" in first
    assert "mardi 1 décembre, matin" in first and "mercredi 2 décembre, après-midi" in first
    assert "à tout moment" in first
    assert "25/11/2026 10:00" in first  # 09:00 UTC is 10:00 in Paris in November
    assert "ALR — à la rue" in first and "VI — violences intrafamiliales" in first
    assert "Rempli" in first and "À confirmer par un conseiller" in first and "Non rempli" in first
    assert "ne sait pas" in visible_text(cases[references[1]])
    assert "heure actuelle chez la personne" in overseas and "(Guadeloupe)" in overseas  # a case overseas
    assert "anglais" in overseas and "Telegram" in overseas
    for label in OUTCOME_LABELS.values():
        assert label in visible_text(queue)
    assert CONSENTS["sensitive"] in first
    assert 'href="mailto:?subject=Accompagnement%20social%20des%20salari%C3%A9s%20%2F%20ALR%20%2F%20VI' in \
        cases[references[0]]  # the partner e-mail of seed 001, one click away


def test_a_slot_the_console_cannot_read_is_said_to_be_confirmed_not_shown_raw():
    assert slot("2026-13-45|am") == "créneau à confirmer avec la personne"
    assert slot("2026-11-26 matin") == "jeudi 26 novembre, matin"  # cases made by an earlier version
