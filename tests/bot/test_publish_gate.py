"""The regression gate of a phrasing change, end to end: content staff add a phrasing in the
console, a model is trained in the background and evaluated against the held-out set beside the
one serving, and once published every worker serves it without a restart; a change that loses a
topic's phrasings is refused by the content check, and one whose evaluation falls past the margin
is refused after training, the old model and files still serving."""
from __future__ import annotations

import html
import re
import shutil
import time

import httpx
import pytest
import second_factor
from sqlalchemy import create_engine

import nlu
from bot.web import create_app
from handoff.advisers import add_adviser
from nlu.project import CONTENT_FILE, DATA_DIR

NEW = "la quintessence zorglubienne des farfadets"
TOPIC = "gratuite"


@pytest.fixture
def served(tmp_path, monkeypatch, running_server, nlu_model):
    from bot.config import load_settings

    (tmp_path / "content").mkdir()
    shutil.copy(CONTENT_FILE, tmp_path / "content" / "faq.yml")
    shutil.copytree(DATA_DIR, tmp_path / "data")  # the repository's files are never written by a test
    models = tmp_path / "models"
    models.mkdir()
    shutil.copy(nlu_model, models / nlu_model.name)
    for name, value in {"FAQ_CONTENT_FILE": tmp_path / "content" / "faq.yml", "NLU_DATA_DIR": tmp_path / "data",
                        "ASSISTANT_MODELS_DIR": models, "ASSISTANT_VAR_DIR": tmp_path / "var",
                        "CONTENT_ACCURACY_MARGIN": "5"}.items():
        monkeypatch.setenv(name, str(value))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = load_settings(tmp_path / "no.env")
    parser = nlu.InProcessParser(models / nlu_model.name)  # its own: this test changes the model it serves
    app = create_app(settings, parser, follow_models=True)
    with running_server(app) as server:
        engine = create_engine(settings.database_url, future=True)
        editor = add_adviser(engine, "eloise", "correct-horse-battery", "editor", [])
        second_factor.enrol(engine, app.state.deployment.cipher, editor.id)
        client = httpx.Client(base_url=server.url, follow_redirects=False, timeout=60)
        form = client.get("/console/login")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
        second_factor.complete(client, client.post("/console/login", data={
            "csrf": token, "login": "eloise", "password": "correct-horse-battery"}))
        yield server, client, app.state.deployment, tmp_path


def answer(server, sender: str) -> str:
    replies = httpx.post(server.url + "/webhooks/rest/webhook", json={"sender": sender, "message": NEW},
                         timeout=30).json()
    return "\n".join(r.get("text", "") for r in replies)


def publish(client, examples_fr: str) -> httpx.Response:
    page = client.get(f"/console/content/{TOPIC}").text
    fields = {name: re.search(rf'name="{name}"[^>]*>([^<]*)</textarea>', page).group(1)
              for name in ("answer_fr", "answer_en", "examples_en")}
    labels = {name: re.search(rf'name="{name}" value="([^"]*)"', page).group(1) for name in ("label_fr", "label_en")}
    data = {k: html.unescape(v) for k, v in {**fields, **labels}.items()}
    data.update(csrf=re.search(r'name="csrf" value="([^"]+)"', page).group(1), action="publish",
                examples_fr=examples_fr)
    return client.post(f"/console/content/{TOPIC}", data=data)


def status(client) -> str:
    deadline = time.monotonic() + 420
    while True:
        text = re.search(r'<p role="status" id="status">(.*?)</p>', client.get(f"/console/content/{TOPIC}").text,
                         re.S).group(1)
        if not any(word in text for word in ("en attente", "en cours")) or time.monotonic() > deadline:
            return text
        time.sleep(2)


def test_a_new_phrasing_is_trained_evaluated_published_and_served_and_a_fall_past_the_margin_is_refused(served):
    server, client, deployment, folder = served
    content = deployment.content
    expected = content.answer(TOPIC, "fr")
    assert expected not in answer(server, "before")
    examples = client.get(f"/console/content/{TOPIC}").text
    current = re.search(r'name="examples_fr"[^>]*>([^<]*)</textarea>', examples).group(1).strip()
    served_before = nlu.latest_model(folder / "models")

    # A topic left without phrasings is refused by the content check, at once; nothing changes.
    refused = publish(client, "")
    assert refused.status_code == 400 and "training examples" in refused.text
    # A new phrasing: trained, evaluated, published, served by the running worker.
    assert publish(client, f"{current}\n{NEW}").status_code == 303
    done = status(client)
    assert "publiée après évaluation" in done and "fr " in done and "%" in done, done
    assert NEW in (folder / "data" / "fr" / "faq.yml").read_text(encoding="utf-8")
    deadline = time.monotonic() + 60
    while expected not in answer(server, f"after-{time.monotonic()}"):
        assert time.monotonic() < deadline, "the new model is not served"
        time.sleep(1)
    published = nlu.latest_model(folder / "models")
    assert published != served_before

    # A change whose evaluation falls past the margin (here: any change, the margin asks for
    # 100 points more) is refused after training; files and model stay as they were.
    deployment.editor.gate.margin = -100
    assert publish(client, f"{current}\n{NEW}\nune autre phrase sur la gratuité").status_code == 303
    assert "refusé : la compréhension baisse" in status(client)
    assert "une autre phrase" not in (folder / "data" / "fr" / "faq.yml").read_text(encoding="utf-8")
    assert nlu.latest_model(folder / "models") == published and expected in answer(server, "still")

    # One click back: the phrasings and the model before the publish.
    versions = client.get("/console/content/versions").text
    number = re.findall(r'/console/content/versions/(\d+)/restore', versions)[0]
    client.post(f"/console/content/versions/{number}/restore",
                data={"csrf": re.search(r'name="csrf" value="([^"]+)"', versions).group(1)})
    assert NEW not in (folder / "data" / "fr" / "faq.yml").read_text(encoding="utf-8")
    assert nlu.latest_model(folder / "models") == served_before
