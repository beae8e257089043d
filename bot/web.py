"""The web channel: health check now; the chat page and the REST webhook plug in here."""
from __future__ import annotations

import datetime as dt

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import rules_adapter


async def health(request: Request) -> JSONResponse:
    rules = rules_adapter.rules_for(dt.date.today())
    return JSONResponse({"status": "ok", "rules_version": rules.version})


def create_app() -> Starlette:
    return Starlette(routes=[Route("/health", health)])
