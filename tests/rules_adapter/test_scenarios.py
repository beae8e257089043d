from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from rules_adapter import Outcome, Status, assess

SCENARIOS = yaml.safe_load((Path(__file__).parent / "scenarios.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["name"] for s in SCENARIOS])
def test_persona(scenario):
    on = scenario.get("date", dt.date(2026, 1, 1))
    result = assess(scenario["facts"], on=on)

    assert result.outcome is Outcome(scenario["outcome"])
    if "urgent" in scenario:
        assert result.urgent is scenario["urgent"]
    if "rules_version" in scenario:
        assert result.rules_version == scenario["rules_version"]
    for criterion in scenario.get("not_met", []):
        assert result.reason(criterion).status is Status.NOT_MET
    if "missing_first" in scenario:
        assert result.missing[0] == scenario["missing_first"]
