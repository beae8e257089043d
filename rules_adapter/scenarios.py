"""The personas of tests/rules_adapter/scenarios.yml checked against a set of rule files: what
`assistant content scenarios` runs before content staff's change to the rules, the questions or
the texts is published (bot/rules_editor.py), and what the tests run on the files as they are."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from . import rules
from .engine import assess
from .model import Outcome, Status

SCENARIOS = Path(__file__).resolve().parent.parent / "tests" / "rules_adapter" / "scenarios.yml"


def failures(book: rules.RuleBook, scenarios: list[dict[str, Any]]) -> list[str]:
    """Each persona whose assessment under `book` is not what the file says, in words."""
    kept = rules._book
    rules._book = book  # this process only (a command of its own): assess reads the book in use
    try:
        out = []
        for scenario in scenarios:
            result = assess(scenario["facts"], on=scenario.get("date", dt.date(2026, 1, 1)))
            wrong = []
            if result.outcome is not Outcome(scenario["outcome"]):
                wrong.append(f"résultat {result.outcome.value} au lieu de {scenario['outcome']}")
            if "urgent" in scenario and result.urgent is not scenario["urgent"]:
                wrong.append("urgence différente")
            if "rules_version" in scenario and result.rules_version != scenario["rules_version"]:
                wrong.append(f"règles {result.rules_version} au lieu de {scenario['rules_version']}")
            for criterion in scenario.get("not_met", []):
                reason = result.reason(criterion)
                if reason is None or reason.status is not Status.NOT_MET:
                    wrong.append(f"le critère {criterion} n'est plus refusé")
            if "missing_first" in scenario and (not result.missing or result.missing[0] != scenario["missing_first"]):
                wrong.append(f"la première question n'est plus {scenario['missing_first']}")
            if wrong:
                out.append(f"« {scenario['name']} » : {', '.join(wrong)}")
        return out
    finally:
        rules._book = kept


def run(rules_dir: Path | None = None, questions_file: Path | None = None, texts_file: Path | None = None,
        scenarios_file: Path = SCENARIOS) -> list[str]:
    """The files' problems, else the personas that fail under them (nothing: all pass)."""
    problems = rules.check_files(rules_dir, questions_file, texts_file)
    if problems:
        return [str(p) for p in problems]
    book = rules.load(rules_dir, questions_file, texts_file)
    return failures(book, yaml.safe_load(scenarios_file.read_text(encoding="utf-8")) or [])
