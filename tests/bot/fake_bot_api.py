"""A fake Telegram Bot API server over real HTTP, for python-telegram-bot to talk to through its
`base_url`: it serves queued updates to getUpdates, records what the bot sends, and can answer
429 with retry_after."""
from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

JSON_FIELDS = {"reply_markup", "allowed_updates", "chat_id", "message_id", "offset", "limit", "timeout", "commands"}


class FakeBotApi:
    def __init__(self) -> None:
        self.updates: list[dict[str, Any]] = []
        self.sent: list[dict[str, Any]] = []
        self.calls: list[str] = []
        self.edits: list[dict[str, Any]] = []
        self.too_many_requests = 0  # answer this many sendMessage calls with 429 first
        self.refused = 0  # how many were answered 429
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(100)
        self._lock = threading.Lock()
        self._delivered: list[dict[str, Any]] = []
        self.app = Starlette(routes=[
            Route("/health", lambda r: JSONResponse({"ok": True})),
            Route("/bot{token}/{method}", self.dispatch, methods=["GET", "POST"]),
        ])

    # --- what a test does ---------------------------------------------------------------------

    def user_says(self, chat_id: int, text: str, language: str = "fr", update_id: int | None = None,
                  chat_type: str = "private") -> int:
        update_id = update_id or next(self._update_ids)
        chat = {"id": chat_id, "type": chat_type, **({"title": "Famille"} if chat_type != "private" else {})}
        message = {"message_id": next(self._message_ids), "date": int(time.time()), "text": text, "chat": chat,
                   "from": {"id": chat_id, "is_bot": False, "first_name": "Test", "language_code": language}}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        with self._lock:
            self.updates.append({"update_id": update_id, "message": message})
        return update_id

    def user_sends_a_sticker(self, chat_id: int, language: str = "fr") -> int:
        update_id = next(self._update_ids)
        message = {"message_id": next(self._message_ids), "date": int(time.time()),
                   "chat": {"id": chat_id, "type": "private"},
                   "from": {"id": chat_id, "is_bot": False, "first_name": "Test", "language_code": language},
                   "sticker": {"file_id": "s1", "file_unique_id": "u1", "type": "regular", "width": 512,
                               "height": 512, "is_animated": False, "is_video": False}}
        with self._lock:
            self.updates.append({"update_id": update_id, "message": message})
        return update_id

    def user_presses(self, chat_id: int, data: str, language: str = "fr") -> int:
        update_id = next(self._update_ids)
        query = {"id": str(update_id), "chat_instance": "ci", "data": data,
                 "from": {"id": chat_id, "is_bot": False, "first_name": "Test", "language_code": language},
                 "message": {"message_id": next(self._message_ids), "date": int(time.time()), "text": "…",
                             "chat": {"id": chat_id, "type": "private"},
                             "from": {"id": 1, "is_bot": True, "first_name": "Bot"}}}
        with self._lock:
            self.updates.append({"update_id": update_id, "callback_query": query})
        return update_id

    def user_taps_in(self, message: dict[str, Any], data: str, language: str = "fr") -> int:
        """A button pressed on `message` (one of `sent`), as Telegram sends it: with the message's
        id and its keyboard as shown now."""
        update_id = next(self._update_ids)
        chat_id = int(message["chat_id"])
        markup = message.get("reply_markup")
        shown = {"message_id": message["message_id"], "date": int(time.time()), "text": message.get("text", ""),
                 "chat": {"id": chat_id, "type": "private"}, "from": {"id": 1, "is_bot": True, "first_name": "Bot"}}
        if markup:
            shown["reply_markup"] = json.loads(markup) if isinstance(markup, str) else markup
        query = {"id": str(update_id), "chat_instance": "ci", "data": data,
                 "from": {"id": chat_id, "is_bot": False, "first_name": "Test", "language_code": language},
                 "message": shown}
        with self._lock:
            self.updates.append({"update_id": update_id, "callback_query": query})
        return update_id

    def redeliver(self, update_id: int) -> None:
        with self._lock:
            self.updates.append(next(u for u in self._delivered if u["update_id"] == update_id))

    def texts_to(self, chat_id: int) -> list[str]:
        return [m["text"] for m in self.sent if int(m["chat_id"]) == chat_id]

    def wait_for(self, chat_id: int, count: int, timeout: float = 30) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            texts = self.texts_to(chat_id)
            if len(texts) >= count:
                return texts
            time.sleep(0.05)
        raise AssertionError(f"expected {count} messages to {chat_id}, got {self.texts_to(chat_id)}")

    # --- the Bot API ----------------------------------------------------------------------------

    async def dispatch(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        # python-telegram-bot posts url-encoded forms (multipart only for files, never sent here).
        body = (await request.body()).decode() if request.method == "POST" else ""
        form = dict(parse_qsl(body, keep_blank_values=True)) if body else dict(request.query_params)
        params = {k: (json.loads(v) if k in JSON_FIELDS and isinstance(v, str) and v[:1] in "[{0123456789-" else v)
                  for k, v in form.items()}
        self.calls.append(method)
        handler = getattr(self, f"api_{method}", None)
        if handler is None:
            return JSONResponse({"ok": True, "result": True})
        return await handler(params)

    async def api_getMe(self, params):
        return JSONResponse(
            {
                "ok": True,
                "result": {
                    "id": 1,
                    "is_bot": True,
                    "first_name": "Assistant",
                    "username": "assistant_test_bot",
                    "can_join_groups": False,
                    "can_read_all_group_messages": False,
                    "supports_inline_queries": False,
                },
            }
        )

    async def api_getUpdates(self, params):
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + min(timeout, 1.0)
        while True:
            with self._lock:
                ready = [u for u in self.updates if u["update_id"] >= offset]
                self.updates = []
                self._delivered.extend(ready)
            if ready or time.monotonic() >= deadline:
                return JSONResponse({"ok": True, "result": ready})
            await asyncio.sleep(0.05)

    async def api_sendMessage(self, params):
        if self.too_many_requests > 0:
            self.too_many_requests -= 1
            self.refused += 1
            return JSONResponse(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry after 1",
                    "parameters": {"retry_after": 1},
                },
                status_code=429,
            )
        message_id = next(self._message_ids)
        params = {**params, "message_id": message_id}
        self.sent.append(params)
        return JSONResponse(
            {
                "ok": True,
                "result": {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "text": params.get("text", ""),
                    "chat": {"id": int(params["chat_id"]), "type": "private"},
                    "from": {"id": 1, "is_bot": True, "first_name": "Bot"},
                },
            }
        )

    async def api_editMessageReplyMarkup(self, params):
        """The keyboard of a sent message changes (a removed one too), as the person then sees it."""
        markup = params.get("reply_markup")
        for message in self.sent:
            if message.get("message_id") == int(params.get("message_id") or 0):
                message["reply_markup"] = json.loads(markup) if isinstance(markup, str) else markup
        self.edits.append(params)
        return JSONResponse({"ok": True, "result": True})
