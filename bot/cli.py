"""The `assistant` command."""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from .config import load_settings


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:
        print(f"assistant: {message}", file=sys.stderr)
        raise SystemExit(2)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .web import create_app

    settings = load_settings()
    uvicorn.run(
        create_app(),
        host=args.host or settings.host,
        port=args.port or settings.port,
        log_level=settings.log_level,
        access_log=False,  # request lines carry nothing useful and may carry ids
        ws="none",  # no websockets here; Rasa pins an old `websockets` uvicorn cannot use
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _Parser(prog="assistant", description="Housing-difficulty assistant")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    serve = commands.add_parser("serve", help="run the web chat, REST endpoint and console")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.set_defaults(run=_serve)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
