"""Every test has one of the three speeds (tests/conftest.py), so `pytest -m unit` is the quick
loop and nothing falls between the tiers."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def collected(marker: str) -> set[str]:
    run = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", marker],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode in (0, 5), run.stdout[-2000:]  # 5: nothing selected; anything else: a collection error
    return {line for line in run.stdout.splitlines() if "::" in line}


def test_every_test_has_exactly_one_tier():
    assert collected("not (unit or integration or e2e)") == set()
    unit, integration, e2e = collected("unit"), collected("integration"), collected("e2e")
    assert not (unit & integration or unit & e2e or integration & e2e)
    assert any("test_dialogue.py::" in t for t in unit)  # the journeys against a fake NLU
    assert any("test_stories.py::" in t for t in integration)  # the trained model
    assert any("test_browser.py::" in t for t in e2e)
