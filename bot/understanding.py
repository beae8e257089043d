"""How well people are understood end to end: the dialogue with the real model reads sets
written apart from the training data, and what the person gets back is scored.

- Long messages (letters, stories, third-party situations, fragments, colloquial, SMS,
  English, off-topic questions sharing the FAQ's words): a message is answered on topic when a
  reply carries the expected FAQ answer (for out-of-scope: carries none and starts nothing;
  start_check: the check starts; ask_human: the adviser's number or the handoff notice); a
  message that reveals danger must show the emergency numbers in the same turn.
- One-message stories: the facts the conversation holds after that one message, against the
  facts the story states, per fact: precision (a fact kept is right) and recall (a fact given
  is kept). A difficulty counts once per value.

`assistant nlu evaluate` prints both; bench/understanding.py runs them on any model.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

import nlu
from nlu.evaluate import near_duplicates, training_phrasings
from rules_adapter.facts import location_of_postcode

from .dialogue import Dialogue
from .service_info import PHONE
from .state import State

ROOT = Path(__file__).resolve().parent.parent
SETS = ROOT / "tests"
# Written apart from the training data and never tuned on: the figures the README reports.
LONG_TEST = SETS / "nlu" / "long_messages_test.yml"
# A second test set, written later by someone who read only the seeds and the FAQ's answers.
LONG_TEST_2 = SETS / "nlu" / "long_messages_test_2.yml"
# A third, written by someone who read only the seeds and the FAQ, to the first set's kinds and
# difficulty (implied questions, third parties), and measured once before any change.
LONG_TEST_3 = SETS / "nlu" / "long_messages_test_3.yml"
# Every long-message set never tuned on, as `assistant nlu evaluate` and the benchmark print them.
LONG_TESTS = ((LONG_TEST, "test set"), (LONG_TEST_2, "second test set"), (LONG_TEST_3, "third test set"))
FACTS_TEST = SETS / "nlu" / "facts_test.yml"
# Written apart too, but looked at while writing the data and the rules: development sets.
LONG_DEV = SETS / "nlu" / "long_messages.yml"
# The next three were written from the seeds and the FAQ only, then read (2026-11-30 night).
# Long English messages, French letters and fragments:
LONG_DEV_2 = SETS / "nlu" / "long_messages_dev_2.yml"
# The third test set's kinds, to its brief:
LONG_DEV_3 = SETS / "nlu" / "long_messages_dev_3.yml"
# Formal letters only, French and English:
LONG_DEV_4 = SETS / "nlu" / "long_messages_dev_4.yml"
LONG_DEVS = ((LONG_DEV, "development set"), (LONG_DEV_2, "second development set"),
             (LONG_DEV_3, "third development set"), (LONG_DEV_4, "fourth development set"))
FACTS_DEV = (SETS / "bot" / "stories.yml", SETS / "bot" / "stories_heldout.yml", SETS / "bot" / "stories_job_end.yml")

DECLINE = ("Je ne peux pas vous aider sur ce sujet", "I can't help you with that")
CHECK = ("Vérifions ensemble", "Let's check together")
ADVISER = (PHONE, "uniquement les conseillers sociaux", "only the social advisers")
NUMBERS = {"violences": ("17", "112", "3919"), "sans_logement": ("115",)}
# Numbers are kept when close enough: "une quinzaine" for 14 employees, "six semaines" for 1.4 months.
NUMERIC = ("contract_months", "months_since_job_end", "company_size")


def load(path: Path) -> list[dict[str, Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or []


def dialogue_for(parser: nlu.Parser) -> Dialogue:
    """The dialogue as served, without storage, on a fixed date (the rules depend on it)."""
    return Dialogue(parser, nlu.FaqContent(), today=lambda: dt.date(2026, 1, 1))


def on_topic(expect: str, texts: list[str], content: nlu.FaqContent) -> bool:
    joined = "\n".join(texts)
    given = [key for key in content.topics()
             for locale in ("fr", "en") if (answer := content.answer(key, locale)) and answer in joined]
    if expect == "out_of_scope":
        return not given and not any(c in joined for c in CHECK)
    if expect.startswith("faq/"):
        return expect[4:] in given
    if expect == "start_check":
        return any(c in joined for c in CHECK)
    if expect == "ask_human":
        return any(a in joined for a in ADVISER)
    return False


@dataclass
class LongReport:
    name: str
    by_kind: dict[str, list[bool]] = field(default_factory=lambda: defaultdict(list))
    danger: list[bool] = field(default_factory=list)
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # expected, message, first reply
    near_duplicates: int = 0  # set aside: too close to a training phrasing to measure anything

    @property
    def rate(self) -> float:
        oks = [ok for oks in self.by_kind.values() for ok in oks]
        return sum(oks) / len(oks) if oks else 0.0

    def format(self, misses: bool = False) -> str:
        total = sum(len(v) for v in self.by_kind.values())
        aside = (
            f" ({self.near_duplicates} near-duplicates of training phrasings set aside)" if self.near_duplicates else ""
        )
        lines = [f"== long messages, {self.name}: {total}{aside}", f"answered on topic end to end: {self.rate:.1%}"]
        for kind, oks in sorted(self.by_kind.items()):
            lines.append(f"  {kind:<12} {sum(oks):3d}/{len(oks):<3d} {sum(oks) / len(oks):.0%}")
        if self.danger:
            lines.append(f"emergency numbers shown when danger is revealed: {sum(self.danger)}/{len(self.danger)}")
        if misses and self.misses:
            lines.append("misses (expected | message | first reply):")
            lines.extend(f"  {e} | {m} | {r}" for e, m, r in self.misses)
        return "\n".join(lines)


def pooled(reports: list[LongReport], name: str) -> LongReport:
    """Several sets' messages as one: the figure on everything written apart."""
    report = LongReport(name)
    for part in reports:
        for kind, oks in part.by_kind.items():
            report.by_kind[kind].extend(oks)
        report.danger.extend(part.danger)
        report.misses.extend(part.misses)
        report.near_duplicates += part.near_duplicates
    return report


