"""Command line: `python -m rules_adapter assess [--on YYYY-MM-DD] [--locale fr|en]` and
`python -m rules_adapter budget`, JSON on stdin, JSON on stdout, one-line errors."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from . import BudgetError, FactsError, RulesError, assess, budget, next_question


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2, like every other error here
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date {text!r}, expected YYYY-MM-DD") from None


def _read_json() -> Any:
    raw = sys.stdin.read()
    if not raw.strip():
        raise ValueError("expected a JSON object on standard input, got nothing")
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"standard input is not valid JSON ({exc.msg} at line {exc.lineno})") from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = _Parser(prog="python -m rules_adapter", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    p_assess = commands.add_parser("assess", help="facts JSON on stdin -> assessment JSON")
    p_assess.add_argument("--on", type=_date, default=None, help="assess under the rules in force on this date")
    p_assess.add_argument("--locale", default="fr", choices=["fr", "en"])
    p_next = commands.add_parser("next", help="facts JSON on stdin -> next question JSON (null when decided)")
    p_next.add_argument("--on", type=_date, default=None)
    commands.add_parser("budget", help='{"incomes": {...}, "charges": {...}, "aids": {...}} -> debt ratio JSON')
    args = parser.parse_args(argv)
    try:
        data = _read_json()
        result: dict[str, Any] | None
        if args.command == "assess":
            result = assess(data, on=args.on, locale=args.locale).to_dict()
        elif args.command == "next":
            question = next_question(data, on=args.on)
            result = question.to_dict() if question else None
        else:
            if not isinstance(data, dict):
                raise BudgetError("expected a JSON object with incomes, charges and aids")
            extra = sorted(set(data) - {"incomes", "charges", "aids"})
            if extra:
                raise BudgetError(f"unknown field {extra[0]!r}; expected incomes, charges, aids")
            result = budget(data.get("incomes") or {}, data.get("charges"), data.get("aids")).to_dict()
    except (ValueError, FactsError, RulesError, BudgetError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
