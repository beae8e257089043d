"""The Telegram channel (python-telegram-bot 22): a thin adapter between Telegram updates and
the assistant. Polling by default; webhook mode when TELEGRAM_WEBHOOK_URL is set.

Our conversation state is the assistant's (in the database), not python-telegram-bot's
ConversationHandler or pickle persistence, which do not survive several processes.
"""
from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import logging
import secrets

import anyio
import orjson
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, delete, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from .i18n import negotiate, translator
from .replies import Reply, parse_payload, payload
from .service import Assistant

log = logging.getLogger(__name__)
CHANNEL = "telegram"
CALLBACK_LIMIT = 64  # Telegram's limit on callback_data, in bytes
# Commands on both channels: Telegram's /commands map to the engine's payloads.
COMMANDS = {
    "start": "/start", "restart": "/restart", "recommencer": "/restart", "help": "/help", "aide": "/help",
    "conseiller": "/ask_human", "adviser": "/ask_human", "langue": "/language", "language": "/language",
    "effacer": "/erase_data", "erase": "/erase_data", "confidentialite": "/privacy", "privacy": "/privacy",
    "suivi": "/follow", "follow": "/follow", "ecrire": "/write_adviser", "write": "/write_adviser",
}

_metadata = MetaData()
processed_updates = Table(
    "telegram_updates", _metadata,
    Column("update_id", Integer, primary_key=True, autoincrement=False),
    Column("received_at", DateTime, nullable=False),
)
# A button payload longer than Telegram's 64 bytes travels as a token (TOKEN_PREFIX + 20
# characters of its SHA-256): the same payload always gives the same token, so the table holds
# one row per distinct payload, whatever the traffic, shared by every worker and kept across restarts.
button_tokens = Table(
    "button_tokens", _metadata,
    Column("token", String(32), primary_key=True),
    Column("payload", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
)
TOKEN_PREFIX = "/k:"


def purge_updates(engine: Engine, before: dt.datetime) -> int:
    """Ids of updates processed before `before`: Telegram redelivers an update for a day at
    most, so older ids protect nothing (`RETENTION_TELEGRAM_UPDATE_DAYS`)."""
    with engine.begin() as conn:
        return conn.execute(delete(processed_updates).where(processed_updates.c.received_at < before)).rowcount
DANGERS = ("violences", "sans_logement")


def ticked(markup: InlineKeyboardMarkup, data: str) -> bool:
    return any(b.callback_data == data and b.text.startswith(TICKED) for row in markup.inline_keyboard for b in row)
# A multiple-choice question's choices are ticked in place (the keyboard is edited), then sent
# together by its "Valider" button.
UNTICKED, TICKED = "☐ ", "☑ "


class ButtonTokens:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._known: dict[str, str] = {}  # token -> payload, in this process

    @staticmethod
    def token_of(payload: str) -> str:
        digest = hashlib.sha256(payload.encode()).digest()
        return TOKEN_PREFIX + base64.urlsafe_b64encode(digest[:15]).decode()

    def callback_data(self, payload: str) -> str:
        """The payload itself when it fits, else its token (stored first: a button is never sent
        that cannot be read back)."""
        if len(payload.encode()) <= CALLBACK_LIMIT:
            return payload
        token = self.token_of(payload)
        if token not in self._known:
            with contextlib.suppress(IntegrityError), self.engine.begin() as conn:  # another worker stored it
                conn.execute(insert(button_tokens).values(
                    token=token, payload=payload, created_at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)))
            self._known[token] = payload
        return token

    def payload_of(self, data: str) -> str:
        """A pressed button's payload; an unknown token (forged) is an unknown command."""
        if not data.startswith(TOKEN_PREFIX):
            return data
        if data not in self._known:
            with self.engine.connect() as conn:
                found = conn.execute(select(button_tokens.c.payload).where(button_tokens.c.token == data)).scalar()
            if found is None:
                return "/unknown"
            self._known[data] = found
        return self._known[data]

    def keyboard(self, reply: Reply) -> InlineKeyboardMarkup | None:
        if not reply.buttons:
            return None
        rows = []
        for b in reply.buttons:
            data = b.payload
            command = parse_payload(data) if reply.choose_many else None
            if command and command[0] == "answer" and command[1].get("v"):  # a choice to tick
                rows.append([InlineKeyboardButton(UNTICKED + b.title, callback_data=payload(
                    "pick", f=command[1].get("f"), v=command[1]["v"]))])
                continue
            rows.append([InlineKeyboardButton(b.title, callback_data=self.callback_data(data))])
        return InlineKeyboardMarkup(rows)

    def toggled(self, markup: InlineKeyboardMarkup, pressed: str) -> InlineKeyboardMarkup:
        """A multiple-choice keyboard with the choice `pressed` ticked or unticked, and its
        "Valider" button sending what is ticked now."""
        ticked: list[str] = []
        fact = ""
        rows: list[list[InlineKeyboardButton]] = []
        for row in markup.inline_keyboard:
            new_row: list[InlineKeyboardButton] = []
            for button in row:
                data = str(button.callback_data or "")
                command = parse_payload(data)
                if command and command[0] == "pick":
                    fact = str(command[1].get("f", ""))
                    text = button.text
                    if data == pressed:
                        text = (UNTICKED + text[len(TICKED):]) if text.startswith(TICKED) else (
                            TICKED + text[len(UNTICKED):])
                    if text.startswith(TICKED):
                        ticked.append(str(command[1].get("v", "")))
                    new_row.append(InlineKeyboardButton(text, callback_data=data))
                else:
                    new_row.append(button)
            rows.append(new_row)
        confirm = self.callback_data(payload("answer", f=fact, v=",".join(ticked)))
        for line in rows:
            for i, button in enumerate(line):
                command = parse_payload(self.payload_of(str(button.callback_data or "")))
                if command and command[0] == "answer" and command[1].get("f") == fact:
                    line[i] = InlineKeyboardButton(button.text, callback_data=confirm)
        return InlineKeyboardMarkup(rows)


