"""The person's side in a real Chromium: a request made in one conversation is followed from a
second browser context (another device) with its reference and follow-up code; an adviser's
message arrives on the open page without the person writing (Server-Sent Events); the person's
answer reaches the adviser's console, marked unread. On a phone's screen and a laptop's."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import httpx
import pytest
from test_console import advisers, confirmation_on_the_web, csrf_of, login  # noqa: F401 -- advisers is a fixture

CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not Path(CHROMIUM).exists() and not shutil.which("chromium"),
                       reason="Debian's chromium is not installed (.ci/run installs it)"),
]


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1280, "height": 800}],
                         ids=["phone", "laptop"])
def test_a_second_device_follows_the_request_sees_the_adviser_live_and_answers(
        browser, web_server, advisers, viewport):  # noqa: F811
    # The request, made in a first conversation (another device, over the web channel).
    confirmation = " ".join(confirmation_on_the_web(web_server, sender="first-device"))
    reference = re.search(r"ASD-[A-Z0-9]{6}", confirmation).group()
    code = re.search(r"Code de suivi : ([A-Z0-9]{5}-[A-Z0-9]{5})", confirmation).group(1)
    status = httpx.post(web_server.url + "/webhooks/rest/webhook",
                        json={"sender": "first-device", "message": "/status"}, timeout=30).json()
    assert all(code not in m["text"] for m in status)  # shown once, at the confirmation only

    # A second browser context: nothing shared with the first, as on another device.
    context = browser.new_context(locale="fr-FR", viewport=viewport)
    page = context.new_page()
    page.goto(web_server.url + "/suivi")
    page.wait_for_selector("text=référence de votre demande")
    page.fill("#message", f"{reference} {code}")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=maintenant suivie dans cette conversation")
    page.wait_for_selector("text=reçue, en attente d'un conseiller")

    # The adviser claims the case and writes; the page shows it without the person writing.
    client, _ = login(web_server, "marie", "correct-horse-battery")
    csrf = csrf_of(client.get(f"/console/cases/{reference}").text)
    client.post(f"/console/cases/{reference}/claim", data={"csrf": csrf})
    client.post(f"/console/cases/{reference}/message",
                data={"csrf": csrf, "body": "Bonjour, je vous appelle demain à 10 h."})
    page.wait_for_selector("text=Message de votre conseiller : Bonjour, je vous appelle demain à 10 h.",
                           timeout=15000)

    # The person answers from the message's own button.
    page.get_by_role("button", name="Répondre à mon conseiller").last.click()
    page.wait_for_selector("text=Écrivez votre message pour votre conseiller")
    page.fill("#message", "Demain 10 h me va, merci.")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=transmis à votre conseiller")

    queue = client.get("/console/?status=claimed").text
    row = re.search(rf"<tr><td><a href=\"/console/cases/{reference}\">.*?</tr>", queue, re.S).group()
    assert "1 non lu" in row
    case_page = client.get(f"/console/cases/{reference}").text
    assert "Demain 10 h me va, merci." in case_page and "de la personne" in case_page and "nouveau" in case_page
    assert "nouveau" not in client.get(f"/console/cases/{reference}").text  # read once opened
    context.close()
