from __future__ import annotations

import shutil
import time

from nlu import project
from nlu.train import current_model, latest_model, train


def test_training_is_skipped_when_nothing_changed(nlu_model):
    started = time.monotonic()
    path, trained = train(nlu_model.parent)
    assert (path, trained) == (nlu_model, False)
    assert time.monotonic() - started < 5
    assert latest_model(nlu_model.parent) == nlu_model
    assert current_model(nlu_model.parent) == nlu_model


def test_fingerprint_follows_training_data_not_answers(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(project.DATA_DIR, data)
    content = tmp_path / "faq.yml"
    shutil.copy(project.CONTENT_FILE, content)
    monkeypatch.setattr(project, "DATA_DIR", data)
    monkeypatch.setattr(project, "CONTENT_FILE", content)
    before = project.fingerprint()
    content.write_text(content.read_text(encoding="utf-8") + "\n# edited answer\n", encoding="utf-8")
    assert project.fingerprint() == before
    faq = data / "fr" / "faq.yml"
    faq.write_text(faq.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert project.fingerprint() != before


def test_build_folds_accents_and_generates_the_domain(tmp_path):
    import yaml

    _config, data, domain = project.build(tmp_path)
    assert "é" not in (data / "fr_faq.yml").read_text(encoding="utf-8")
    doc = yaml.safe_load(domain.read_text(encoding="utf-8"))
    # Each FAQ topic is an intent of its own for Rasa; content staff write faq/<topic>.
    assert "faq__gratuite" in doc["intents"] and "faq" not in doc["intents"]
    assert "- intent: faq__gratuite" in (data / "fr_faq.yml").read_text(encoding="utf-8")
    assert "faq/" not in (data / "fr_faq.yml").read_text(encoding="utf-8")
    assert {"contract", "company_size", "postcode", "difficulty"} <= set(doc["entities"])
