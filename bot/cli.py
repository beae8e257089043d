"""The `assistant` command: serve, nlu train/evaluate, content check/reload."""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import uvicorn
from cryptography.fernet import Fernet

import nlu
from handoff import Cipher
from handoff.rotation import rotate_all
from nlu import project
from nlu.content import SITUATION_FACTS
from rules_adapter import scenarios
from rules_adapter.rules import check_files, questions

from . import logs, operators
from . import understanding as u
from .config import ROOT, PortBusy, check_port, load_settings
from .feedback import SampleStore, UnderstandingLog
from .maintenance import engine_for, run_purge
from .store import conversations, make_cipher


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        print(f"assistant: {message}", file=sys.stderr)
        raise SystemExit(2)


_fail = operators.fail


def _pid_file(settings) -> Path:
    return settings.var_dir / "assistant.pid"


def _serve(args: argparse.Namespace) -> int:
    from .web import create_app  # the web app's import (Starlette, the console, the channels) is seconds

    settings = load_settings()
    host, port = args.host or settings.host, args.port or settings.port
    try:
        check_port(host, port)  # before the database, the model and its training
    except PortBusy as exc:
        return _fail(str(exc))
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    _pid_file(settings).write_text(str(os.getpid()))
    try:
        app = create_app(settings)
    except ValueError as exc:  # a setting out of range (e.g. OUTBOX_LEASE_SECONDS)
        return _fail(str(exc))
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=settings.log_level,
        log_config=None,  # uvicorn's records go through our handler (bot/logs.py), as JSON lines
        access_log=False,  # request lines carry client addresses and ids, and nothing useful
        # The console throttles sign-ins per client address: behind the proxy, the address it
        # forwards (X-Forwarded-For from FORWARDED_ALLOW_IPS, 127.0.0.1 by default).
        proxy_headers=True,
        server_header=False,
        ws="none",  # no websockets here; Rasa pins an old `websockets` uvicorn cannot use
    )
    return 0


def _nlu_train(args: argparse.Namespace) -> int:

    settings = load_settings()
    models = Path(args.models) if args.models else settings.models_dir
    path, trained = nlu.train(models, force=args.force, data_dir=Path(args.data) if args.data else None)
    if trained:
        print(f"trained {path}")
    else:
        print(f"data and config unchanged: {path} is up to date (use --force to retrain)")
    return 0


def _nlu_evaluate(args: argparse.Namespace) -> int:

    settings = load_settings()
    out_dir = Path(args.out)
    if args.cross_validation:
        print(nlu.cross_validate(args.cross_validation, out_dir / "cross_validation"))
        return 0
    heldout = {lang: ROOT / "tests" / "nlu" / f"heldout_{lang}.yml" for lang in ("fr", "en")}
    try:
        parser = nlu.InProcessParser(Path(args.model)) if args.model else nlu.load_parser(
            settings.models_dir, settings.rasa_url)
    except (nlu.NluUnavailable, OSError) as exc:
        return _fail(str(exc))
    reports, median = nlu.evaluate(parser, heldout, dedupe=True)
    if args.json:  # the editor's publishing gate reads this
        print(json.dumps({r.language: {"accuracy": r.accuracy, "examples": r.examples} for r in reports}))
        return 0
    print(nlu.format_report(reports, median))
    report_file, plot = nlu.save_report(reports, median, out_dir)
    print(f"report: {report_file}" + (f", confusion plot: {plot}" if plot else ""))
    print(asyncio.run(_end_to_end(parser, args.misses)))
    return 0


async def _end_to_end(parser, misses: bool) -> str:
    """The sets never tuned on, through the whole dialogue: long messages answered on topic,
    and the facts kept from one-message stories."""
    dialogue = u.dialogue_for(parser)
    longs = [await u.long_messages(dialogue, u.load(path), f"{name} (never tuned on)") for path, name in u.LONG_TESTS]
    every = u.pooled(longs, "every test set together")
    facts = await u.facts(dialogue, u.load(u.FACTS_TEST), "test set (never tuned on)")
    return "\n".join([*(r.format(misses) for r in longs), every.format(), facts.format(misses)])


