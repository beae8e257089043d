"""The operators' commands: adviser accounts (add, list, reset-password, revoke, unlock, disable,
enable), cases without contact data, and the outbox (what failed, retried). Each error is one
line and a non-zero exit."""
from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from typing import Any

from handoff import CaseRepository, Status
from handoff import outbox as outbox_rows
from handoff.advisers import (
    AdviserError,
    add_adviser,
    adviser_id_of,
    change_password,
    list_advisers,
    locked_ids,
    set_disabled,
    unlock,
)
from handoff.sessions import SessionStore

from .config import load_settings
from .maintenance import engine_for
from .store import make_cipher


def fail(message: str) -> int:
    print(f"assistant: {message}", file=sys.stderr)
    return 1


def _advisers_add(args: argparse.Namespace) -> int:

    typed = getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    password = os.environ.get("ADVISER_PASSWORD") or typed
    try:
        adviser = add_adviser(engine_for(load_settings()), args.login, password, args.role, args.region or [])
    except AdviserError as exc:
        return fail(str(exc))
    print(f"added {adviser.role} {adviser.login} ({', '.join(adviser.regions) or 'all regions'})")
    return 0


def _advisers_password(args: argparse.Namespace) -> int:
    typed = getpass.getpass("new password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    password = os.environ.get("ADVISER_PASSWORD") or typed
    try:
        revoked = change_password(engine_for(load_settings()), args.login, password)
    except AdviserError as exc:
        return fail(str(exc))
    print(f"password of {args.login} changed; {revoked} open session(s) ended")
    return 0


def _advisers_revoke(args: argparse.Namespace) -> int:
    engine = engine_for(load_settings())
    try:
        adviser_id = adviser_id_of(engine, args.login)
    except AdviserError as exc:
        return fail(str(exc))
    revoked = SessionStore(engine).revoke_all(adviser_id, "operator")
    print(f"{revoked} open session(s) of {args.login} ended")
    return 0


def _advisers_unlock(args: argparse.Namespace) -> int:
    engine = engine_for(load_settings())
    try:
        unlock(engine, adviser_id_of(engine, args.login), "operator")
    except AdviserError as exc:
        return fail(str(exc))
    print(f"{args.login} unlocked")
    return 0


def _advisers_switch(args: argparse.Namespace) -> int:
    try:
        ended = set_disabled(engine_for(load_settings()), args.login, args.disabled)
    except AdviserError as exc:
        return fail(str(exc))
    print(f"{args.login} disabled; {ended} open session(s) ended" if args.disabled else f"{args.login} enabled")
    return 0


def _cases_list(args: argparse.Namespace) -> int:
    settings = load_settings()
    repo = CaseRepository(engine_for(settings), make_cipher(settings))
    rows = repo.queue(statuses=tuple(Status))
    out = [
        {
            "reference": r["reference"],
            "status": r["status"],
            "priority": "urgent" if r["priority"] == 0 else "normal",
            "region": r["region"],
            "created_at": r["created_at"].isoformat(timespec="seconds"),
        }
        for r in rows
    ]
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for r in out:
            print(f"{r['reference']}  {r['status']:<9} {r['priority']:<6} {r['created_at']}  {r['region']}")
    return 0


def _advisers_list(args: argparse.Namespace) -> int:
    engine = engine_for(load_settings())
    locked, sessions = locked_ids(engine), SessionStore(engine).open_counts()
    for a in list_advisers(engine):
        state = "disabled" if a.disabled else "locked" if a.id in locked else "active"
        print(f"{a.login:<20} {a.role:<10} {state:<8} {sessions.get(a.id, 0)} session(s)  "
              f"{', '.join(a.regions) or 'all regions'}")
    return 0


def _outbox_list(args: argparse.Namespace) -> int:
    found = outbox_rows.rows(engine_for(load_settings()), "failed" if args.failed else None)
    for r in found:
        print(f"#{r['id']:<6} {r['kind']:<15} {r['status']:<8} {r['attempts']} attempt(s)  "
              f"{r['created_at']:%Y-%m-%d %H:%M}  {r['last_error'] or ''}")
    if not found:
        print("nothing" + (" failed" if args.failed else " in the outbox"))
    return 0


def _outbox_retry(args: argparse.Namespace) -> int:
    retried = outbox_rows.retry(engine_for(load_settings()), args.id)
    if args.id is not None and not retried:
        return fail(f"no failed outbox row #{args.id}")
    print(f"{retried} row(s) due again")
    return 0


def add_commands(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    advisers_cmd = commands.add_parser("advisers", help="adviser accounts of the console")
    advisers_sub = advisers_cmd.add_subparsers(dest="action", required=True, parser_class=parser_class)
    add = advisers_sub.add_parser(
        "add", help="create an account (password from ADVISER_PASSWORD, the terminal or stdin)"
    )
    add.add_argument("login")
    add.add_argument("--role", choices=["adviser", "supervisor", "editor"], default="adviser")
    add.add_argument("--region", action="append", help="a region the adviser handles (repeatable)")
    add.set_defaults(run=_advisers_add)
    password = advisers_sub.add_parser(
        "reset-password", aliases=["password"],
        help="set a new password (from ADVISER_PASSWORD, the terminal or stdin): every open session ends"
    )
    password.add_argument("login")
    password.set_defaults(run=_advisers_password)
    revoke = advisers_sub.add_parser("revoke", help="end every open console session of an account at once")
    revoke.add_argument("login")
    revoke.set_defaults(run=_advisers_revoke)
    unlocking = advisers_sub.add_parser("unlock", help="open an account locked by failed sign-ins")
    unlocking.add_argument("login")
    unlocking.set_defaults(run=_advisers_unlock)
    for name, disabled, said in (("disable", True, "a departure: no more sign-in, every open session ends"),
                                 ("enable", False, "a disabled account signs in again")):
        switch = advisers_sub.add_parser(name, help=said)
        switch.add_argument("login")
        switch.set_defaults(run=_advisers_switch, disabled=disabled)

    cases_cmd = commands.add_parser("cases", help="cases, for operators (no contact data)")
    cases_sub = cases_cmd.add_subparsers(dest="action", required=True, parser_class=parser_class)
    listing = cases_sub.add_parser("list", help="reference, status, priority, region, created time")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_cases_list)
    advisers_list = advisers_sub.add_parser("list", help="logins, roles, locked or not, open sessions, regions")
    advisers_list.set_defaults(run=_advisers_list)

    outbox_cmd = commands.add_parser("outbox", help="notifications and messages waiting, sent or failed")
    outbox_sub = outbox_cmd.add_subparsers(dest="action", required=True, parser_class=parser_class)
    outbox_listing = outbox_sub.add_parser("list", help="id, kind, status, attempts, last error (never the content)")
    outbox_listing.add_argument("--failed", action="store_true", help="only what failed after its last attempt")
    outbox_listing.set_defaults(run=_outbox_list)
    retrying = outbox_sub.add_parser("retry", help="make failed rows due again (all, or --id N)")
    retrying.add_argument("--id", type=int, default=None)
    retrying.set_defaults(run=_outbox_retry)
