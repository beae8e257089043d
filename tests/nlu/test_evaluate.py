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


def test_near_duplicates_of_training_phrasings_are_set_aside_and_counted():
    from nlu.evaluate import near_duplicates, training_phrasings

    training = training_phrasings()
    assert near_duplicates(["Passez-moi un humain, SVP !", "une question sans aucun rapport ici"], training) == \
        {"Passez-moi un humain, SVP !"}


def test_deduplicated_heldout_figures(parser, capsys):
    # The honest figures: measured on the held-out phrasings that are not near-duplicates of
    # training ones (2026-11-30 evening, TF-IDF and logistic regression, which train
    # deterministically: French 96.5 % on 205, English 97.1 % on 81, every out-of-scope phrasing
    # declined in both languages). The targets are asserted.
    reports, median_ms = evaluate(parser, HELDOUT, dedupe=True)
    with capsys.disabled():
        print("\n" + format_report(reports, median_ms))
    french = next(r for r in reports if r.language == "fr")
    english = next(r for r in reports if r.language == "en")
    assert french.near_duplicates >= 10 and english.near_duplicates >= 10
    assert french.examples + french.near_duplicates == len(load_heldout(HELDOUT["fr"]))
    assert french.accuracy >= 0.95 and english.accuracy >= 0.95
    assert french.out_of_scope_fallback_rate == 1.0 and english.out_of_scope_fallback_rate == 1.0


def test_the_threshold_sweep_counts_what_a_person_would_get():
    from nlu.evaluate import threshold_sweep

    predictions = [("faq", "faq", 0.9), ("faq", "faq", 0.4), ("greet", "faq", 0.35),
                   ("out_of_scope", "faq", 0.3), ("out_of_scope", "out_of_scope", 0.8)]
    sweep = threshold_sweep(predictions, (0.0, 0.5))
    assert sweep[0.0] == {"right": 0.4, "wrong": 0.4, "unsure": 0.0, "declined": 0.5}
    assert sweep[0.5] == {"right": 0.2, "wrong": 0.0, "unsure": 0.2, "declined": 1.0}
