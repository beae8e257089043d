"""Benchmark of the eligibility engine: prints microseconds per assess() and next_question().

    uv run python bench/rules_bench.py
"""
from __future__ import annotations

import datetime as dt
import timeit

from rules_adapter import assess, engine, next_question

ON = dt.date(2026, 1, 1)
CASES = {
    "nothing known": {},
    "first message (CDI + unpaid rent)": {"contract": "cdi", "difficulties": ["impayes_loyer"]},
    "halfway": {"difficulties": ["separation"], "situation": "salarie", "sector": "prive_non_agricole"},
    "decided": {"situation": "salarie", "sector": "prive_non_agricole", "company_size": 200,
                "contract": "cdi", "difficulties": ["impayes_loyer"], "housing_location": "metropole"},
}


def per_call(fn, number: int = 2000) -> float:
    return min(timeit.repeat(fn, number=number, repeat=5)) / number * 1e6


def uncached(fn):
    """The first time these facts are seen: the engine keeps its answers for facts seen before."""
    def call():
        engine.clear_memos()
        return fn()
    return call


def main() -> None:
    print(f"{'case':40} {'assess µs':>10} {'next_question µs':>17}   first time seen: {'assess':>7} {'next':>6}")
    for name, facts in CASES.items():
        a = per_call(lambda facts=facts: assess(facts, on=ON))
        q = per_call(lambda facts=facts: next_question(facts, on=ON))
        a0 = per_call(uncached(lambda facts=facts: assess(facts, on=ON)), number=500)
        q0 = per_call(uncached(lambda facts=facts: next_question(facts, on=ON)), number=500)
        print(f"{name:40} {a:10.0f} {q:17.0f}   {'':16}{a0:7.0f} {q0:6.0f}")


if __name__ == "__main__":
    main()
