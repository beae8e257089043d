"""An adviser's day in the console, in Chromium: finds a case by its reference and another by its
postcode, reads human values and Paris times, logs contact attempts (the one that reaches the
person marks the case contacted), closes a case with a reason and hands the other to a
colleague."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import create_engine

from handoff.advisers import add_adviser
from handoff.service import Draft


def draft(postcode: str, address: str, **changes) -> Draft:
    values = dict(
        facts={"situation": "salarie", "sector": "prive_non_agricole", "company_size": 40, "contract": "cdi",
               "difficulties": ["impayes_loyer"]},
        reasons=[{"criterion": "situation", "status": "met", "text": "Vous êtes salarié·e.", "source": "seeds/002"}],
        outcome="eligible", rules_version="2022-06-15", urgent=False, name="Philomène Quenouillard",
        phone="+33698761234", email=None, postcode=postcode, preferred_means="phone", slots=["2026-12-01|am"],
        consent_at=dt.datetime(2026, 11, 25, 9, 0), sensitive_consent=None, channel="web", address=address,
        budget={"income": 1600.0, "housing": 700.0, "aids": 0.0, "debt_ratio_percent": 43.75,
                "remaining_income": 900.0})
    values.update(changes)
    return Draft(**values)


def test_an_adviser_finds_works_closes_and_hands_over_cases(web_server, browser, settings):
    services = web_server.server.config.app.state.deployment
    engine = create_engine(settings.database_url, future=True)
    add_adviser(engine, "marie", "correct-horse-battery", "adviser", ["Île-de-France"])
    add_adviser(engine, "paul", "correct-horse-battery", "adviser", ["Île-de-France"])
    first = services.handoff.submit(draft("75011", "web:first"))
    second = services.handoff.submit(draft("93200", "web:second"))

    page = browser.new_context(locale="fr-FR").new_page()
    page.goto(web_server.url + "/console/login")
    page.fill("input[name=login]", "marie")
    page.fill("input[name=password]", "correct-horse-battery")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_selector("text=File des demandes")

    # Found by its reference, typed as people do.
    page.fill("#q", first.reference.lower().replace("-", " "))
    page.get_by_role("button", name="Chercher").click()
    rows = page.locator("tbody tr")
    assert rows.count() == 1 and first.reference in rows.first.inner_text()
    page.get_by_role("link", name=first.reference).click()
    text = page.inner_text("main")
    assert "Entreprise privée" in text and "1 600,00 €" in text.replace("\u202f", " ").replace("\xa0", " ")
    assert "heure de Paris" in text and "mardi 1 décembre, matin" in text
    assert "prive_non_agricole" not in text and "2026-12-01" not in text

    page.get_by_role("button", name="Prendre en charge").click()
    page.get_by_label("Pas de réponse").check()
    page.fill("#next_step", "Rappeler jeudi matin")
    page.get_by_role("button", name="Enregistrer la tentative").click()
    page.wait_for_selector("text=Suite prévue : Rappeler jeudi matin")
    page.get_by_label("Appel abouti").check()
    page.get_by_role("button", name="Enregistrer la tentative").click()
    page.wait_for_selector("h1:has-text('Contactée')")
    page.select_option("#reason", label="Accompagnement engagé")
    page.get_by_role("button", name="Clore le dossier").click()
    page.wait_for_selector("text=Close : Accompagnement engagé")

    # Found by its postcode, then handed to a colleague.
    page.goto(web_server.url + "/console/")
    page.fill("#q", "93200")
    page.get_by_role("button", name="Chercher").click()
    assert page.locator("tbody tr").count() == 1
    page.get_by_role("link", name=second.reference).click()
    page.select_option("#to", "paul")
    page.get_by_role("button", name="Réattribuer").click()
    page.wait_for_selector("text=Pris en charge par un autre conseiller")
    assert services.cases.get(second.reference).claimed_by is not None

    # A search that is nothing the console knows says what it takes.
    page.goto(web_server.url + "/console/?q=bonjour")
    assert "une référence (ASD-…), un code postal, un numéro de département ou une date" in page.inner_text("main")
