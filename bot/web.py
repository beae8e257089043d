"""The web channel: the chat page, Rasa's REST channel protocol, the privacy notice, health."""
from __future__ import annotations

import asyncio
import contextlib
import ctypes
import datetime as dt
import gc
import hashlib
import hmac
import logging
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import orjson
from jinja2 import Environment, FileSystemLoader, select_autoescape
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import nlu
import rules_adapter
from handoff import CaseRepository
from handoff.console import Console
from handoff.migrate import upgrade as migrate
from handoff.orm import cases, person_messages
from handoff.outbox import Dispatcher, EmailTransport, Transport, WebhookTransport
from handoff.repository import CaseDesk
from handoff.service import HandoffService

from . import metrics
from .config import Settings, load_settings, session_secret
from .dialogue import Dialogue
from .feedback import SampleStore, UnderstandingLog
from .i18n import negotiate, translator
from .maintenance import run_purge
from .replies import Reply
from .service import Assistant
from .store import ConversationStore, make_cipher, make_engine

if TYPE_CHECKING:
    from .telegram_channel import TelegramChannel

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
MAX_SENDER = 128
# Any request body, on any route (chat, Telegram webhook, console forms): far above a chat
# message or a Telegram update, far below what would cost memory to read.
MAX_BODY = 256 * 1024
templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))


class Services:
    """What the running assistant holds, wired once (the composition root of the web process)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.content = nlu.FaqContent()
        engine = make_engine(settings.database_url, pool_size=settings.database_pool_size,
                             max_overflow=settings.database_max_overflow)
        migrate(engine)
        self.cipher = make_cipher(settings)
        # Signs console sessions, keys conversations' pseudonyms and the Telegram webhook secret.
        self.secret = session_secret(settings)
        self.store = ConversationStore(engine, self.cipher, self.secret)
        self.understanding = UnderstandingLog(engine)
        self.samples = SampleStore(engine, self.cipher)
        self.cases = CaseRepository(engine, self.cipher, console_url=f"{settings.public_url.rstrip('/')}/console")
        self.handoff = HandoffService(
            self.cases, webhook=bool(settings.case_webhook_url and settings.case_webhook_secret)
        )
        transports: dict[str, Transport] = {}
        if settings.smtp_host:
            transports["email"] = EmailTransport(
                settings.smtp_host, settings.smtp_port, settings.smtp_from, settings.team_emails, settings.team_email
            )
        else:
            log.warning("SMTP_HOST is not set: case notifications wait in the outbox")
        if settings.case_webhook_url and settings.case_webhook_secret:
            transports["webhook"] = WebhookTransport(settings.case_webhook_url, str(settings.case_webhook_secret))
        transports["person_message"] = PersonMessageTransport(self)
        self.dispatcher = Dispatcher(engine, transports, lease=settings.outbox_lease)
        self.console = Console(engine, self.cases, self.secret, https_only=settings.public_url.startswith("https://"))
        self.loop: asyncio.AbstractEventLoop | None = None
        self.parser: nlu.Parser | None = None
        self.assistant: Assistant | None = None
        self.telegram: TelegramChannel | None = None

    def prepare_nlu(self) -> nlu.Parser:
        """Train on first start when there is no model, then load it (or use RASA_URL)."""
        if not self.settings.rasa_url and nlu.latest_model(self.settings.models_dir) is None:
            log.warning("no NLU model in %s: training one now (a few minutes, once)", self.settings.models_dir)
            nlu.train(self.settings.models_dir)
        return nlu.load_parser(self.settings.models_dir, self.settings.rasa_url)

    def reload_content(self) -> None:
        """`assistant content reload` (SIGHUP): the FAQ answers, and the rules with their
        questions and texts; a broken file is refused and what is in use stays."""
        self.content.reload()
        rules_adapter.rules.reload()

    def ready(self, parser: nlu.Parser) -> None:
        self.parser = parser
        dialogue = Dialogue(
            parser,
            self.content,
            handoff=self.handoff,
            callback_days=self.settings.callback_working_days,
            on_parse=self.understanding.record,
            on_share=self.samples.add,
        )
        self.assistant = Assistant(
            dialogue, self.store, connections=self.settings.database_pool_size + self.settings.database_max_overflow
        )
        if self.settings.telegram_token:
            # python-telegram-bot's import is a second: only where a Telegram token is configured.
            from .telegram_channel import TelegramChannel

            # Every worker must answer Telegram's pushes with the secret the last one registered:
            # when none is configured, it is derived from the secret they already share.
            secret = (
                self.settings.telegram_webhook_secret
                or hmac.new(self.secret.encode(), b"telegram-webhook", hashlib.sha256).hexdigest()
            )
            self.telegram = TelegramChannel(
                self.assistant,
                self.store.engine,
                str(self.settings.telegram_token),
                base_url=self.settings.telegram_api_url,
                webhook_url=self.settings.telegram_webhook_url,
                webhook_secret=str(secret),
            )


def log_loop_exception(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """An error nobody awaited (a task, a callback): asyncio's own report quotes the exception's
    message, which may carry what was being processed; the type is enough here."""
    exc = context.get("exception")
    log.error("unhandled error in a background task: %s", type(exc).__name__ if exc else "no exception")


def _release_free_memory() -> None:
    """Give back to the system what loading the model allocated and freed (glibc keeps it)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class PersonMessageTransport:
    """An adviser's message: pushed on Telegram; on the web it waits until the person comes back
    (the chat shows it then)."""

    timeout = 30.0  # seconds to wait for Telegram

    def __init__(self, services: Services):
        self.services = services

    def send(self, payload: dict[str, Any]) -> None:

        s = self.services
        with s.cases.engine.connect() as conn:
            row = conn.execute(
                select(
                    person_messages.c.id,
                    person_messages.c.body_enc,
                    person_messages.c.delivered_at,
                    cases.c.channel,
                    cases.c.address_enc,
                )
                .join(cases, cases.c.id == person_messages.c.case_id)
                .where(person_messages.c.id == payload["message_id"])
            ).one_or_none()
        if row is None or row.delivered_at is not None or row.channel != "telegram":
            return
        if s.telegram is None or s.loop is None:
            raise RuntimeError("telegram is not running")
        chat_id = s.cipher.decrypt(row.address_enc).split(":", 1)[1]
        text = translator("fr")("Message de votre conseiller : {message}", message=s.cipher.decrypt(row.body_enc))
        future = asyncio.run_coroutine_threadsafe(s.telegram.application.bot.send_message(int(chat_id), text), s.loop)
        future.result(timeout=self.timeout)
        CaseDesk(s.cases).mark_delivered([row.id])