async def long_messages(dialogue: Dialogue, items: list[dict[str, Any]], name: str) -> LongReport:
    """The messages too close to a training phrasing (nlu.evaluate's near-duplicates) are set
    aside and counted."""
    report = LongReport(name)
    close = near_duplicates([item["text"] for item in items], training_phrasings())
    report.near_duplicates = len(close)
    for item in items:
        if item["text"] in close:
            continue
        state = State(locale=item["locale"], greeted=True)
        turn = await dialogue.handle(item["text"], state, item["locale"])
        texts = [r.text for r in turn.replies]
        ok = on_topic(item["expect"], texts, dialogue.content)
        if item.get("emergency"):
            shown = all(n in "\n".join(texts) for n in NUMBERS[item["emergency"]])
            report.danger.append(shown)
            ok = ok and shown
        report.by_kind[item["kind"]].append(ok)
        if not ok:
            report.misses.append((item["expect"], item["text"][:90], texts[0][:90] if texts else ""))
    return report


def _same(fact: str, expected: Any, kept: Any) -> bool:
    if fact in NUMERIC:
        return isinstance(kept, (int, float)) and abs(float(kept) - float(expected)) <= max(0.15 * float(expected), 0.2)
    return kept == expected


def kept_facts(state: State, stated: dict[str, Any]) -> dict[str, Any]:
    """The facts the conversation holds, named as the story names them: a postcode also says
    where the home is."""
    facts = dict(state.facts)
    if "postcode" in facts and "housing_location" not in facts and "postcode" not in stated:
        facts["housing_location"] = location_of_postcode(facts["postcode"])
    if "postcode" in facts and "housing_location" in stated and "postcode" in stated:
        facts["housing_location"] = location_of_postcode(facts["postcode"])
    return {k: v for k, v in facts.items() if k not in ("occupancy", "disaster")}


@dataclass
class FactsReport:
    name: str
    stories: int = 0
    whole: int = 0  # stories with every stated fact kept and nothing wrong added
    counts: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0]))  # tp, fp, fn
    errors: list[tuple[str, str]] = field(default_factory=list)

    def precision(self, fact: str) -> float:
        tp, fp, _ = self.counts[fact]
        return tp / (tp + fp) if tp + fp else 1.0

    def recall(self, fact: str) -> float:
        tp, _, fn = self.counts[fact]
        return tp / (tp + fn) if tp + fn else 1.0

    def format(self, errors: bool = False) -> str:
        lines = [
            f"== facts from one-message stories, {self.name}: {self.stories}; "
            f"every fact kept and none wrong: {self.whole}/{self.stories}",
            f"  {'fact':<22} precision  recall   (tp fp fn)",
        ]
        for fact in sorted(self.counts):
            tp, fp, fn = self.counts[fact]
            lines.append(f"  {fact:<22} {self.precision(fact):9.0%} {self.recall(fact):7.0%}   ({tp} {fp} {fn})")
        if errors and self.errors:
            lines.append("errors (story | fact: stated -> kept):")
            lines.extend(f"  {s} | {e}" for s, e in self.errors)
        return "\n".join(lines)


async def facts(dialogue: Dialogue, items: list[dict[str, Any]], name: str) -> FactsReport:
    report = FactsReport(name)
    for item in items:
        state = State(locale=item["locale"], greeted=True)
        await dialogue.handle(item["text"], state, item["locale"])
        stated = dict(item["facts"])
        kept = kept_facts(state, stated)
        wrong = []
        for fact in set(stated) | set(kept):
            counts = report.counts[fact]
            if fact == "difficulties":
                want, got = set(stated.get(fact) or ()), set(kept.get(fact) or ())
                counts[0] += len(want & got)
                counts[1] += len(got - want)
                counts[2] += len(want - got)
                if want != got:
                    wrong.append(f"{fact}: {sorted(want)} -> {sorted(got)}")
            elif fact in stated and fact in kept and _same(fact, stated[fact], kept[fact]):
                counts[0] += 1
            else:
                counts[1] += fact in kept
                counts[2] += fact in stated
                wrong.append(f"{fact}: {stated.get(fact)} -> {kept.get(fact)}")
        report.stories += 1
        report.whole += not wrong
        report.errors.extend((item["text"][:70], w) for w in wrong)
    return report
