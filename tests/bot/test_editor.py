"""Content staff edit an FAQ answer in the console, in Chromium: preview, "what would the
assistant answer?" side by side, publish through the content check, and the running chat gives
the new answer without a restart; a publish the check refuses changes nothing; one click puts the
previous text back. Editors see no case."""
from __future__ import annotations

import re
import shutil
import time

import httpx
import pytest
import second_factor
from sqlalchemy import create_engine

from bot.web import create_app
from handoff.advisers import add_adviser
from nlu.project import CONTENT_FILE

QUESTION = "mon employeur sera-t-il au courant de ma demande ?"
MARKER = "MARQUEUR-EDITION"


@pytest.fixture
def served(tmp_path, monkeypatch, parser, running_server):
    from bot.config import load_settings

    faq = tmp_path / "content" / "faq.yml"
    faq.parent.mkdir()
    shutil.copy(CONTENT_FILE, faq)  # the repository's file is never written by a test
    monkeypatch.setenv("FAQ_CONTENT_FILE", str(faq))
    monkeypatch.setenv("ASSISTANT_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = load_settings(tmp_path / "no.env")
    app = create_app(settings, parser)
    with running_server(app) as server:
        engine = create_engine(settings.database_url, future=True)
        editor = add_adviser(engine, "eloise", "correct-horse-battery", "editor", [])
        second_factor.enrol(engine, app.state.deployment.cipher, editor.id)
        yield server, faq


def chat(server, sender: str) -> str:
    replies = httpx.post(server.url + "/webhooks/rest/webhook", json={"sender": sender, "message": QUESTION},
                         timeout=30).json()
    return "\n".join(r.get("text", "") for r in replies)


def wait_for(server, wanted: bool) -> str:
    deadline = time.monotonic() + 10
    while True:
        text = chat(server, f"asker-{time.monotonic()}")
        if (MARKER in text) == wanted or time.monotonic() > deadline:
            return text
        time.sleep(0.3)


def test_an_editor_previews_publishes_and_the_running_chat_answers_with_it(served, browser):
    server, faq = served
    original = chat(server, "before")
    assert "confidentiel" in original and MARKER not in original

    page = browser.new_context(locale="fr-FR").new_page()
    second_factor.sign_in_page(page, server.url, "eloise")  # a second factor: an editor changes what the public reads
    page.wait_for_selector("h1:has-text('Contenu de la FAQ')")  # an editor lands on the content, never a case
    page.get_by_role("link", name="Mon employeur sera-t-il informé ?").click()

    answer = page.input_value("#answer_fr")
    page.fill("#answer_fr", f"{MARKER} {answer}")
    page.fill("#sentence", QUESTION)
    page.get_by_role("button", name="Essayer").click()
    assert MARKER not in page.inner_text("#current") and MARKER in page.inner_text("#edited")  # side by side
    assert MARKER in page.inner_text("#preview")
    assert MARKER not in chat(server, "still-old")  # nothing published yet
    page.get_by_role("button", name="Publier").click()
    page.wait_for_selector("#status:has-text('publiée')")
    assert MARKER in wait_for(server, True)  # the running chat, no restart
    assert MARKER in faq.read_text(encoding="utf-8")

    page.fill("#answer_fr", "Trop long. " * 70)
    page.get_by_role("button", name="Publier").click()
    page.wait_for_selector("text=Publication refusée")
    assert "at most 600" in page.inner_text("main")
    assert MARKER in wait_for(server, True)  # the refused text changed nothing

    page.goto(server.url + "/console/content/versions")
    assert "refusée" in page.inner_text("main") and "publiée" in page.inner_text("main")
    page.get_by_role("button", name="Revenir à l’état d’avant").click()
    back = wait_for(server, False)
    assert MARKER not in back and "confidentiel" in back

    assert page.goto(server.url + "/console/?status=all").url.endswith("/console/content")


def test_an_adviser_cannot_open_the_editor(served):
    server, _ = served
    client = httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)
    page = client.get("/console/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    app_engine = server.server.config.app.state.deployment.cases.engine
    add_adviser(app_engine, "marie", "correct-horse-battery", "adviser", ["Bretagne"])
    client.post("/console/login", data={"csrf": token, "login": "marie", "password": "correct-horse-battery"})
    assert client.get("/console/content").status_code == 403
    assert client.get("/console/content/confidentialite_employeur").status_code == 403
