"""How well people are understood end to end, on sets written apart from the training data:
`uv run python bench/understanding.py [--model PATH]`.

- tests/nlu/long_messages.yml: long letters, stories, third-party situations, fragments,
  colloquial, SMS and English messages, and off-topic questions sharing the FAQ's words. A
  message is answered on topic when a reply carries the expected FAQ answer (or, for
  out-of-scope, carries none and starts nothing; for start_check, the check starts; for
  ask_human, the adviser's contact or the handoff notice); a message that reveals danger must
  show the emergency numbers.
- tests/bot/stories.yml: one-message stories; a fact is kept when the conversation's state holds
  it after that one message (and the check does not ask it).

The dialogue runs with the real NLU model and no storage; figures are printed, nothing asserted.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import time
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import nlu  # noqa: E402
from bot.dialogue import Dialogue  # noqa: E402
from bot.state import State  # noqa: E402
from rules_adapter.facts import location_of_postcode  # noqa: E402

LONG = ROOT / "tests" / "nlu" / "long_messages.yml"
STORIES = ROOT / "tests" / "bot" / "stories.yml"  # asserted by tests/bot/test_stories.py (rules tuned on it)
HELD_OUT_STORIES = ROOT / "tests" / "bot" / "stories_heldout.yml"  # never looked at while writing the rules
DECLINE = ("Je ne peux pas vous aider sur ce sujet", "I can't help you with that")
CHECK = ("Vérifions ensemble", "Let's check together")
ADVISER = ("09 70 800 800", "uniquement les conseillers sociaux", "only the social advisers")
NUMBERS = {"violences": ("17", "112", "3919"), "sans_logement": ("115",)}


def on_topic(expect: str, texts: list[str], content: nlu.FaqContent, locale: str) -> bool:
    joined = "\n".join(texts)
    answers = {key: content.answer(key, locale) for key in content.topics()}
    given = [key for key, answer in answers.items() if answer and answer in joined]
    if expect == "out_of_scope":
        return not given and not any(c in joined for c in CHECK)
    if expect.startswith("faq/"):
        return expect[4:] in given
    if expect == "start_check":
        return any(c in joined for c in CHECK)
    if expect == "ask_human":
        return any(a in joined for a in ADVISER)
    return False


async def run_long(dialogue: Dialogue, content: nlu.FaqContent) -> None:
    items = yaml.safe_load(LONG.read_text(encoding="utf-8"))
    by_kind: dict[str, list[bool]] = defaultdict(list)
    danger: list[bool] = []
    misses = []
    for item in items:
        state = State(locale=item["locale"], greeted=True)
        turn = await dialogue.handle(item["text"], state, item["locale"])
        texts = [r.text for r in turn.replies]
        ok = on_topic(item["expect"], texts, content, item["locale"])
        by_kind[item["kind"]].append(ok)
        if item.get("emergency"):
            shown = all(n in "\n".join(texts) for n in NUMBERS[item["emergency"]])
            danger.append(shown)
            ok = ok and shown
        if not ok:
            misses.append((item["expect"], item.get("emergency"), item["text"][:90], texts[0][:90] if texts else ""))
    total = [ok for oks in by_kind.values() for ok in oks]
    print(f"== long messages ({LONG.relative_to(ROOT)}): {len(items)}")
    print(f"answered on topic end to end: {sum(total) / len(total):.1%}")
    for kind, oks in sorted(by_kind.items()):
        print(f"  {kind:<11} {sum(oks):3d}/{len(oks):<3d} {sum(oks) / len(oks):.0%}")
    if danger:
        print(f"emergency numbers shown when danger is revealed: {sum(danger)}/{len(danger)}")
    print("misses (expected, danger, message, first reply):")
    for miss in misses:
        print("  ", miss)


def _kept(fact: str, expected, state: State) -> bool:
    facts = state.facts
    if fact == "housing_location":
        if "postcode" in facts:
            return location_of_postcode(facts["postcode"]) == expected
        return facts.get(fact) == expected
    if fact == "postcode":
        return facts.get("postcode") == expected
    if fact == "difficulties":
        return set(expected) <= set(facts.get(fact) or ())
    if fact in ("contract_months", "months_since_job_end", "company_size"):
        value = facts.get(fact)
        return isinstance(value, (int, float)) and abs(float(value) - float(expected)) <= max(0.15 * float(expected), 0.2)
    return facts.get(fact) == expected


async def run_stories(dialogue: Dialogue, path: Path) -> None:
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    per_fact: dict[str, list[bool]] = defaultdict(list)
    whole = 0
    for item in items:
        state = State(locale=item["locale"], greeted=True)
        await dialogue.handle(item["text"], state, item["locale"])
        kept = {fact: _kept(fact, value, state) for fact, value in item["facts"].items()}
        for fact, ok in kept.items():
            per_fact[fact].append(ok)
        whole += all(kept.values())
    print(f"== stories ({path.relative_to(ROOT)}): {len(items)}; every fact kept: {whole}/{len(items)}")
    for fact, oks in sorted(per_fact.items()):
        print(f"  {fact:<22} recall {sum(oks):3d}/{len(oks):<3d} {sum(oks) / len(oks):.0%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=None, help="a model .tar.gz (default: the newest in models/)")
    args = parser.parse_args()
    model = args.model or nlu.latest_model(ROOT / "models")
    if model is None:
        raise SystemExit("no model: train one with `uv run assistant nlu train`, or pass --model")
    from nlu.parsing import InProcessParser

    started = time.perf_counter()
    nlu_parser = InProcessParser(Path(model))
    print(f"model {Path(model).name} loaded in {time.perf_counter() - started:.1f} s")
    content = nlu.FaqContent()
    dialogue = Dialogue(nlu_parser, content, today=lambda: dt.date(2026, 1, 1))
    asyncio.run(run_long(dialogue, content))
    for path in (STORIES, HELD_OUT_STORIES):
        asyncio.run(run_stories(dialogue, path))


if __name__ == "__main__":
    main()
