"""Benchmark of the eligibility engine: prints microseconds per assess() and next_question().

    uv run python bench/rules_bench.py
"""
from __future__ import annotations

import datetime as dt
import timeit

from rules_adapter import assess, next_question

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


def main() -> None:
    print(f"{'case':40} {'assess µs':>10} {'next_question µs':>17}")
    for name, facts in CASES.items():
        a = per_call(lambda: assess(facts, on=ON))
        q = per_call(lambda: next_question(facts, on=ON))
        print(f"{name:40} {a:10.0f} {q:17.0f}")


if __name__ == "__main__":
    main()
