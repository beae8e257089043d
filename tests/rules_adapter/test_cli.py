from __future__ import annotations

import json
import subprocess
import sys

import pytest


def run(*args: str, stdin: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rules_adapter", *args], input=stdin,
                          capture_output=True, text=True, timeout=60)


def test_assess_reads_facts_and_prints_the_assessment():
    facts = {"situation": "salarie", "sector": "prive_non_agricole", "company_size": 40, "contract": "cdd",
             "contract_months": 2, "disaster": "none", "difficulties": ["impayes_loyer"], "postcode": "75011"}
    today = run("assess", stdin=json.dumps(facts))
    before = run("assess", "--on", "2022-01-01", "--locale", "en", stdin=json.dumps(facts))
    assert today.returncode == 0 and before.returncode == 0
    assert json.loads(today.stdout)["outcome"] == "not_eligible"
    data = json.loads(before.stdout)
    assert (data["outcome"], data["rules_version"]) == ("eligible", "2021-04-08")
    assert set(data) >= {"urgent", "reasons", "missing", "orientations", "what_would_change"}


def test_budget_command():
    result = run("budget", stdin=json.dumps({"incomes": {"salaire": 2000}, "charges": {"pret": 1050}, "aids": {}}))
    assert result.returncode == 0
    assert json.loads(result.stdout) == {"debt_ratio_percent": 52, "remaining_income": 950.0}


def test_next_command():
    result = run("next", stdin="{}")
    assert json.loads(result.stdout)["fact"] == "difficulties"


@pytest.mark.parametrize("args, stdin, message", [
    (("assess",), '{"company_size": -3}', "company_size: must not be negative"),
    (("assess",), '{"colour": "blue"}', "unknown fact 'colour'"),
    (("assess",), "{not json", "not valid JSON"),
    (("assess",), "", "got nothing"),
    (("assess", "--on", "yesterday"), "{}", "invalid date"),
    (("assess", "--on", "2019-01-01"), "{}", "no rules in force"),
    (("budget",), '{"incomes": {"salaire": 0}}', "more than zero"),
    (("budget",), '{"income": {}}', "unknown field"),
    (("explode",), "{}", "invalid choice"),
])
def test_bad_input_is_one_line_and_non_zero(args, stdin, message):
    result = run(*args, stdin=stdin)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("postcode, on, outcome", [
    ("97150", "2026-01-01", "not_eligible"),  # Saint-Martin: an overseas collectivity, not a DROM
    ("97133", "2026-01-01", "not_eligible"),  # Saint-Barthélemy
    ("97600", "2026-01-01", "eligible"),      # Mayotte, a DROM
    ("97150", "2022-01-01", "to_confirm"),    # the 2021 presentation says nothing of the territory
])
def test_assess_overseas_postcodes(postcode, on, outcome):
    facts = {"situation": "salarie", "sector": "prive_non_agricole", "company_size": 80, "contract": "cdi",
             "difficulties": ["impayes_loyer"], "postcode": postcode}
    result = run("assess", "--on", on, stdin=json.dumps(facts))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["outcome"] == outcome
    location = next(r for r in data["reasons"] if r["criterion"] == "housing_location")
    if outcome == "not_eligible":
        assert location["sources"][0]["quote"] == (
            "Le logement ou l'hébergement doit être situé sur le territoire métropolitain ou dans les DROM.")


def test_assess_accepts_i_do_not_know_and_refuses_the_removed_peec_question():
    facts = {"situation": "demandeur_emploi", "months_since_job_end": 3, "sector": "prive_non_agricole",
             "company_size": "unsure", "difficulties": ["perte_emploi"], "housing_location": "metropole"}
    assert json.loads(run("assess", stdin=json.dumps(facts)).stdout)["outcome"] == "to_confirm"
    old = run("assess", stdin=json.dumps({"former_employer_peec": True}))
    assert old.returncode == 2 and old.stderr.startswith("error: unknown fact 'former_employer_peec'")
    assert "Traceback" not in old.stderr
