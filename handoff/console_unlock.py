"""An adviser's own way out of a lockout: someone failing five sign-ins on their login locks the
account, and the adviser opens it again with both factors at once (password and a TOTP or
recovery code, `twofactor.self_unlock`) instead of waiting or calling a supervisor. The page
answers the same for every failure, behind the same per-address throttle as the sign-in."""
from __future__ import annotations

import secrets
from typing import Protocol

import anyio
from sqlalchemy.engine import Engine
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from . import twofactor
from .crypto import Cipher
from .templates_render import render as _render

FAILED = "Identifiant, mot de passe ou code incorrect, ou compte sans second facteur (un superviseur le débloque)."


class UnlockDoors(Protocol):
    """What the page takes from the console (handoff/console.py)."""

    @property
    def engine(self) -> Engine: ...
    @property
    def cipher(self) -> Cipher: ...
    @property
    def hashing(self) -> anyio.CapacityLimiter: ...

    async def checked_form(self, request: Request) -> dict[str, str] | None: ...
    def forbidden(self, request: Request, reason: str) -> HTMLResponse: ...
    def sign_in(self, request: Request, adviser_id: int) -> Response: ...
    def throttled(self, request: Request, template: str) -> Response | None: ...


class UnlockPage:
    def __init__(self, console: UnlockDoors):
        self.console = console

    async def page(self, request: Request) -> Response:
        console = self.console
        request.session.setdefault("csrf", secrets.token_urlsafe(32))
        if request.method == "GET":
            return _render("console_unlock.html", request, error=None)
        form = await console.checked_form(request)
        if form is None:
            return console.forbidden(request, "Formulaire expiré : rechargez la page.")
        refused = console.throttled(request, "console_unlock.html")
        if refused is not None:
            return refused
        adviser = await anyio.to_thread.run_sync(
            twofactor.self_unlock, console.engine, console.cipher, form.get("login", "")[:64],
            form.get("password", "")[:256], form.get("code", "")[:32], limiter=console.hashing)
        if adviser is None:
            return _render("console_unlock.html", request, status_code=401, error=FAILED)
        return console.sign_in(request, adviser.id)