class TelegramChannel:
    name = CHANNEL

    def __init__(self, assistant: Assistant, engine: Engine, token: str, *, base_url: str | None = None,
                 webhook_url: str | None = None, webhook_secret: str | None = None):
        self.assistant = assistant
        self.engine = engine
        self.tokens = ButtonTokens(engine)
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret or secrets.token_urlsafe(32)
        builder = ApplicationBuilder().token(token).rate_limiter(AIORateLimiter(max_retries=3))
        if base_url:
            builder = builder.base_url(f"{base_url.rstrip('/')}/bot").base_file_url(f"{base_url.rstrip('/')}/file/bot")
        if webhook_url:
            builder = builder.updater(None)
        self.application: Application = builder.build()
        self.application.add_handler(CommandHandler(list(COMMANDS), self._on_command))
        self.application.add_handler(CallbackQueryHandler(self._on_button))
        self.application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, self._on_text))
        # A command the bot does not know gets the help; a sticker, a photo or a voice message
        # is told that only written messages are read: nothing goes unanswered.
        self.application.add_handler(MessageHandler(filters.COMMAND, self._on_command))
        self.application.add_handler(MessageHandler(~filters.TEXT & ~filters.StatusUpdate.ALL, self._on_other))
        self.application.add_error_handler(self._on_error)

    @property
    def username(self) -> str | None:
        """The bot's username, once started (python-telegram-bot asked getMe)."""
        try:
            return self.application.bot.username
        except RuntimeError:  # not initialised yet
            return None

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        await self.application.initialize()
        await self.application.start()
        if self.webhook_url:
            await self.application.bot.set_webhook(self.webhook_url, secret_token=self.webhook_secret,
                                                   allowed_updates=["message", "callback_query"])
        elif self.application.updater is not None:
            await self.application.updater.start_polling(allowed_updates=["message", "callback_query"],
                                                         drop_pending_updates=False)

    async def stop(self) -> None:
        if self.application.updater and self.application.updater.running:
            await self.application.updater.stop()
        await self.application.stop()
        await self.application.shutdown()

    async def webhook(self, request: Request) -> Response:
        """Updates pushed by Telegram; only with the secret token given at set_webhook."""
        if not secrets.compare_digest(request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""), self.webhook_secret):
            return JSONResponse({"error": "bad or missing secret token"}, status_code=403)
        try:
            data = orjson.loads(await request.body())  # a C parser: deep nesting is refused, not recursed into
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                raise ValueError("not an update object")
            update = Update.de_json(data, self.application.bot)
        except Exception:  # whatever the body makes python-telegram-bot raise: the body is wrong
            return JSONResponse({"error": "not a Telegram update"}, status_code=400)
        if update is None:
            return JSONResponse({"error": "not a Telegram update"}, status_code=400)
        await self.application.process_update(update)
        return Response(status_code=200)

    # --- updates ------------------------------------------------------------------------------

    def _first_time(self, update: Update) -> bool:
        """The same update delivered twice (a retry, two workers) is processed once. When the
        database cannot tell, the update goes on to the assistant, whose answer is then most
        likely "momentarily unavailable": better than silence, and Telegram will not resend it."""

        try:
            with self.engine.begin() as conn:
                conn.execute(insert(processed_updates).values(
                    update_id=update.update_id, received_at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)))
            return True
        except IntegrityError:
            return False
        except SQLAlchemyError as exc:
            log.warning("telegram update not deduplicated, database unavailable: %s", type(exc).__name__)
            return True

    async def _handle(self, update: Update, message: str) -> None:

        if not await anyio.to_thread.run_sync(self._first_time, update):
            return
        chat = update.effective_chat
        user = update.effective_user
        if chat is None:  # an update with no chat (a poll, a channel post): nothing to answer
            return
        if await self._refused_in_a_group(update):
            return
        replies = await self.assistant.handle(CHANNEL, str(chat.id), message, user.language_code if user else None)
        for reply in replies:
            await self.send(chat.id, reply)

    async def send(self, chat_id: int, reply: Reply) -> None:
        markup = await anyio.to_thread.run_sync(self.tokens.keyboard, reply)
        await self.application.bot.send_message(chat_id, reply.text, reply_markup=markup)

    async def _on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.message and update.message.text:
            await self._handle(update, update.message.text)

    async def _on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.message and update.message.text:
            words = update.message.text.split()
            name = words[0].lstrip("/").split("@")[0].lower()
            if name == "start" and len(words) > 1:  # t.me/<bot>?start=<token>: a conversation brought from the web
                await self._handle(update, payload("handover", token=words[1][:64]))
                return
            await self._handle(update, COMMANDS.get(name, "/help"))

    async def _refused_in_a_group(self, update: Update) -> bool:
        """A group's members would read the person's situation: only private chats are answered."""
        chat, user = update.effective_chat, update.effective_user
        if chat is None or chat.type == ChatType.PRIVATE:
            return False
        _ = translator(negotiate(user.language_code if user else None))
        await self.application.bot.send_message(chat.id, _(
            "Je ne réponds qu'en conversation privée, pour que votre situation reste confidentielle : "
            "écrivez-moi directement."))
        return True

    async def _on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A sticker, a photo, a voice message…: not read (nor kept), and the person is told so."""
        if update.message is None or not await anyio.to_thread.run_sync(self._first_time, update):
            return
        if await self._refused_in_a_group(update):
            return
        user = update.effective_user
        _ = translator(negotiate(user.language_code if user else None))
        await self.application.bot.send_message(update.message.chat_id, _(
            "Je ne lis que les messages écrits. Écrivez votre question avec vos mots, ou utilisez les boutons."))

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        if (query.data or "").startswith("/pick{"):  # a choice ticked: the keyboard changes, nothing is sent
            await query.answer()
            message = query.message
            if isinstance(message, Message) and message.reply_markup is not None:
                markup = await anyio.to_thread.run_sync(self.tokens.toggled, message.reply_markup, query.data or "")
                with contextlib.suppress(TelegramError):
                    await query.edit_message_reply_markup(reply_markup=markup)
                command = parse_payload(query.data or "")
                kind = str(command[1].get("v", "")) if command else ""
                if kind in DANGERS and ticked(markup, query.data or ""):  # the numbers at once, not after "Valider"
                    await self._handle(update, payload("danger", kind=kind))
            return
        await query.answer()
        if query.message is not None:
            # A pressed keyboard is spent: remove it so old buttons cannot be pressed again.
            with contextlib.suppress(TelegramError):
                await query.edit_message_reply_markup(reply_markup=None)
        data = await anyio.to_thread.run_sync(self.tokens.payload_of, query.data or "")
        await self._handle(update, data)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        # The exception type only: an update carries what the person wrote.
        log.error("telegram update failed: %s", type(context.error).__name__)
