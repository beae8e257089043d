"""The regression gate of a phrasing change, end to end: content staff add a phrasing in the
console, a model is trained in the background and evaluated against the held-out set beside the
one serving, and once published every worker serves it without a restart; a change that loses a
topic's phrasings is refused by the content check, and one whose evaluation falls past the margin
is refused after training, the old model and files still serving."""
from __future__ import annotations

import re
import shutil
import time

import httpx
import pytest
import second_factor
from playwright.sync_api import expect
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
    # The topic's French phrasings only in the file the editor writes: emptied there, the topic
    # is left without any (the other files hold letters and stories for it too).
    for path in (tmp_path / "data" / "fr").glob("*.yml"):
        if path.name != "faq.yml":
            path.write_text(re.sub(rf"^- intent: faq/{TOPIC}\n  examples: \|\n(?:    .*\n|\n)*", "",
                                   path.read_text(encoding="utf-8"), flags=re.MULTILINE), encoding="utf-8")
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
        yield server, app.state.deployment, tmp_path


def answer(server, sender: str) -> str:
    replies = httpx.post(server.url + "/webhooks/rest/webhook", json={"sender": sender, "message": NEW},
                         timeout=30).json()
    return "\n".join(r.get("text", "") for r in replies)


def sign_in(browser, server):
    page = browser.new_context(locale="fr-FR").new_page()
    second_factor.sign_in_page(page, server.url, "eloise")
    page.wait_for_selector("h1:has-text('Contenu de la FAQ')")
    return page


def publish(page, server, examples_fr: str) -> None:
    page.goto(f"{server.url}/console/content/{TOPIC}")
    page.fill("#examples_fr", examples_fr)
    page.get_by_role("button", name="Publier").click()
    page.wait_for_load_state()


def settled(page) -> str:
    """The topic's last publish once the gate is done (the page refreshes itself meanwhile)."""
    status = page.locator("#status")
    expect(status).not_to_contain_text(re.compile("en attente|en cours"), timeout=420_000)
    return status.inner_text()


def test_a_new_phrasing_is_trained_evaluated_published_and_served_and_a_fall_past_the_margin_is_refused(
        served, browser):
    server, deployment, folder = served
    expected = deployment.content.answer(TOPIC, "fr")
    assert expected not in answer(server, "before")
    page = sign_in(browser, server)
    page.goto(f"{server.url}/console/content/{TOPIC}")
    current = page.input_value("#examples_fr")
    served_before = nlu.latest_model(folder / "models")

    # A topic left without phrasings is refused by the content check, at once; nothing changes.
    publish(page, server, "")
    assert "Publication refusée" in page.inner_text("main") and "training examples" in page.inner_text("main")
    # A new phrasing: trained, evaluated, published, served by the running worker.
    publish(page, server, f"{current}\n{NEW}")
    done = settled(page)
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
    publish(page, server, f"{current}\n{NEW}\nune autre phrase sur la gratuité")
    assert "refusé : la compréhension baisse" in settled(page)
    assert "une autre phrase" not in (folder / "data" / "fr" / "faq.yml").read_text(encoding="utf-8")
    assert nlu.latest_model(folder / "models") == published and expected in answer(server, "still")

    # One click back: the phrasings and the model from before the publish.
    page.goto(f"{server.url}/console/content/versions")
    page.get_by_role("button", name="Revenir à l’état d’avant").first.click()
    page.wait_for_load_state()
    assert NEW not in (folder / "data" / "fr" / "faq.yml").read_text(encoding="utf-8")
    assert nlu.latest_model(folder / "models") == served_before
