from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from nlu import FaqContent, run_checks
from nlu.check import MAX_ANSWER, check_content, check_training_data
from nlu.project import CONTENT_FILE, DATA_DIR


@pytest.mark.integration  # Rasa's own data validation runs too
def test_the_content_as_shipped_passes_every_check():
    assert [str(p) for p in run_checks()] == []


def test_at_least_thirty_topics_in_both_languages_with_sources():
    topics = FaqContent().topics()
    assert len(topics) >= 30
    for topic in topics.values():
        assert topic.answer["fr"] and topic.answer["en"] and topic.sources
        assert len(topic.answer["fr"]) <= MAX_ANSWER


def test_emergency_answers_give_the_numbers_first():
    content = FaqContent()
    assert "3919" in content.answer("urgence_violences", "fr")[:200]
    assert "115" in content.answer("urgence_sans_logement", "fr")[:120]


@pytest.fixture
def project_copy(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    content = tmp_path / "faq.yml"
    shutil.copy(CONTENT_FILE, content)
    return data, content


def test_an_example_under_two_intents_is_reported_with_file_and_line(project_copy):
    data, _ = project_copy
    faq = data / "fr" / "faq.yml"
    lines = faq.read_text(encoding="utf-8").splitlines()
    lines.insert(lines.index("- intent: faq/gratuite") + 2, "    - bonjour")
    faq.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems, _ = check_training_data(sorted(data.rglob("*.yml")))
    assert any(p.path == faq and "'bonjour' is under faq/gratuite and also under greet" in p.message for p in problems)
    assert all(p.line > 0 for p in problems)


def test_missing_answer_empty_answer_long_answer_and_missing_source(project_copy):
    data, content = project_copy
    text = content.read_text(encoding="utf-8")
    text = text.replace("  gratuite:\n", "  gratuite:\n    unused: true\n", 1)
    content.write_text(text, encoding="utf-8")
    import yaml

    doc = yaml.safe_load(text)
    doc["topics"]["gratuite"]["answer"]["en"] = ""
    doc["topics"]["deroulement"]["answer"]["fr"] = "x " * 400
    doc["topics"]["contact_service"].pop("source", None)
    doc["topics"]["contact_service"].pop("sources", None)
    del doc["topics"]["separation"]
    content.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    _, counts = check_training_data(sorted(data.rglob("*.yml")))
    messages = [f"{p.path.name}:{p.line}: {p.message}" for p in check_content(content, counts, {})]
    assert any("gratuite: no en answer" in m for m in messages)
    assert any("deroulement: fr answer is" in m and f"at most {MAX_ANSWER}" in m for m in messages)
    assert any("contact_service: every answer needs a source" in m for m in messages)
    assert any("faq/separation has training examples but no answer" in m for m in messages)
    assert all(":0:" not in m for m in messages)


@pytest.mark.integration  # the CLI in a subprocess
def test_cli_reports_problems_with_a_non_zero_exit(tmp_path):
    import subprocess
    import sys

    assistant = Path(sys.executable).parent / "assistant"
    ok = subprocess.run(
        [str(assistant), "content", "check", "--skip-rasa"], capture_output=True, text=True, timeout=120
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "content check passed" in ok.stdout


def test_an_edited_answer_is_served_without_retraining_or_restart(tmp_path):
    import yaml

    path = tmp_path / "faq.yml"
    shutil.copy(CONTENT_FILE, path)
    content = FaqContent(path, check_interval=0)
    assert content.answer("gratuite", "fr") != "Oui, le service est gratuit. (édité)"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["topics"]["gratuite"]["answer"]["fr"] = "Oui, le service est gratuit. (édité)"
    time.sleep(0.01)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    assert content.answer("gratuite", "fr") == "Oui, le service est gratuit. (édité)"


def test_a_broken_edit_keeps_the_previous_answers(tmp_path):
    path = tmp_path / "faq.yml"
    shutil.copy(CONTENT_FILE, path)
    content = FaqContent(path, check_interval=0)
    before = content.answer("gratuite", "fr")
    time.sleep(0.01)
    path.write_text("topics: [this is: not valid", encoding="utf-8")
    assert content.reload() is False
    assert content.answer("gratuite", "fr") == before


def test_a_situation_the_questionnaire_does_not_know_is_reported(tmp_path, monkeypatch, capsys):
    import shutil

    import yaml

    from bot.cli import main
    from nlu import project

    copy = tmp_path / "faq.yml"
    shutil.copy(project.CONTENT_FILE, copy)
    data = yaml.safe_load(copy.read_text(encoding="utf-8"))
    data["topics"]["separation"]["situations"] = {"difficulties": ["separation", "divorce"]}
    copy.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    monkeypatch.setattr(project, "CONTENT_FILE", copy)
    assert main(["content", "check", "--skip-rasa"]) == 1
    out = capsys.readouterr().out
    assert f"{copy}: topic separation: situations: difficulties divorce is not" in out
