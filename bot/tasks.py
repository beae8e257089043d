"""The server's background work, each a loop the web app's lifespan starts and cancels: the
outbox's deliveries, the counts of what was not understood, the daily retention purge."""
from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
from typing import TYPE_CHECKING, Any

import anyio

import nlu
from rules_adapter import rules

from .editor import questionnaire_files
from .maintenance import run_purge

if TYPE_CHECKING:
    from .bootstrap import Deployment

log = logging.getLogger(__name__)


def log_loop_exception(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """An error nobody awaited (a task, a callback): asyncio's own report quotes the exception's
    message, which may carry what was being processed; the type is enough here."""
    exc = context.get("exception")
    log.error("unhandled error in a background task: %s", type(exc).__name__ if exc else "no exception")


def release_free_memory() -> None:
    """Give back to the system what loading the model allocated and freed (glibc keeps it)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


async def dispatch_forever(deployment: Deployment, every: float = 5.0) -> None:
    """Deliver the outbox in the background (notifications survive a crash: they wait there)."""
    while True:
        try:
            await anyio.to_thread.run_sync(deployment.dispatcher.run_once)
        except Exception as exc:  # the database may be away for a while: try again later
            log.warning("outbox dispatch failed: %s", type(exc).__name__)
        await asyncio.sleep(every)


async def count_misunderstandings(deployment: Deployment, every: float = 60.0) -> None:
    """Add the counts of what was not understood to the database every minute (bot/feedback.py)."""
    while True:
        await asyncio.sleep(every)
        try:
            await anyio.to_thread.run_sync(deployment.understanding.flush)
        except Exception as exc:  # kept in memory for the next time
            log.warning("understanding counts not saved: %s", type(exc).__name__)


async def purge_daily(deployment: Deployment) -> None:
    """Apply the retention periods once a day (bot/maintenance.py)."""
    while True:
        try:
            await anyio.to_thread.run_sync(run_purge, deployment.settings)
        except Exception as exc:
            log.warning("purge failed: %s", type(exc).__name__)
        await asyncio.sleep(24 * 3600)


def _questionnaire_signature() -> tuple[tuple[str, float], ...]:
    found = []
    for path in questionnaire_files().values():
        with contextlib.suppress(OSError):
            found.append((str(path), path.stat().st_mtime))
    return tuple(found)


async def follow_models(deployment: Deployment, every: float = 3.0) -> None:
    """Serve the newest model of the models folder without a restart: one that content staff
    published (bot/editor.py), or a rollback that made an older one the newest again; and the
    rules, questions and texts as content staff publish them (bot/rules_editor.py)."""
    seen = _questionnaire_signature()
    while True:
        await asyncio.sleep(every)
        now = _questionnaire_signature()
        if now != seen:  # content staff published a rule, question or text (bot/rules_editor.py)
            seen = now
            await anyio.to_thread.run_sync(rules.reload)
        parser = deployment.parser
        if not isinstance(parser, nlu.InProcessParser):
            continue
        try:
            newest = nlu.latest_model(deployment.settings.models_dir)
            if newest is not None and newest.resolve() != parser.model_path.resolve():
                await anyio.to_thread.run_sync(parser.load, newest)
                log.info("serving the model %s", newest.name)
        except Exception as exc:  # a broken archive: the model serving stays
            log.error("model not loaded, the previous one serves: %s", type(exc).__name__)
