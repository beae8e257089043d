"""How well people are understood end to end, on sets written apart from the training data:
`uv run python bench/understanding.py [--model PATH] [--misses]`.

Runs bot/understanding.py's two measures (long messages answered on topic; facts kept from a
one-message story, precision and recall per fact) on the test sets, never tuned on, and on the
development sets, looked at while writing the data and the rules. The dialogue runs with the
real NLU model and no storage; figures are printed, nothing asserted.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import nlu  # noqa: E402
from bot import understanding as u  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=None, help="a model .tar.gz (default: the newest in models/)")
    parser.add_argument("--misses", action="store_true", help="list the messages and facts missed")
    parser.add_argument("--test-only", action="store_true", help="only the sets never tuned on")
    args = parser.parse_args()
    model = args.model or nlu.latest_model(ROOT / "models")
    if model is None:
        raise SystemExit("no model: train one with `uv run assistant nlu train`, or pass --model")
    from nlu.parsing import InProcessParser

    started = time.perf_counter()
    dialogue = u.dialogue_for(InProcessParser(Path(model)))
    print(f"model {Path(model).name} loaded in {time.perf_counter() - started:.1f} s")

    async def long_sets(sets: tuple[tuple[Path, str], ...], suffix: str = "") -> list[u.LongReport]:
        reports = []
        for path, name in sets:
            report = await u.long_messages(dialogue, u.load(path), f"{name}{suffix} ({path.relative_to(ROOT)})")
            reports.append(report)
            print(report.format(misses=args.misses))
        return reports

    async def run() -> None:
        print(u.pooled(await long_sets(u.LONG_TESTS, ", never tuned on"), "every test set together").format())
        stories = [("test set, never tuned on", [u.FACTS_TEST])]
        if not args.test_only:
            await long_sets(u.LONG_DEVS)
            stories.append(("development sets", list(u.FACTS_DEV)))
        for name, paths in stories:
            items = [item for path in paths for item in u.load(path)]
            report = await u.facts(dialogue, items, f"{name} ({', '.join(str(p.relative_to(ROOT)) for p in paths)})")
            print(report.format(errors=args.misses))

    asyncio.run(run())


if __name__ == "__main__":
    main()
