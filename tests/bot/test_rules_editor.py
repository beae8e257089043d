"""Content staff edit the questionnaire and the rules in the console behind the same gate: the
files' checks, then every persona of tests/rules_adapter/scenarios.yml under the edited files.
A change that breaks a persona or the YAML is refused and changes nothing; a good one is what
the chat asks at once, and a version to come back from."""
from __future__ import annotations

import html
import re
import shutil

import httpx
import pytest
import second_factor
from sqlalchemy import create_engine

from bot.web import create_app
from handoff.advisers import add_adviser
from rules_adapter import rules

QUESTION = ("Quelles difficultés rencontrez-vous avec votre logement ? Cochez-en une ou plusieurs puis validez, "
            "ou décrivez votre situation avec vos mots.")
MARKER = "Quelles difficultés MARQUEUR-QUESTIONNAIRE rencontrez-vous avec votre logement ?"


@pytest.fixture
def served(tmp_path, monkeypatch, parser, running_server):
    from bot.config import load_settings

    originals = rules.RULES_DIR, rules.QUESTIONS_FILE, rules.TEXTS_FILE
    shutil.copytree(rules.RULES_DIR, tmp_path / "rules")
    shutil.copy(rules.QUESTIONS_FILE, tmp_path / "questions.yml")
    shutil.copy(rules.TEXTS_FILE, tmp_path / "texts.yml")
    # The repository's files are never written by a test: rules_adapter reads these copies.
    rules.RULES_DIR, rules.QUESTIONS_FILE, rules.TEXTS_FILE = (tmp_path / "rules", tmp_path / "questions.yml",
                                                               tmp_path / "texts.yml")
    rules.reload()
    monkeypatch.setenv("ASSISTANT_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = load_settings(tmp_path / "no.env")
    app = create_app(settings, parser)
    try:
        with running_server(app) as server:
            engine = create_engine(settings.database_url, future=True)
            editor = add_adviser(engine, "eloise", "correct-horse-battery", "editor", [])
            second_factor.enrol(engine, app.state.deployment.cipher, editor.id)
            client = httpx.Client(base_url=server.url, follow_redirects=False, timeout=60)
            form = client.get("/console/login")
            token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
            second_factor.complete(client, client.post("/console/login", data={
                "csrf": token, "login": "eloise", "password": "correct-horse-battery"}))
            yield server, client, tmp_path
    finally:
        rules.RULES_DIR, rules.QUESTIONS_FILE, rules.TEXTS_FILE = originals
        rules.reload()


def publish(client, name: str, change) -> httpx.Response:
    page = client.get(f"/console/content/rules/{name}").text
    text = html.unescape(re.search(r'<textarea id="text"[^>]*>(.*?)</textarea>', page, re.S).group(1))
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    return client.post(f"/console/content/rules/{name}", data={"csrf": token, "text": change(text)})


def first_question(server, sender: str) -> str:
    replies = httpx.post(server.url + "/webhooks/rest/webhook", json={"sender": sender, "message": "/start_check"},
                         timeout=30).json()
    return "\n".join(r.get("text", "") for r in replies)


def test_a_question_s_text_is_published_through_the_personas_and_asked_at_once(served):
    server, client, folder = served
    assert "Questionnaire et règles" in client.get("/console/content").text
    assert QUESTION in first_question(server, "before")
    published = publish(client, "questions.yml", lambda text: text.replace(QUESTION, MARKER, 1))
    assert published.status_code == 303
    assert MARKER in first_question(server, "after")  # no restart
    assert MARKER in (folder / "questions.yml").read_text(encoding="utf-8")

    versions = client.get("/console/content/versions").text
    number = re.findall(r"/console/content/versions/(\d+)/restore", versions)[0]
    client.post(f"/console/content/versions/{number}/restore",
                data={"csrf": re.search(r'name="csrf" value="([^"]+)"', versions).group(1)})
    assert QUESTION in first_question(server, "restored")


def test_a_rule_change_that_breaks_a_persona_or_the_yaml_is_refused_and_changes_nothing(served):
    server, client, folder = served
    before = (folder / "rules" / "2022-06-15.yml").read_text(encoding="utf-8")
    refused = publish(client, "rules/2022-06-15.yml", lambda text: text.replace("min_months: 3", "min_months: 6", 1))
    assert refused.status_code == 400 and "Publication refusée" in refused.text
    assert "CDD de 3 mois tout juste" in refused.text  # the persona it breaks, by name
    broken = publish(client, "questions.yml", lambda text: text + "\n  : : not yaml [\n")
    assert broken.status_code == 400 and "Publication refusée" in broken.text
    assert (folder / "rules" / "2022-06-15.yml").read_text(encoding="utf-8") == before
    assert QUESTION in first_question(server, "unchanged")
    assert "refusée" in client.get("/console/content/versions").text