def rest_messages(sender: str, replies: list[Reply]) -> list[dict[str, Any]]:
    """Rasa's REST channel output: one object per message, `buttons` only when there are some."""
    out = []
    for reply in replies:
        item: dict[str, Any] = {"recipient_id": sender, "text": reply.text}
        if reply.buttons:
            item["buttons"] = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
        out.append(item)
    return out


def _bad_request(reason: str) -> JSONResponse:
    return JSONResponse({"error": reason}, status_code=400)


class _BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    """Refuse request bodies over `limit` bytes with a 413 and a JSON reason: at once from
    Content-Length, or by counting the bytes of a body streamed without one (chunked)."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY):
        self.app = app
        self.limit = limit

    def _refusal(self) -> JSONResponse:
        return JSONResponse({"error": f"the request body must be at most {self.limit} bytes"}, status_code=413)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                await JSONResponse({"error": "Content-Length must be a number of bytes"}, status_code=400)(
                    scope, receive, send
                )
                return
            if int(declared) > self.limit:
                await self._refusal()(scope, receive, send)
                return
        received = 0
        refused = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    if not started:
                        refused = True
                        await self._refusal()(scope, receive, send)
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 is already sent; what the interrupted app says is dropped
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        with contextlib.suppress(_BodyTooLarge):
            await self.app(scope, counting_receive, guarded_send)


async def rest_webhook(request: Request) -> Response:
    services: Services = request.app.state.services
    if services.assistant is None:
        return JSONResponse({"error": "the assistant is starting, try again in a moment"}, status_code=503)
    try:
        body = orjson.loads(await request.body())
    except ValueError:  # orjson's JSONDecodeError is one
        return _bad_request('body must be JSON: {"sender": "...", "message": "..."}')
    if not isinstance(body, dict):
        return _bad_request("body must be a JSON object")
    sender, message = body.get("sender"), body.get("message")
    metadata = body.get("metadata")
    metadata = {} if metadata is None else metadata
    # Printable: the sender is part of a database key (PostgreSQL refuses a NUL in text).
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER or not sender.isprintable():
        return _bad_request(f"sender must be a non-empty string of at most {MAX_SENDER} printable characters")
    if not isinstance(message, str):
        return _bad_request("message must be a string")
    if not isinstance(metadata, dict):
        return _bad_request("metadata must be an object")
    hint = metadata.get("locale") if isinstance(metadata.get("locale"), str) else None
    locale_hint = hint or request.headers.get("accept-language")
    replies = await services.assistant.handle("web", sender, message, locale_hint)
    # orjson: the standard library's encoder took a twentieth of the time of a button answer.
    return Response(orjson.dumps(rest_messages(sender, replies)), media_type="application/json")


def _page_strings(locale: str) -> dict[str, str]:
    _ = translator(locale)
    return {
        "title": _("Assistant logement — salariés en difficulté"),
        "heading": _("Difficultés de logement : on vous aide"),
        "intro": _("Gratuit et confidentiel : votre employeur n'est jamais informé."),
        "placeholder": _("Écrivez votre message"),
        "send": _("Envoyer"),
        "quick_exit": _("Quitter rapidement"),
        "quick_exit_help": _(
            "Quitte ce site tout de suite et efface la conversation de ce navigateur (touche Échap deux fois)."
        ),
        "typing": _("L'assistant écrit…"),
        "you": _("Vous"),
        "assistant": _("Assistant"),
        "privacy": _("Vos données"),
        "log_label": _("Conversation"),
        "error": _("Le message n'a pas pu être envoyé. Vérifiez votre connexion et réessayez."),
        "emergency": _("Urgence : 17 ou 112 · violences : 3919 · hébergement : 115"),
    }


async def chat_page(request: Request) -> HTMLResponse:
    locale = negotiate(request.query_params.get("lang"), request.headers.get("accept-language"))
    html = templates.get_template("chat.html").render(lang=locale, t=_page_strings(locale))
    return HTMLResponse(html, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


async def privacy_page(request: Request) -> HTMLResponse:
    locale = negotiate(request.query_params.get("lang"), request.headers.get("accept-language"))
    return HTMLResponse(templates.get_template(f"privacy.{locale}.html").render(lang=locale))


async def telegram_webhook(request: Request) -> Response:
    services: Services = request.app.state.services
    if services.telegram is None or not services.settings.telegram_webhook_url:
        return JSONResponse({"error": "the Telegram webhook is not enabled"}, status_code=404)
    return await services.telegram.webhook(request)


async def metrics_page(request: Request) -> Response:

    services: Services = request.app.state.services
    try:
        backlog = await anyio.to_thread.run_sync(services.dispatcher.backlog)
        for status in ("pending", "sent", "failed"):
            metrics.outbox_backlog.labels(status).set(backlog.get(status, 0))
    except Exception:  # the database may be away; the other metrics still say so
        pass
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)


async def health(request: Request) -> JSONResponse:
    services: Services = request.app.state.services
    if services.assistant is None:
        return JSONResponse({"status": "starting"}, status_code=503)
    try:
        await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(None, services.store.ping), 3.0)
    except Exception as exc:  # SQLAlchemy's errors, or no answer within 3 s
        log.warning("health: database unreachable: %s", type(exc).__name__)
        return JSONResponse({"status": "database unavailable"}, status_code=503)
    rules = rules_adapter.rules_for(dt.date.today())
    return JSONResponse({"status": "ok", "rules_version": rules.version})


async def _dispatch_forever(services: Services, every: float = 5.0) -> None:
    """Deliver the outbox in the background (notifications survive a crash: they wait there)."""

    while True:
        try:
            await anyio.to_thread.run_sync(services.dispatcher.run_once)
        except Exception as exc:  # the database may be away for a while: try again later
            log.warning("outbox dispatch failed: %s", type(exc).__name__)
        await asyncio.sleep(every)


async def _count_misunderstandings(services: Services, every: float = 60.0) -> None:
    """Add the counts of what was not understood to the database every minute (bot/feedback.py)."""

    while True:
        await asyncio.sleep(every)
        try:
            await anyio.to_thread.run_sync(services.understanding.flush)
        except Exception as exc:  # kept in memory for the next time
            log.warning("understanding counts not saved: %s", type(exc).__name__)


async def _purge_daily(services: Services) -> None:

    while True:
        try:
            await anyio.to_thread.run_sync(run_purge, services.settings)
        except Exception as exc:
            log.warning("purge failed: %s", type(exc).__name__)
        await asyncio.sleep(24 * 3600)


def create_app(settings: Settings | None = None, parser: nlu.Parser | None = None) -> Starlette:
    settings = settings or load_settings()
    services = Services(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(log_loop_exception)
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not the main thread
            loop.add_signal_handler(signal.SIGHUP, services.reload_content)
        services.loop = loop
        services.ready(parser if parser is not None else await loop.run_in_executor(None, services.prepare_nlu))
        if parser is None:
            # The model and the libraries are some 600 000 long-lived objects: taken out of the
            # garbage collector's sight, its full passes no longer walk them every few batches
            # (about 15 % of the CPU time of a parse).
            gc.collect()
            gc.freeze()
            _release_free_memory()
        if services.telegram is not None:
            await services.telegram.start()
        dispatching = asyncio.create_task(_dispatch_forever(services))
        purging = asyncio.create_task(_purge_daily(services))
        counting = asyncio.create_task(_count_misunderstandings(services))
        try:
            yield
        finally:
            dispatching.cancel()
            purging.cancel()
            counting.cancel()
            with contextlib.suppress(Exception):
                services.understanding.flush()
            if services.telegram is not None:
                await services.telegram.stop()
            if parser is None and services.parser is not None:
                await services.parser.close()

    app = Starlette(
        routes=[
            Route("/", chat_page),
            Route("/confidentialite", privacy_page),
            Route("/health", health),
            Route("/metrics", metrics_page),
            Route("/webhooks/rest/webhook", rest_webhook, methods=["POST"]),
            Route("/webhooks/telegram", telegram_webhook, methods=["POST"]),
            Mount("/console", app=services.console.app),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ],
        middleware=[Middleware(BodySizeLimit, limit=MAX_BODY)],
        lifespan=lifespan,
    )
    app.state.services = services
    return app
