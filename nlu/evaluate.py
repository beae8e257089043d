"""`assistant nlu evaluate`: intent accuracy and per-intent F1 on the held-out phrasings, the
most confused pairs, out-of-scope fallback rate, a confusion plot; cross-validation on request."""
from __future__ import annotations

import asyncio
import json
import re
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from . import project
from .check import _examples
from .parsing import FALLBACK, Parser, quiet_rasa
from .project import data_files, normalize

OUT_OF_SCOPE = "out_of_scope"


@dataclass
class LanguageReport:
    language: str
    examples: int
    accuracy: float
    out_of_scope_fallback_rate: float | None
    per_intent: dict[str, dict[str, float]]
    confused_pairs: list[tuple[str, str, int]]
    errors: list[dict[str, str]] = field(default_factory=list)
    near_duplicates: int = 0  # held-out phrasings set aside as too close to a training phrasing


def load_heldout(path: Path) -> list[tuple[str, str]]:
    items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [(str(i["text"]), str(i["intent"])) for i in items]


# A held-out phrasing this close to a training phrasing (Jaccard of their words, accents and
# case folded) measures memory, not generalisation: it is set aside. At 0.7 (seven words shared
# out of ten) 8.8 % of the French and 17.1 % of the English held-out phrasings go (0.8: 3.6 % and
# 8.1 %; 0.6: 18.9 % and 27.6 %, where distinct questions on one topic start to look alike).
NEAR_DUPLICATE = 0.7


def training_phrasings() -> list[frozenset[str]]:
    """The word sets of every training example (all languages, all intents)."""

    return [frozenset(re.findall(r"[a-z0-9']+", normalize(text)))
            for path in data_files() for _, _, text in _examples(path)]


def near_duplicates(texts: list[str], training: list[frozenset[str]], threshold: float = NEAR_DUPLICATE) -> set[str]:
    """The texts whose words are nearly those of a training phrasing."""

    index: dict[str, list[int]] = defaultdict(list)
    for n, words in enumerate(training):
        for word in words:
            index[word].append(n)
    out = set()
    for text in texts:
        words = frozenset(re.findall(r"[a-z0-9']+", normalize(text)))
        if not words:
            continue
        candidates = {n for word in words for n in index.get(word, ())}
        for n in candidates:
            other = training[n]
            if len(words & other) / len(words | other) >= threshold:
                out.add(text)
                break
    return out


def _correct(expected: str, predicted: str) -> bool:
    # Out of scope is right when the model says so or falls back: either way no FAQ answer is
    # given and the bot says it cannot help with that.
    if expected == OUT_OF_SCOPE:
        return predicted in (OUT_OF_SCOPE, FALLBACK)
    return expected == predicted


def score(language: str, pairs: list[tuple[str, str, str]]) -> LanguageReport:
    """pairs: (text, expected, predicted)."""
    total = len(pairs)
    correct = sum(_correct(e, p) for _, e, p in pairs)
    labels = sorted({e for _, e, _ in pairs} | {p for _, _, p in pairs})
    per_intent: dict[str, dict[str, float]] = {}
    for label in labels:
        tp = sum(1 for _, e, p in pairs if e == label and _correct(e, p))
        fp = sum(1 for _, e, p in pairs if p == label and not _correct(e, p))
        fn = sum(1 for _, e, p in pairs if e == label and not _correct(e, p))
        support = sum(1 for _, e, _ in pairs if e == label)
        if support == 0 and fp == 0:
            continue
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_intent[label] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
    confusions = Counter((e, p) for _, e, p in pairs if not _correct(e, p))
    oos = [(e, p) for _, e, p in pairs if e == OUT_OF_SCOPE]
    rate = sum(_correct(e, p) for e, p in oos) / len(oos) if oos else None
    errors = [{"text": t, "expected": e, "predicted": p} for t, e, p in pairs if not _correct(e, p)]
    return LanguageReport(language, total, correct / total if total else 0.0, rate, per_intent,
                          [(a, b, n) for (a, b), n in confusions.most_common(10)], errors)


