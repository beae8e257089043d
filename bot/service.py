"""One door for every channel: a message of a conversation in, replies out, state kept.

Messages of one conversation are handled one after the other, in arrival order (an asyncio
lock per conversation); different conversations run concurrently.
"""
from __future__ import annotations

import asyncio
import logging
import time
import weakref

import anyio

import nlu
from sqlalchemy.exc import SQLAlchemyError

from . import metrics
from .dialogue import Dialogue
from .i18n import negotiate, translator
from .replies import Reply
from .state import State
from .store import ConversationStore

log = logging.getLogger(__name__)


class Assistant:
    def __init__(self, dialogue: Dialogue, store: ConversationStore):
        self.dialogue = dialogue
        self.store = store
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def _lock(self, key: str) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

    async def handle(self, channel: str, sender: str, message: str, locale_hint: str | None = None) -> list[Reply]:
        key = f"{channel}:{sender}"
        started = time.perf_counter()
        metrics.messages.labels(channel, "button" if message.startswith("/") else "text").inc()
        try:
            return await self._handle(key, message, locale_hint)
        finally:
            metrics.latency.labels(channel).observe(time.perf_counter() - started)

    async def _handle(self, key: str, message: str, locale_hint: str | None) -> list[Reply]:
        async with self._lock(key):
            held = None
            try:
                held = await anyio.to_thread.run_sync(self.store.lock, key)
                state = await anyio.to_thread.run_sync(self.store.load, key) or State()
                turn = await self.dialogue.handle(message, state, locale_hint, address=key)
                if turn.erase:
                    await anyio.to_thread.run_sync(self.store.delete, key)
                else:
                    await anyio.to_thread.run_sync(self.store.save, key, state)
                return turn.replies
            except nlu.NluUnavailable:
                metrics.unavailable.labels("nlu").inc()
                _ = translator(negotiate(locale_hint))
                return [Reply(_("Je ne peux pas lire les messages écrits pour le moment. Utilisez les boutons, ou appelez le 09 70 800 800 (lundi–vendredi, 9h–18h30)."))]
            except SQLAlchemyError as exc:
                metrics.unavailable.labels("database").inc()
                # Conversation ids and texts stay out of the log.
                log.error("conversation store unavailable: %s", type(exc).__name__)
                _ = translator(negotiate(locale_hint))
                return [Reply(_("Le service est momentanément indisponible. Réessayez dans quelques minutes, ou appelez le 09 70 800 800 (lundi–vendredi, 9h–18h30)."))]
            finally:
                if held is not None:
                    try:
                        await anyio.to_thread.run_sync(self.store.unlock, key, held)
                    except SQLAlchemyError:
                        pass  # the connection is gone, and the lock with it
