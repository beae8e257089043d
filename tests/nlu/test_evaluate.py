"""The figures the NLU issue asks for, on the held-out set, with the real model."""
from __future__ import annotations

from pathlib import Path

from nlu import evaluate, format_report
from nlu.evaluate import load_heldout
from nlu.project import DATA_DIR, normalize

HERE = Path(__file__).parent
HELDOUT = {"fr": HERE / "heldout_fr.yml", "en": HERE / "heldout_en.yml"}


def test_heldout_phrasings_are_not_in_the_training_data():
    training = set()
    for path in DATA_DIR.rglob("*.yml"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("    - "):
                training.add(normalize(line[6:]))
    copied = [text for path in HELDOUT.values() for text, _ in load_heldout(path) if normalize(text) in training]
    assert copied == []


def test_heldout_accuracy_and_out_of_scope_fallback(parser, capsys):
    reports, median_ms = evaluate(parser, HELDOUT)
    with capsys.disabled():
        print("\n" + format_report(reports, median_ms))
    french = next(r for r in reports if r.language == "fr")
    assert french.examples >= 200
    assert french.accuracy >= 0.92
    assert french.out_of_scope_fallback_rate >= 0.90
    english = next(r for r in reports if r.language == "en")
    assert english.accuracy >= 0.85