def evaluate(parser: Parser, heldout: dict[str, Path], dedupe: bool = False) -> tuple[list[LanguageReport], float]:
    """Reports per language, and the median parse latency in milliseconds. With `dedupe`, the
    held-out phrasings too close to a training phrasing are set aside (and counted)."""
    reports = []
    latencies: list[float] = []
    training = training_phrasings() if dedupe else []

    async def run():
        for language, path in heldout.items():
            items = load_heldout(path)
            close = near_duplicates([t for t, _ in items], training) if dedupe else set()
            items = [(t, e) for t, e in items if t not in close]
            pairs = []
            for text, expected in items:
                started = time.perf_counter()
                result = await parser.parse(text, language)
                latencies.append((time.perf_counter() - started) * 1000)
                pairs.append((text, expected, result.intent))
            report = score(language, pairs)
            report.near_duplicates = len(close)
            reports.append(report)

    asyncio.run(run())
    latencies.sort()
    median = latencies[len(latencies) // 2] if latencies else 0.0
    return reports, median


def format_report(reports: list[LanguageReport], median_ms: float) -> str:
    lines = []
    for r in reports:
        aside = (
            f" ({r.near_duplicates} near-duplicates of training phrasings set aside, word Jaccard >= {NEAR_DUPLICATE})"
            if r.near_duplicates
            else ""
        )
        lines.append(f"== {r.language}: {r.examples} held-out phrasings{aside}")
        lines.append(f"intent accuracy: {r.accuracy:.1%}")
        if r.out_of_scope_fallback_rate is not None:
            lines.append(f"out-of-scope phrasings not answered with an FAQ: {r.out_of_scope_fallback_rate:.1%}")
        weakest = sorted(r.per_intent.items(), key=lambda kv: (kv[1]["f1"], kv[0]))
        lines.append("per-intent F1 (weakest first):")
        for name, m in weakest:
            lines.append(
                f"  {m['f1']:.2f}  P={m['precision']:.2f} R={m['recall']:.2f} n={int(m['support']):3d}  {name}"
            )
        if r.confused_pairs:
            lines.append("most confused (expected -> predicted):")
            for expected, predicted, n in r.confused_pairs:
                lines.append(f"  {n} x {expected} -> {predicted}")
    lines.append(f"median parse latency: {median_ms:.1f} ms")
    return "\n".join(lines)


def save(reports: list[LanguageReport], median_ms: float, out_dir: Path) -> tuple[Path, Path | None]:
    out_dir.mkdir(parents=True, exist_ok=True)
    report_file = out_dir / "nlu_report.json"
    report_file.write_text(
        json.dumps(
            {"median_parse_ms": median_ms, "languages": [asdict(r) for r in reports]}, ensure_ascii=False, indent=2
        ),
        encoding="utf-8",
    )
    return report_file, confusion_plot(reports, out_dir / "nlu_confusion.png")


def confusion_plot(reports: list[LanguageReport], path: Path) -> Path | None:
    """A confusion matrix of the first language, restricted to the intents involved in errors
    (40 topics on one axis are unreadable), errors only."""
    from matplotlib.figure import Figure  # matplotlib's import is a second: only when a plot is drawn

    counts: dict[tuple[str, str], int] = defaultdict(int)
    for r in reports:
        for e in r.errors:
            counts[(e["expected"], e["predicted"])] += 1
    if not counts:
        return None
    rows = sorted({a for a, _ in counts})
    cols = sorted({b for _, b in counts})
    matrix = [[counts.get((a, b), 0) for b in cols] for a in rows]
    fig = Figure(figsize=(max(6, len(cols) * 0.45 + 3), max(4, len(rows) * 0.35 + 2)))
    ax = fig.subplots()
    ax.imshow(matrix, cmap="Reds")
    ax.set_xticks(range(len(cols)), cols, rotation=70, ha="right", fontsize=7)
    ax.set_yticks(range(len(rows)), rows, fontsize=7)
    for i, row in enumerate(matrix):
        for j, n in enumerate(row):
            if n:
                ax.text(j, i, str(n), ha="center", va="center", fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("expected")
    ax.set_title("Held-out errors (all languages)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return path


THRESHOLDS = (0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6)


def cross_validate(folds: int, out_dir: Path) -> str:
    """Rasa's k-fold cross-validation over the whole training data (slow: trains k models),
    with the fallback threshold at 0 so that every test-fold prediction keeps its confidence;
    then, for each threshold, what the person would get: a right answer, a wrong one, or "je ne
    suis pas sûr d'avoir compris" instead of a right one (or, for out-of-scope, a decline)."""
    # Rasa's import (and TensorFlow's) takes seconds: only for a cross-validation.
    from rasa.model_testing import perform_nlu_cross_validation
    from rasa.shared.importers.importer import TrainingDataImporter
    from rasa.shared.utils.io import read_yaml_file

    quiet_rasa()  # its debug logs print the phrasings of each fold
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nlu-cv-") as tmp:
        config, data, domain = project.build(Path(tmp))
        # The importer joins the FAQ responses of the domain to the examples, as training does.
        training_data = TrainingDataImporter.load_from_config(str(config), str(domain), [str(data)]).get_nlu_data()
        settings = read_yaml_file(str(config))
        current = 0.3  # Rasa's default, when the pipeline has no FallbackClassifier
        for component in settings["pipeline"]:
            if component["name"] == "FallbackClassifier":
                current = float(component.get("threshold", 0.3))
                component["threshold"] = 0.0
        asyncio.run(
            perform_nlu_cross_validation(
                settings,
                training_data,
                str(out_dir),
                {"folds": folds, "disable_plotting": True, "successes": True, "errors": True},
            )
        )
    report = out_dir / "intent_report.json"
    if not report.exists():
        return "cross-validation produced no report"
    data = json.loads(report.read_text())
    predictions = []
    for name in ("intent_successes.json", "intent_errors.json"):
        path = out_dir / name
        if path.exists():
            predictions += [
                (p["intent"], p["intent_prediction"]["name"], float(p["intent_prediction"]["confidence"] or 0.0))
                for p in json.loads(path.read_text())
            ]
    lines = [
        f"cross-validation ({folds} folds, {len(predictions)} test-fold predictions): intent accuracy "
        f"{data.get('accuracy', float('nan')):.1%}, weighted F1 {data['weighted avg']['f1-score']:.3f}",
        "fallback threshold: right answer / wrong answer / not sure instead of right (out-of-scope declined)",
    ]
    for threshold, row in threshold_sweep(predictions).items():
        mark = "  <- nlu/config.yml" if abs(threshold - current) < 1e-9 else ""
        lines.append(
            f"  {threshold:4.2f}  {row['right']:6.1%} / {row['wrong']:5.1%} / {row['unsure']:5.1%}"
            f"   ({row['declined']:.1%}){mark}"
        )
    return "\n".join(lines)


def threshold_sweep(
    predictions: list[tuple[str, str, float]], thresholds: tuple[float, ...] = THRESHOLDS
) -> dict[float, dict[str, float]]:
    """(expected, predicted, confidence) -> per threshold, the share of messages answered right,
    answered wrong (the harm: an answer to a question nobody asked), and left unsure although
    the model was right; and the share of out-of-scope messages declined."""
    out = {}
    total = len(predictions) or 1
    oos = [p for p in predictions if p[0] == OUT_OF_SCOPE] or [("", "", 0.0)]
    for t in thresholds:
        answered = [(e, p) for e, p, c in predictions if c >= t and p != OUT_OF_SCOPE]
        out[t] = {
            "right": sum(e == p for e, p in answered) / total,
            "wrong": sum(e != p for e, p in answered) / total,
            "unsure": sum(1 for e, p, c in predictions if c < t and e == p and e != OUT_OF_SCOPE) / total,
            "declined": sum(1 for e, p, c in oos if p == OUT_OF_SCOPE or c < t) / len(oos),
        }
    return out