def _nlu_feedback(args: argparse.Namespace) -> int:

    if args.weeks < 1:
        return _fail("--weeks must be at least 1")
    settings = load_settings()
    if args.texts:

        shared = SampleStore(_engine(settings), make_cipher(settings)).weeks(args.weeks)
        if args.json:
            print(json.dumps(shared, ensure_ascii=False, indent=2))
            return 0
        if not shared:
            print("no message shared: a person shares one only by pressing the button offered when not understood")
        for r in shared:
            print(f"{r['week']:<9} {r['locale']}  {r['topic']:<32} {r['text']}")
        return 0
    rows = UnderstandingLog(_engine(settings)).weeks(args.weeks)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("nothing counted yet: messages not understood are counted per week once the server runs")
        return 0
    print(f"{'week':<9} {'kind':<15} {'count':>5}  topic (what the model leaned to)")
    for r in rows:
        print(f"{r['week']:<9} {r['kind']:<15} {r['count']:>5}  {r['topic']}")
    return 0


def _content_check(args: argparse.Namespace) -> int:

    # The rules, their questions and texts (file: key: message), then the FAQ and training data.
    problems = [*check_files(), *nlu.run_checks(with_rasa=not args.skip_rasa), *_situation_problems()]
    return _report(problems, "problem(s)", "content check passed")


def _content_scenarios(args: argparse.Namespace) -> int:
    """The rules' personas (tests/rules_adapter/scenarios.yml) against these rule files: the
    console's gate runs this before publishing a change to the rules, questions or texts."""
    failed = scenarios.run(Path(args.rules) if args.rules else None,
                           Path(args.questions) if args.questions else None,
                           Path(args.texts) if args.texts else None)
    return _report(failed, "persona(s) or problem(s)", "every persona holds")


def _report(found: Sequence[object], counted: str, passed: str) -> int:
    """Each thing found on a line and how many on stderr (exit 1), or that all passed."""
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} {counted}", file=sys.stderr)
        return 1
    print(passed)
    return 0


def _situation_problems() -> list[str]:
    """An FAQ topic's `situations` name facts and values the questionnaire knows."""

    known = {fact: set(spec.get("choices") or ()) for fact, spec in questions().items()}
    problems = []
    try:
        topics = nlu.FaqContent(project.CONTENT_FILE).topics().values()
    except nlu.ContentError:
        return []  # run_checks reports the broken file
    for topic in topics:
        for fact, values in topic.situations:
            unknown = sorted(set(values) - known.get(fact, set()))
            if fact not in SITUATION_FACTS or unknown:
                problems.append(f"{project.CONTENT_FILE}: topic {topic.key}: situations: {fact} {', '.join(unknown)} "
                                f"is not a told difficulty, contract, situation or sector the questionnaire knows")
    return problems


def _content_reload(args: argparse.Namespace) -> int:
    settings = load_settings()
    try:
        pid = int(_pid_file(settings).read_text())
        os.kill(pid, signal.SIGHUP)
    except (OSError, ValueError):
        return _fail("no running server found (var/assistant.pid); start it with `assistant serve`")
    print(f"asked server {pid} to reload its content")
    return 0


def _engine(settings):

    return engine_for(settings)


def _db_upgrade(args: argparse.Namespace) -> int:
    _engine(load_settings())
    print("database schema is up to date")
    return 0


def _purge(args: argparse.Namespace) -> int:
    report = run_purge(load_settings())
    print(
        f"purged {report.conversations} conversation(s), anonymised {report.anonymised_cases} case(s), "
        f"deleted {report.audit_events} audit event(s), {report.shared_messages} shared message(s), "
        f"{report.notifications} notification(s) and {report.telegram_updates} Telegram update id(s)"
    )
    return 0


def _keys_generate(args: argparse.Namespace) -> int:

    print(Fernet.generate_key().decode())
    return 0


def _keys_rotate(args: argparse.Namespace) -> int:

    settings = load_settings()
    keys = settings.handoff_keys
    if not keys:
        return _fail("set HANDOFF_KEYS to the new key followed by the old one(s) first")
    count = rotate_all(_engine(settings), Cipher.from_config(str(keys), settings.var_dir), [(conversations, "state")])
    print(f"re-encrypted {count} value(s) with the newest key")
    return 0


