"""Logs: one JSON object per line on stderr (or readable lines), holding no personal data.

The CLI configures this once, before any command runs (`configure`). Every record goes through
one handler on the root logger, uvicorn's included (`serve` gives uvicorn no logging config of
its own, and its access log stays off: it would carry client addresses and ids).

What keeps personal data out:
- our code logs counts, types and case references, never a message, a sender or chat id, a
  name, a phone number, an address, a note or a secret (see `tests/bot/test_logs.py`);
- `LOG_LEVEL` applies to our loggers and uvicorn's only; libraries log warnings and errors,
  because below that some log what they carry (httpx the request URL, which holds the Telegram
  token; python-telegram-bot the messages it sends; SQLAlchemy the statement parameters);
- an exception is logged as its type and the code lines it went through, never its message
  nor its arguments: a message can quote the value being processed (`invalid literal for int()
  with base 10: '06 12…'`, SQL parameters). Only our configuration errors (`MESSAGES_KEPT`)
  keep their words.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
import threading
import traceback
from types import TracebackType
from typing import IO, Any

FORMATS = ("json", "text")
OWN_LOGGERS = ("bot", "handoff", "nlu", "rules_adapter", "uvicorn")
LIBRARY_LEVEL = logging.WARNING
LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
# The attributes every LogRecord has; anything else on a record came from `extra=` (but
# uvicorn's `color_message`, the message again with terminal colours).
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def level_number(name: str) -> int:
    """`info`, `WARNING`… → the logging level; ValueError for anything else. uvicorn's `trace` is
    refused: at that level it logs every connection and request with the client's address."""
    upper = name.strip().upper()
    if upper not in LEVELS:
        raise ValueError(f"LOG_LEVEL must be one of {', '.join(LEVELS).lower()} (not {name!r})")
    return logging.getLevelName(upper)


# Our configuration errors, whose messages we wrote and hold no data (a key is invalid, no
# model in models/, a content file is broken): an operator needs those words to fix it.
MESSAGES_KEPT = frozenset({"handoff.crypto.KeyError_", "nlu.parsing.NluUnavailable", "nlu.content.ContentError"})


def _type_name(cls: type[BaseException]) -> str:
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def _last_line(error: BaseException) -> str:
    name = _type_name(type(error))
    if any(_type_name(cls) in MESSAGES_KEPT for cls in type(error).__mro__):
        return f"{name}: {error}"
    return f"{name} (message not logged)"


def exception_fields(exc_info: ExcInfo) -> dict[str, str]:
    """The exception's type and its traceback without its message, causes included (oldest
    first, as Python prints them). Frames show file, line, function and the line of code: code,
    never data."""
    exc_type, exc, _ = exc_info
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    lines: list[str] = []
    for position, error in enumerate(reversed(chain)):
        if position:
            lines.append("During the handling of it, or because of it:")
        lines.append("Traceback (most recent call last):")
        for frame in traceback.extract_tb(error.__traceback__):
            lines.append(f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}')
            if frame.line:
                lines.append(f"    {frame.line}")
        lines.append(_last_line(error))
    return {"exc_type": _type_name(exc_type if exc is None else type(exc)), "traceback": "\n".join(lines)}


def _timestamp(record: logging.LogRecord) -> str:
    moment = dt.datetime.fromtimestamp(record.created, tz=dt.timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {key: value for key, value in vars(record).items() if key not in _STANDARD and not key.startswith("_")}


class JsonFormatter(logging.Formatter):
    """`{"ts": "2026-11-25T13:46:18.644Z", "level": "WARNING", "logger": "bot.web", "message": "…",
    …extra fields, "exc_type", "traceback"}` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in _extras(record).items():
            entry.setdefault(key, value)
        if record.exc_info and record.exc_info[0] is not None:
            entry.update(exception_fields(record.exc_info))
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`2026-11-25T13:46:18.644Z WARNING bot.web: message key=value`, for a person at a terminal;
    the same fields, the same care with exceptions."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_timestamp(record)} {record.levelname} {record.name}: {record.getMessage()}"
        extras = _extras(record)
        if extras:
            line += " " + " ".join(f"{key}={value}" for key, value in extras.items())
        if record.exc_info and record.exc_info[0] is not None:
            line += "\n" + exception_fields(record.exc_info)["traceback"]
        if record.stack_info:
            line += "\n" + record.stack_info
        return line


def formatter(log_format: str) -> logging.Formatter:
    if log_format not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be json or text (not {log_format!r})")
    return JsonFormatter() if log_format == "json" else TextFormatter()


class _OurHandler(logging.StreamHandler):
    """The one handler `configure` installs (and replaces when called again)."""


def configure(
    log_format: str,
    level: str = "info",
    *,
    library_level: int = LIBRARY_LEVEL,
    catch_uncaught: bool = False,
    stream: IO[str] | None = None,
) -> None:
    """Send every log record to stderr in `log_format`; our loggers at `level`, libraries at
    `library_level` (warnings and errors unless a command handles no personal data). With
    `catch_uncaught`, an exception nobody caught (in any thread) is logged like the others
    instead of printed by Python with its message."""
    handler = _OurHandler(stream or sys.stderr)
    handler.setFormatter(formatter(log_format))
    own_level = level_number(level)
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _OurHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(library_level)
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(own_level)
    logging.captureWarnings(True)  # Python warnings become records too, not raw lines
    # A log call whose arguments do not fit its message must not print them raw on stderr.
    logging.raiseExceptions = False
    # TensorFlow's native code writes its notices straight to the stderr file descriptor,
    # bypassing logging: keep them to errors (Rasa's own command line does the same).
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if catch_uncaught:
        sys.excepthook = _log_uncaught
        threading.excepthook = _log_uncaught_in_thread


def _log_uncaught(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    logging.getLogger("bot").critical("uncaught exception", exc_info=(exc_type, exc, tb))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    # exc_value may be None (typeshed's tuple says otherwise; logging prints the type alone then)
    exc_info: Any = (args.exc_type, args.exc_value, args.exc_traceback)
    logging.getLogger("bot").critical("uncaught exception in a thread", exc_info=exc_info)
