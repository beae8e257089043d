"""The whole path end to end over HTTP: a person's handoff on the web chat, an adviser who logs
in, sees it, claims it, writes a note and messages the person, who receives it."""
from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest
import second_factor
from processes import ELIGIBLE_STORY
from sqlalchemy import create_engine, select, text

from handoff.advisers import add_adviser
from handoff.orm import audit_events
from handoff.service import Draft

WEBHOOK = "/webhooks/rest/webhook"
NAME, PHONE = "Zorglubette Marquise", "06 98 76 54 32"


def say(server, sender, message):
    response = httpx.post(server.url + WEBHOOK, json={"sender": sender, "message": message}, timeout=30)
    assert response.status_code == 200
    return [m["text"] for m in response.json()]


def handoff_on_the_web(server, sender="person-1") -> str:
    return re.search(r"ASD-[A-Z0-9]{6}", " ".join(confirmation_on_the_web(server, sender))).group()


def confirmation_on_the_web(server, sender="person-1") -> list[str]:
    """The texts confirming a request made over the web channel (its reference, its code)."""
    for message in [
        "/start",
        *ELIGIBLE_STORY,
        "/handoff",
        "/consent",
        NAME,
        PHONE,
        "/skip",
        '/hset{"field":"means","value":"phone"}',
        '/hset{"field":"slot","value":"any"}',
        '/hset{"field":"budget_offer","value":"no"}',
    ]:
        say(server, sender, message)
    return say(server, sender, "/confirm_handoff")


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def login(server, login_name, password):
    client = httpx.Client(base_url=server.url, follow_redirects=True, timeout=30)
    page = client.get("/console/login")
    response = client.post(
        "/console/login", data={"csrf": csrf_of(page.text), "login": login_name, "password": password}
    )
    return client, second_factor.complete(client, response)


@pytest.fixture
def advisers(settings, web_server):
    engine = create_engine(settings.database_url, future=True)
    add_adviser(engine, "marie", "correct-horse-battery", "adviser", ["Auvergne-Rhône-Alpes"])
    add_adviser(engine, "paul", "correct-horse-battery", "adviser", ["Bretagne"])
    return engine


