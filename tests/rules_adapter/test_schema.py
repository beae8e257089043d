"""The rule files, questions.yml and texts.yml are a schema: `assistant content check` names the
file and the key of an unknown key, a missing source, a refusal without its seed line or a
sentence missing in one language, and the server refuses to load them."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from rules_adapter import rules
from rules_adapter.rules import RulesError, check_files, load

HERE = Path(rules.__file__).parent


@pytest.fixture
def files(tmp_path, monkeypatch):
    """A copy of the rules, questions and texts, which the module reads instead of its own."""
    shutil.copytree(HERE / "rules", tmp_path / "rules")
    for name in ("questions.yml", "texts.yml"):
        shutil.copy(HERE / name, tmp_path / name)
    monkeypatch.setattr(rules, "RULES_DIR", tmp_path / "rules")
    monkeypatch.setattr(rules, "QUESTIONS_FILE", tmp_path / "questions.yml")
    monkeypatch.setattr(rules, "TEXTS_FILE", tmp_path / "texts.yml")
    return tmp_path


def edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def problems_of(files) -> list[str]:
    return [str(p) for p in check_files()]


def test_the_files_as_committed_have_no_problem():
    assert check_files() == []


def test_an_unknown_rule_key_is_named_with_its_file(files):
    edit(files / "rules" / "2022-06-15.yml", lambda d: d["criteria"]["contract"].update(interim_under_min="to_confirm"))
    found = problems_of(files)
    assert any(p.startswith("rules/2022-06-15.yml: criteria.contract:") and "'interim_under_min' was unexpected" in p
               for p in found), found


def test_a_criterion_without_sources_is_an_error(files):
    edit(files / "rules" / "2021-04-08.yml", lambda d: d["criteria"]["employer"].pop("sources"))
    assert any(p.startswith("rules/2021-04-08.yml: criteria.employer:") and "'sources' is a required property" in p
               for p in problems_of(files))


def test_a_refusal_without_its_seed_line_is_an_error(files):
    edit(files / "rules" / "2022-06-15.yml", lambda d: d["criteria"]["contract"].pop("refusals"))
    assert "rules/2022-06-15.yml: criteria.contract.refusals.short: this criterion can refuse here: " \
           "quote the seed line it rests on" in problems_of(files)


def test_a_silent_seed_cannot_be_turned_into_a_refusal(files):
    edit(files / "rules" / "2022-06-15.yml", lambda d: d["criteria"]["situation"].update(otherwise="not_met"))
    assert any(p.startswith("rules/2022-06-15.yml: criteria.situation.otherwise:") for p in problems_of(files))


def test_a_reason_missing_in_english_is_named(files):
    edit(files / "texts.yml", lambda d: d["reasons"]["employer"]["not_met"].pop("en"))
    assert "texts.yml: reasons.employer.not_met: 'en' is a required property" in problems_of(files)


def test_a_question_choice_missing_in_one_language_is_named(files):
    edit(files / "questions.yml", lambda d: d["disaster"]["choices"]["pending"].pop("fr"))
    assert "questions.yml: disaster.choices.pending: 'fr' is a required property" in problems_of(files)


def test_a_question_without_a_button_for_a_value_the_rules_know_is_named(files):
    edit(files / "questions.yml", lambda d: d["disaster"]["choices"].pop("pending"))
    assert "questions.yml: disaster.choices: no button for the value 'pending'" in problems_of(files)


def test_broken_files_are_not_loaded(files):
    edit(files / "rules" / "2022-06-15.yml", lambda d: d["criteria"]["employer"]["min_size"].update(publique=3))
    with pytest.raises(RulesError, match=r"rules/2022-06-15.yml: criteria.employer.min_size: .*'publique' was "
                                         r"unexpected"):
        load()


def test_a_reload_keeps_the_rules_in_use_when_the_new_files_are_broken(files):
    before = rules.book()
    edit(files / "texts.yml", lambda d: d["reasons"].pop("contract"))
    assert rules.reload() is False
    assert rules.book() is before


def test_content_check_fails_with_the_file_and_key(files, capsys):
    from bot.cli import main

    edit(files / "rules" / "2022-06-15.yml", lambda d: d["criteria"]["occupancy"].update(allowd=["locataire"]))
    assert main(["content", "check", "--skip-rasa"]) == 1
    out = capsys.readouterr()
    assert (
        "rules/2022-06-15.yml: criteria.occupancy: Additional properties are not allowed ('allowd' was unexpected)"
        in out.out
    )
    assert "problem(s)" in out.err and "Traceback" not in out.err
