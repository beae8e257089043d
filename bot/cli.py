"""The `assistant` command: serve, nlu train/evaluate, content check/reload."""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Sequence

from .config import ROOT, load_settings


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:
        print(f"assistant: {message}", file=sys.stderr)
        raise SystemExit(2)


def _fail(message: str) -> int:
    print(f"assistant: {message}", file=sys.stderr)
    return 1


def _pid_file(settings) -> Path:
    return settings.var_dir / "assistant.pid"


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .web import create_app

    settings = load_settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    _pid_file(settings).write_text(str(os.getpid()))
    uvicorn.run(
        create_app(settings),
        host=args.host or settings.host,
        port=args.port or settings.port,
        log_level=settings.log_level,
        access_log=False,  # request lines carry nothing useful and may carry ids
        ws="none",  # no websockets here; Rasa pins an old `websockets` uvicorn cannot use
    )
    return 0


def _nlu_train(args: argparse.Namespace) -> int:
    import nlu

    settings = load_settings()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    path, trained = nlu.train(settings.models_dir, force=args.force)
    if trained:
        print(f"trained {path}")
    else:
        print(f"data and config unchanged: {path} is up to date (use --force to retrain)")
    return 0


def _nlu_evaluate(args: argparse.Namespace) -> int:
    import nlu

    settings = load_settings()
    out_dir = Path(args.out)
    if args.cross_validation:
        print(nlu.cross_validate(args.cross_validation, out_dir / "cross_validation"))
        return 0
    heldout = {lang: ROOT / "tests" / "nlu" / f"heldout_{lang}.yml" for lang in ("fr", "en")}
    try:
        parser = nlu.load_parser(settings.models_dir, settings.rasa_url)
    except nlu.NluUnavailable as exc:
        return _fail(str(exc))
    reports, median = nlu.evaluate(parser, heldout)
    print(nlu.format_report(reports, median))
    report_file, plot = nlu.save_report(reports, median, out_dir)
    print(f"report: {report_file}" + (f", confusion plot: {plot}" if plot else ""))
    return 0


def _content_check(args: argparse.Namespace) -> int:
    import nlu

    problems = nlu.run_checks(with_rasa=not args.skip_rasa)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("content check passed")
    return 0


def _content_reload(args: argparse.Namespace) -> int:
    settings = load_settings()
    try:
        pid = int(_pid_file(settings).read_text())
        os.kill(pid, signal.SIGHUP)
    except (OSError, ValueError):
        return _fail("no running server found (var/assistant.pid); start it with `assistant serve`")
    print(f"asked server {pid} to reload its content")
    return 0


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
    train.set_defaults(run=_nlu_train)
    evaluate = nlu_sub.add_parser("evaluate", help="accuracy and F1 on the held-out set")
    evaluate.add_argument("--cross-validation", type=int, metavar="FOLDS", default=0,
                          help="k-fold cross-validation on the training data instead (slow)")
    evaluate.add_argument("--out", default=str(ROOT / "results"), help="where to write the report and plot")
    evaluate.set_defaults(run=_nlu_evaluate)

    content = commands.add_parser("content", help="check or publish the FAQ content")
    content_sub = content.add_subparsers(dest="action", required=True, parser_class=_Parser)
    check = content_sub.add_parser("check", help="validate training data and answers")
    check.add_argument("--skip-rasa", action="store_true", help="only our own checks (fast)")
    check.set_defaults(run=_content_check)
    reload = content_sub.add_parser("reload", help="make the running server re-read the answers")
    reload.set_defaults(run=_content_reload)

    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
