"""The supervisors' page of accounts: who has sessions open, who is locked or disabled; closing an
account's sessions (a lost laptop), opening a locked account, disabling an account (a
departure) and enabling it again."""
from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.engine import Engine
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from .advisers import Adviser, AdviserError, adviser_id_of, list_advisers, locked_ids, set_disabled, unlock
from .sessions import SessionStore
from .templates_render import render as _render


class ConsoleDoors(Protocol):
    """What these pages take from the console (handoff/console.py): who is signed in, the forms'
    CSRF check, the refusal page, the sessions and the database."""

    engine: Engine
    sessions: SessionStore

    def signed_in_adviser(self, request: Request) -> Adviser | None: ...
    async def checked_form(self, request: Request) -> dict[str, str] | None: ...
    def forbidden(self, request: Request, reason: str) -> HTMLResponse: ...


class AccountPages:
    def __init__(self, console: ConsoleDoors):
        self.console = console

    async def page(self, request: Request) -> Response:
        adviser = self.console.signed_in_adviser(request)
        if adviser is None or adviser.role != "supervisor":
            return self.console.forbidden(request, "Réservé aux superviseurs.")
        return _render("console_advisers.html", request, adviser=adviser, accounts=list_advisers(self.console.engine),
                       open_sessions=self.console.sessions.open_counts(), locked=locked_ids(self.console.engine))

    async def revoke(self, request: Request) -> Response:
        """A supervisor ends every session of an account (a lost laptop, a departure)."""
        return await self._on_account(request, lambda target, actor: self.console.sessions.revoke_all(target, actor))

    async def unlock(self, request: Request) -> Response:
        """A supervisor opens an account locked by failed sign-ins (someone else's, maybe)."""
        return await self._on_account(request, lambda target, actor: unlock(self.console.engine, target, actor))

    async def disable(self, request: Request) -> Response:
        """A supervisor disables an account (a departure): no more sign-in, every session ends."""
        return await self._on_account(request, lambda target, actor: set_disabled(
            self.console.engine, request.path_params["login"][:64], True, actor), not_oneself=True)

    async def enable(self, request: Request) -> Response:
        return await self._on_account(request, lambda target, actor: set_disabled(
            self.console.engine, request.path_params["login"][:64], False, actor))

    async def _on_account(self, request: Request, action: Any, not_oneself: bool = False) -> Response:
        adviser = self.console.signed_in_adviser(request)
        if adviser is None or adviser.role != "supervisor":
            return self.console.forbidden(request, "Réservé aux superviseurs.")
        if await self.console.checked_form(request) is None:
            return self.console.forbidden(request, "Formulaire expiré : rechargez la page.")
        try:
            target = adviser_id_of(self.console.engine, request.path_params["login"][:64])
        except AdviserError:
            return _render("console_error.html", request, status_code=404, message="Compte introuvable.")
        if not_oneself and target == adviser.id:
            return self.console.forbidden(request, "Vous ne pouvez pas désactiver votre propre compte.")
        action(target, f"adviser:{adviser.id}")
        return RedirectResponse("/console/advisers", status_code=303)