def _configure_logs(args: argparse.Namespace) -> None:
    """Once, for every command. `serve` writes JSON lines for the log collector by default and
    logs what nobody caught like any record (without its message); the other commands are run
    by a person, who reads text. Training handles no personal data: Rasa's progress shows."""
    settings = load_settings()
    serving = args.run is _serve
    logs.configure(
        settings.log_format or ("json" if serving else "text"),
        settings.log_level,
        library_level=logging.INFO if args.run is _nlu_train else logs.LIBRARY_LEVEL,
        catch_uncaught=serving,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = _Parser(prog="assistant", description="Housing-difficulty assistant")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    serve = commands.add_parser("serve", help="run the web chat, REST endpoint and console")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.set_defaults(run=_serve)

    nlu_cmd = commands.add_parser("nlu", help="train or evaluate the language model")
    nlu_sub = nlu_cmd.add_subparsers(dest="action", required=True, parser_class=_Parser)
    train = nlu_sub.add_parser("train", help="train into models/ (skipped when nothing changed)")
    train.add_argument("--force", action="store_true", help="train even if data and config are unchanged")
    train.add_argument("--data", help="the training data's folder (default: nlu/data)")
    train.add_argument("--models", help="where to write the model (default: ASSISTANT_MODELS_DIR)")
    train.set_defaults(run=_nlu_train)
    evaluate = nlu_sub.add_parser("evaluate", help="accuracy and F1 on the held-out set")
    evaluate.add_argument(
        "--cross-validation",
        type=int,
        metavar="FOLDS",
        default=0,
        help="k-fold cross-validation on the training data instead (slow)",
    )
    evaluate.add_argument("--out", default=str(ROOT / "results"), help="where to write the report and plot")
    evaluate.add_argument("--misses", action="store_true", help="list the long messages and facts missed")
    evaluate.add_argument("--model", help="this model archive instead of the newest one")
    evaluate.add_argument("--json", action="store_true", help="only the held-out accuracy per language, as JSON")
    evaluate.set_defaults(run=_nlu_evaluate)
    feedback = nlu_sub.add_parser("feedback", help="where the assistant misunderstands: counts per week and topic")
    feedback.add_argument("--weeks", type=int, default=8, help="how many of the last weeks (default 8)")
    feedback.add_argument("--json", action="store_true", help="JSON rows instead of a table")
    feedback.add_argument(
        "--texts",
        action="store_true",
        help="the messages not understood that their writers agreed to share (decrypted)",
    )
    feedback.set_defaults(run=_nlu_feedback)

    content = commands.add_parser("content", help="check or publish the FAQ content")
    content_sub = content.add_subparsers(dest="action", required=True, parser_class=_Parser)
    check = content_sub.add_parser("check", help="validate the rules, questions, texts, training data and answers")
    check.add_argument("--skip-rasa", action="store_true", help="only our own checks (fast)")
    check.set_defaults(run=_content_check)
    personas = content_sub.add_parser("scenarios", help="the rules' personas against a set of rule files")
    personas.add_argument("--rules", help="the rule files' folder (default: rules_adapter/rules)")
    personas.add_argument("--questions", help="the questions' file")
    personas.add_argument("--texts", help="the texts' file")
    personas.set_defaults(run=_content_scenarios)
    reload = content_sub.add_parser("reload", help="make the running server re-read the answers and the rules")
    reload.set_defaults(run=_content_reload)

    db = commands.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="action", required=True, parser_class=_Parser)
    db_sub.add_parser("upgrade", help="apply the migrations (also done at start)").set_defaults(run=_db_upgrade)

    operators.add_commands(commands, _Parser)

    keys_cmd = commands.add_parser("keys", help="encryption keys of contact data")
    keys_sub = keys_cmd.add_subparsers(dest="action", required=True, parser_class=_Parser)
    keys_sub.add_parser("generate", help="print a new key for HANDOFF_KEYS").set_defaults(run=_keys_generate)
    keys_sub.add_parser("rotate", help="re-encrypt everything with the first key of HANDOFF_KEYS").set_defaults(
        run=_keys_rotate
    )

    commands.add_parser("purge", help="apply the retention periods (also daily in serve)").set_defaults(run=_purge)

    args = parser.parse_args(argv)
    try:
        _configure_logs(args)
    except ValueError as exc:  # a setting that is not a number, an unknown LOG_FORMAT or LOG_LEVEL
        return _fail(str(exc))
    try:
        return args.run(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
