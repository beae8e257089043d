"""The web app's routes: the chat page, Rasa's REST channel protocol (the web channel), the
Telegram webhook, the privacy notice, health and metrics."""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import orjson
from jinja2 import Environment, FileSystemLoader, select_autoescape
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import SQLAlchemyError
from sse_starlette import EventSourceResponse
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

import rules_adapter

from . import metrics
from .i18n import negotiate, translator
from .replies import Reply

if TYPE_CHECKING:
    from .bootstrap import Deployment

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
MAX_SENDER = 128
# An open page's stream: how often it looks for an adviser's message, and how long it lasts
# before the page opens the next (so no connection outlives a deployment for long).
POLL_SECONDS = 2.0
STREAM_SECONDS = 55.0
templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))


def _deployment(request: Request) -> Deployment:
    deployment: Deployment = request.app.state.deployment
    return deployment


def rest_messages(sender: str, replies: list[Reply]) -> list[dict[str, Any]]:
    """Rasa's REST channel output: one object per message, `buttons` only when there are some."""
    out = []
    for reply in replies:
        item: dict[str, Any] = {"recipient_id": sender, "text": reply.text}
        if reply.buttons:
            item["buttons"] = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
        custom: dict[str, Any] = {}  # Rasa's key for what a client makes of it
        if reply.locale:
            custom["locale"] = reply.locale
        if reply.choose_many:
            custom["multi"] = True
        if custom:
            item["custom"] = custom
        out.append(item)
    return out


def _bad_request(reason: str) -> JSONResponse:
    return JSONResponse({"error": reason}, status_code=400)


async def rest_webhook(request: Request) -> Response:
    services = _deployment(request)
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
    client = f"address:{request.client.host}" if request.client else ""
    replies = await services.assistant.handle("web", sender, message, locale_hint, client=client)
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
        "validate": _("Valider"),
        "you": _("Vous"),
        "assistant": _("Assistant"),
        "privacy": _("Vos données"),
        "log_label": _("Conversation"),
        "error": _("Le message n'a pas pu être envoyé. Vérifiez votre connexion et réessayez."),
        "emergency_danger": _("Danger :"),
        "emergency_violence": _("violences :"),
        "emergency_shelter": _("hébergement :"),
        "switch_to": "English" if locale == "fr" else "Français",
        "switch_locale": "en" if locale == "fr" else "fr",
    }


async def chat_page(request: Request) -> HTMLResponse:
    return _chat(request, start="")


async def follow_page(request: Request) -> HTMLResponse:
    """The chat, opening on "your reference and follow-up code" (the confirmation's link)."""
    return _chat(request, start="/follow")


def _chat(request: Request, start: str) -> HTMLResponse:
    locale = negotiate(request.query_params.get("lang"), request.headers.get("accept-language"))
    html = templates.get_template("chat.html").render(lang=locale, t=_page_strings(locale), start=start)
    return HTMLResponse(html, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


async def chat_events(request: Request) -> Response:
    """Server-Sent Events for an open chat page: the adviser's messages as they arrive, without
    the person writing. POST with the conversation's sender in a JSON body (it is the
    conversation's secret: never in a URL). The stream ends after STREAM_SECONDS, and the page
    opens the next one: a stream never holds a stopping server for long (sse-starlette also ends
    them on uvicorn's exit signal)."""
    services = _deployment(request)
    if services.assistant is None:
        return JSONResponse({"error": "the assistant is starting, try again in a moment"}, status_code=503)
    try:
        body = orjson.loads(await request.body())
    except ValueError:
        return _bad_request('body must be JSON: {"sender": "..."}')
    sender = body.get("sender") if isinstance(body, dict) else None
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER or not sender.isprintable():
        return _bad_request(f"sender must be a non-empty string of at most {MAX_SENDER} printable characters")
    assistant = services.assistant

    async def events() -> AsyncIterator[dict[str, str]]:
        deadline = asyncio.get_running_loop().time() + STREAM_SECONDS
        while asyncio.get_running_loop().time() < deadline:
            try:
                replies = await assistant.news("web", sender)
            except SQLAlchemyError as exc:
                log.warning("chat events: database unavailable: %s", type(exc).__name__)
                replies = []
            for item in rest_messages(sender, replies):
                yield {"event": "reply", "data": orjson.dumps(item).decode()}
            await asyncio.sleep(POLL_SECONDS)

    return EventSourceResponse(events(), ping=15, headers={"Cache-Control": "no-store"})


async def privacy_page(request: Request) -> HTMLResponse:
    locale = negotiate(request.query_params.get("lang"), request.headers.get("accept-language"))
    return HTMLResponse(templates.get_template(f"privacy.{locale}.html").render(lang=locale))


async def telegram_webhook(request: Request) -> Response:
    services = _deployment(request)
    if services.telegram is None or not services.settings.telegram_webhook_url:
        return JSONResponse({"error": "the Telegram webhook is not enabled"}, status_code=404)
    return await services.telegram.webhook(request)


async def metrics_page(request: Request) -> Response:
    services = _deployment(request)
    with contextlib.suppress(Exception):  # the database may be away; the other metrics still say so
        backlog = await anyio.to_thread.run_sync(services.dispatcher.backlog)
        for status in ("pending", "sent", "failed"):
            metrics.outbox_backlog.labels(status).set(backlog.get(status, 0))
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)


async def health(request: Request) -> JSONResponse:
    services = _deployment(request)
    if services.assistant is None:
        return JSONResponse({"status": "starting"}, status_code=503)
    try:
        await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(None, services.store.ping), 3.0)
    except Exception as exc:  # SQLAlchemy's errors, or no answer within 3 s
        log.warning("health: database unreachable: %s", type(exc).__name__)
        return JSONResponse({"status": "database unavailable"}, status_code=503)
    rules = rules_adapter.rules_for(dt.date.today())
    return JSONResponse({"status": "ok", "rules_version": rules.version})
