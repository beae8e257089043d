"""One door for every channel: a message of a conversation in, replies out, state kept.

Messages of one conversation are handled one after the other, in arrival order (an asyncio
lock per conversation); different conversations run concurrently. Before that, two kinds of
message are answered without being processed, on every channel: a flood from one conversation
(a token bucket per conversation) and a text too long to read.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError

import nlu

from . import metrics
from .dialogue import MAX_TEXT, Dialogue
from .i18n import negotiate, translator
from .i18n import number as format_number
from .ratelimit import RateLimiter
from .replies import Reply
from .state import State
from .store import ConversationStore

log = logging.getLogger(__name__)
T = TypeVar("T")
# Per conversation: a burst of messages at once, then this many more each second. A person
# clicking quickly through the questions stays far below; a script flooding one sender does not.
# 30 rather than 15: a whole conversation up to a confirmed handoff is 17 to 26 messages, and
# scripted clients (the tests, an integration) may send it within a second.
BURST = 30
PER_SECOND = 1.0


class Assistant:
    def __init__(
        self,
        dialogue: Dialogue,
        store: ConversationStore,
        *,
        burst: int = BURST,
        per_second: float = PER_SECOND,
    ):
        self.dialogue = dialogue
        self.store = store
        self.limiter = RateLimiter(burst, per_second)
        # Storage calls block. On PostgreSQL (the network, a lock that may wait for another
        # worker) they run in these threads. On SQLite, a local file where a call takes tens of
        # microseconds, handing it to a thread costs more than the call (in this process's GIL,
        # halving the rate of button answers): it runs in place.
        self._in_place = not store.shared
        # On PostgreSQL a message holds a connection from its conversation's lock to its save,
        # the NLU included, out of the store's `turns`. Past them, the next messages would wait
        # for one in these threads, taking every thread the holders need to save and let go:
        # they wait here instead, before taking one (more threads than turns).
        self._holding_limit = store.turns
        self._holding: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )
        self._threads = ThreadPoolExecutor(max_workers=self._holding_limit + 4, thread_name_prefix="store")
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def _holding_turn(self) -> asyncio.Semaphore | contextlib.nullcontext:
        if self._in_place:
            return contextlib.nullcontext()
        loop = asyncio.get_running_loop()
        turn = self._holding.get(loop)
        if turn is None:
            turn = self._holding[loop] = asyncio.Semaphore(self._holding_limit)
        return turn

    def _lock(self, key: str) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

    async def handle(self, channel: str, sender: str, message: str, locale_hint: str | None = None,
                     client: str = "") -> list[Reply]:
        """`client`: where the message came from (the web client's address), for the bound on
        requests to an adviser per hour; the conversation by default."""
        key = f"{channel}:{sender}"
        started = time.perf_counter()
        metrics.messages.labels(channel, "button" if message.startswith("/") else "text").inc()
        try:
            if not self.limiter.allow(key):
                metrics.refused.labels(channel, "rate_limited").inc()
                _ = translator(negotiate(locale_hint))
                return [
                    Reply(
                        _("Vous envoyez beaucoup de messages d'un coup : patientez quelques secondes, puis réessayez.")
                    )
                ]
            if len(message.strip()) > MAX_TEXT:
                metrics.refused.labels(channel, "too_long").inc()
                return [await self._too_long(key, locale_hint)]
            return await self._handle(key, message, locale_hint, client or key)
        finally:
            metrics.latency.labels(channel).observe(time.perf_counter() - started)

    async def news(self, channel: str, sender: str) -> list[Reply]:
        """The adviser's messages not yet shown in this conversation (a web page left open asks
        every few seconds); nothing when it holds no request."""
        key = f"{channel}:{sender}"
        async with self._lock(key):
            state = await self._store(self.store.load, key)
            if state is None or not state.case_reference:
                return []
            return await self._store(self.dialogue.news, state)

    async def _too_long(self, key: str, locale_hint: str | None) -> Reply:
        """Ask to shorten the text, in the conversation's language; nothing is processed or stored."""
        try:
            state = await self._store(self.store.load, key)
        except SQLAlchemyError:
            state = None  # the language is only a courtesy here
        locale = state.locale if state is not None and state.greeted else negotiate(locale_hint)
        _ = translator(locale)
        return Reply(
            _(
                "Votre message est trop long pour moi : {limit} caractères au plus. Pouvez-vous le résumer en quelques "
                "phrases ? Pour tout raconter en détail, un conseiller vous écoute au {phone} ({hours}).",
                limit=format_number(MAX_TEXT, locale),
            )
        )

    async def _store(self, call: Callable[..., T], *args: Any) -> T:
        if self._in_place:
            return call(*args)
        return await asyncio.get_running_loop().run_in_executor(self._threads, call, *args)

    async def _handle(self, key: str, message: str, locale_hint: str | None, client: str = "") -> list[Reply]:
        async with self._lock(key), self._holding_turn():
            held = None
            try:
                held, state = await self._store(self.store.open, key)
                state = state or State()
                turn = await self.dialogue.handle(message, state, locale_hint, address=key, client=client or key)
                if turn.erase:
                    await self._store(self.store.delete, key, held)
                else:
                    await self._store(self.store.save, key, state, held)
                return turn.replies
            except nlu.NluUnavailable:
                metrics.unavailable.labels("nlu").inc()
                _ = translator(negotiate(locale_hint))
                return [
                    Reply(
                        _(
                            "Je ne peux pas lire les messages écrits pour le moment. Utilisez les boutons, ou appelez "
                            "le {phone} ({hours})."
                        )
                    )
                ]
            except SQLAlchemyError as exc:
                metrics.unavailable.labels("database").inc()
                # Conversation ids and texts stay out of the log.
                log.error("conversation store unavailable: %s", type(exc).__name__)
                _ = translator(negotiate(locale_hint))
                return [
                    Reply(
                        _(
                            "Le service est momentanément indisponible. Réessayez dans quelques minutes, ou appelez le "
                            "{phone} ({hours})."
                        )
                    )
                ]
            finally:
                if held is not None:
                    with contextlib.suppress(SQLAlchemyError):  # the connection is gone, and the lock with it
                        await self._store(self.store.close, key, held)
