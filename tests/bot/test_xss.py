"""HTML and script in what people and advisers write is shown as text, never run: in the web chat
(the person's own words, an adviser's message, the conversation restored after a reload) and in
the adviser console (contact details, answers, notes, messages), in a real Chromium."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import uuid
from pathlib import Path

import httpx
import pytest
import second_factor
from processes import ELIGIBLE_STORY
from sqlalchemy import create_engine

from handoff.advisers import add_adviser
from handoff.repository import CaseDesk
from handoff.service import Draft

CHROMIUM = "/usr/bin/chromium"
WEBHOOK = "/webhooks/rest/webhook"
PAYLOADS = [
    '<img src=x onerror="window.__xss=1">',
    "<script>window.__xss=1</script>",
    '<svg onload="window.__xss=1"></svg>',
    '"><img src=x onerror=window.__xss=1>',
    '<a href="javascript:window.__xss=1" id="xss-link">clic</a>',
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
]
INJECTED = "img[src=x], svg, iframe, #xss-link, .msg script, main script, .box script"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists() and not shutil.which("chromium"),
                                reason="Debian's chromium is not installed (.ci/run installs it)")


def assert_nothing_ran(page) -> None:
    assert page.evaluate("window.__xss") is None
    assert page.locator(INJECTED).count() == 0


def web_server_services(server):
    return server.server.config.app.state.deployment  # the app's composition root, in this process


def say(server, sender: str, message: str) -> list[str]:
    response = httpx.post(server.url + WEBHOOK, json={"sender": sender, "message": message}, timeout=30)
    assert response.status_code == 200
    return [m["text"] for m in response.json()]


def test_what_the_person_types_is_shown_as_text_also_after_a_reload(web_server, browser):
    page = browser.new_context(locale="fr-FR").new_page()
    page.goto(web_server.url + "/")
    page.wait_for_selector("text=gratuit et confidentiel")
    for n, payload in enumerate(PAYLOADS, start=1):
        page.fill("#message", payload)
        page.keyboard.press("Enter")
        page.locator(".msg.user").nth(n - 1).wait_for()  # (no wait_for_function: the page's CSP forbids eval)
    page.locator(".msg.bot").nth(len(PAYLOADS)).wait_for()
    for shown in (page.locator(".msg.user").all_inner_texts(), None):
        if shown is None:  # the conversation restored from sessionStorage goes through the same rendering
            page.reload()
            page.wait_for_selector(".msg.user")
            shown = page.locator(".msg.user").all_inner_texts()
        assert [re.sub(r"^\S+ :\s*", "", text) for text in shown] == PAYLOADS
        assert_nothing_ran(page)


def test_an_adviser_s_message_with_html_reaches_the_chat_as_text(web_server, browser, settings):
    sender = str(uuid.uuid4())
    for message in [
        "/start",
        *ELIGIBLE_STORY,
        "/handoff",
        "/consent",
        "Camille Martin",
        "06 12 34 56 78",
        "/skip",
        '/hset{"field":"means","value":"phone"}',
        '/hset{"field":"slot","value":"any"}',
        '/hset{"field":"budget_offer","value":"no"}',
    ]:
        say(web_server, sender, message)
    reference = re.search(r"ASD-[A-Z0-9]{6}", " ".join(say(web_server, sender, "/confirm_handoff"))).group()
    adviser = add_adviser(
        create_engine(settings.database_url, future=True),
        "marie",
        "correct-horse-battery",
        "adviser",
        ["Auvergne-Rhône-Alpes"],
    )
    message = " ".join(PAYLOADS) + " https://example.org/ok"
    CaseDesk(web_server_services(web_server).cases).send_message(reference, adviser.id, message)

    context = browser.new_context(locale="fr-FR")
    context.add_init_script(f"sessionStorage.setItem('assistant.sender', '{sender}')")  # the person's tab
    page = context.new_page()
    page.goto(web_server.url + "/")
    page.wait_for_selector("text=Que souhaitez-vous faire")
    page.fill("#message", "merci")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Message de votre conseiller")
    shown = next(t for t in page.locator(".msg.bot").all_inner_texts() if "Message de votre conseiller" in t)
    assert message in shown
    assert page.locator(".msg.bot a[href='https://example.org/ok']").count() == 1  # real links still are links
    assert_nothing_ran(page)


def test_the_console_shows_html_in_contact_details_answers_notes_and_messages_as_text(web_server, browser, settings):
    services = web_server_services(web_server)
    name, email, slot, answer, note, reply = PAYLOADS[:3] + PAYLOADS[3:6]
    # The chat's validation would refuse most of these; the console must not rely on it.
    case = services.handoff.submit(
        Draft(
            facts={"situation": answer},
            reasons=[{"criterion": "x", "status": "met", "text": answer, "source": answer}],
            outcome="eligible",
            rules_version="2022-06-15",
            urgent=True,
            name=name,
            phone="+33612345678",
            email=email,
            postcode="75011",
            preferred_means="phone",
            slots=[slot],
            consent_at=dt.datetime(2026, 11, 25, 9, 0),
            sensitive_consent=None,
            channel="web",
            address="web:xss",
        )
    )
    sophie = add_adviser(create_engine(settings.database_url, future=True), "sophie", "correct-horse-battery",
                         "supervisor", [])
    second_factor.enrol(create_engine(settings.database_url, future=True),
                        web_server.server.config.app.state.deployment.cipher, sophie.id)

    # bypass_csp: the console's Content-Security-Policy would block inline scripts anyway; escaping
    # is what is tested here, so the policy is taken out of the way.
    page = browser.new_context(locale="fr-FR", bypass_csp=True).new_page()
    page.goto(web_server.url + "/console/login")
    page.fill("input[name=login]", "sophie")
    page.fill("input[name=password]", "correct-horse-battery")
    page.get_by_role("button").click()
    page.fill("input[name=code]", second_factor.code())  # supervisors: the second factor
    page.get_by_role("button", name="Valider").click()
    page.wait_for_selector(f"text={case.reference}")
    page.goto(f"{web_server.url}/console/cases/{case.reference}")
    page.get_by_role("button", name="Prendre en charge").click()
    page.fill("#note", note)
    page.get_by_role("button", name="Enregistrer la note").click()
    page.wait_for_selector("text=Aucune note", state="detached")
    page.fill("#message", reply)
    page.get_by_role("button", name="Envoyer").click()
    page.wait_for_load_state()

    body = page.inner_text("main") if page.locator("main").count() else page.inner_text("body")
    for payload in (name, email, answer, note, reply):
        assert payload in body, payload
    # A slot the chat could not have sent is not shown raw at all: the console says to confirm it.
    assert slot not in body and "créneau à confirmer avec la personne" in body
    assert_nothing_ran(page)