def test_from_the_chat_to_the_console_and_back(web_server, advisers):
    reference = handoff_on_the_web(web_server)
    client, response = login(web_server, "marie", "correct-horse-battery")
    assert response.status_code == 200 and reference in response.text

    case_page = client.get(f"/console/cases/{reference}")
    assert NAME in case_page.text and PHONE in case_page.text
    csrf = csrf_of(case_page.text)
    assert client.post(f"/console/cases/{reference}/claim", data={"csrf": csrf}).status_code == 200
    page = client.post(
        f"/console/cases/{reference}/note", data={"csrf": csrf, "body": "<script>alert(1)</script> rappel demain"}
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt; rappel demain" in page.text and "<script>alert(1)" not in page.text
    client.post(
        f"/console/cases/{reference}/message", data={"csrf": csrf, "body": "Bonjour, je vous appelle demain à 10h."}
    )

    texts = say(web_server, "person-1", "merci")
    assert any("Message de votre conseiller : Bonjour, je vous appelle demain à 10h." in t for t in texts)
    assert not any("Message de votre conseiller" in t for t in say(web_server, "person-1", "bonjour"))  # once
    assert "prise en charge" in " ".join(say(web_server, "person-1", "/status"))

    with advisers.connect() as conn:
        events = [(r.actor, r.action, r.case_reference) for r in conn.execute(select(audit_events))]
        dump = " ".join(str(v) for r in conn.execute(text("SELECT * FROM audit_events")) for v in r)
    assert ("adviser:1", "case_claimed", reference) in events
    assert {"case_viewed", "note_added", "message_sent", "login"} <= {e[1] for e in events}
    assert NAME not in dump and "rappel demain" not in dump


def test_the_console_shows_the_pre_check_s_outcome_in_words(web_server, advisers):
    """A person refused by the automated pre-check may still ask to be called back."""
    services = web_server.server.config.app.state.deployment  # the app's composition root, in this process
    case = services.handoff.submit(
        Draft(
            facts={"situation": "salarie"},
            reasons=[],
            outcome="not_eligible",
            rules_version="2022-06-15",
            urgent=False,
            name=NAME,
            phone="+33698765432",
            email=None,
            postcode="69003",
            preferred_means="phone",
            slots=["any"],
            consent_at=dt.datetime(2026, 11, 25, 9, 0),
            sensitive_consent=None,
            channel="web",
            address="web:refused",
        )
    )
    client, response = login(web_server, "marie", "correct-horse-battery")
    assert case.reference in response.text
    row = re.search(rf"<tr><td><a href=\"/console/cases/{case.reference}\">.*?</tr>", response.text, re.S).group()
    assert "<th>Résultat</th>" in response.text and "Hors critères — à examiner" in row and "not_eligible" not in row
    page = client.get(f"/console/cases/{case.reference}")
    assert "Hors critères — à examiner" in page.text and "not_eligible" not in page.text


def test_another_region_s_case_cannot_be_opened(web_server, advisers):
    reference = handoff_on_the_web(web_server, "person-2")
    client, _ = login(web_server, "paul", "correct-horse-battery")
    assert reference not in client.get("/console/").text
    page = client.get(f"/console/cases/{reference}")
    assert page.status_code == 404 and NAME not in page.text
    csrf = csrf_of(client.get("/console/").text)
    assert client.post(f"/console/cases/{reference}/claim", data={"csrf": csrf}).status_code == 404


def test_forms_without_the_csrf_token_are_refused(web_server, advisers):
    reference = handoff_on_the_web(web_server, "person-3")
    client, _ = login(web_server, "marie", "correct-horse-battery")
    assert client.post(f"/console/cases/{reference}/claim", data={"csrf": "forged"}).status_code == 403
    anonymous = httpx.Client(base_url=web_server.url, timeout=30)
    assert anonymous.get(f"/console/cases/{reference}").status_code == 303


def test_repeated_failures_lock_the_account(web_server, advisers):
    for _ in range(5):
        _, response = login(web_server, "marie", "wrong-password!!")
        assert response.status_code == 401
    _, response = login(web_server, "marie", "correct-horse-battery")
    assert response.status_code == 401 and "verrouillé" in response.text


def test_a_supervisor_exports_and_erases_a_case_and_sees_statistics(web_server, advisers, settings):
    reference = handoff_on_the_web(web_server, "person-4")
    sophie = add_adviser(advisers, "sophie", "correct-horse-battery", "supervisor", [])
    second_factor.enrol(advisers, web_server.server.config.app.state.deployment.cipher, sophie.id)
    client, response = login(web_server, "sophie", "correct-horse-battery")
    assert reference in response.text
    assert "Auvergne-Rhône-Alpes" in client.get("/console/stats").text
    exported = client.get(f"/console/cases/{reference}/export.json").json()
    assert exported["contact"]["name"] == NAME and exported["reference"] == reference
    csrf = csrf_of(client.get(f"/console/cases/{reference}").text)
    client.post(f"/console/cases/{reference}/erase", data={"csrf": csrf})
    assert client.get(f"/console/cases/{reference}").status_code == 404
    adviser_client, _ = login(web_server, "marie", "correct-horse-battery")
    assert adviser_client.get(f"/console/cases/{reference}/export.json").status_code == 403


def test_no_contact_data_in_logs_or_in_the_database_file(web_server, advisers, settings, caplog, capfd):
    import logging

    caplog.set_level(logging.DEBUG)
    handoff_on_the_web(web_server, "person-5")
    out, err = capfd.readouterr()
    raw = (settings.var_dir / "assistant.db").read_bytes()
    for marker in (NAME, PHONE, "+33698765432", "Zorglubette"):
        assert marker not in caplog.text and marker not in out + err
        assert marker.encode() not in raw


def test_the_case_page_shows_the_safe_contact_answer_of_a_violence_case(web_server, advisers):
    services = web_server.server.config.app.state.deployment
    case = services.handoff.submit(Draft(
        facts={"difficulties": ["violences"]}, reasons=[], outcome="to_confirm", rules_version="2022-06-15",
        urgent=True, name=NAME, phone="+33698765432", email=None, postcode="69003", preferred_means="phone",
        slots=["2026-11-30|pm"], consent_at=dt.datetime(2026, 11, 25, 9, 0), sensitive_consent=True,
        channel="web", address="web:danger", safe_contact="no",
    ))
    client, _ = login(web_server, "marie", "correct-horse-battery")
    page = client.get(f"/console/cases/{case.reference}").text
    assert "URGENTE · VI — violences intrafamiliales" in page
    assert "Contact sans risque : NON — appeler uniquement au créneau choisi, ni SMS ni e-mail" in page
