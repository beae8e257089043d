"""The supervisors' page of notifications that failed: what the outbox could not deliver after
its last attempt (the team's e-mail, the webhook, a lost code, a message to the person), by id,
kind, attempts and the error's type, never the content; each made due again, or all at once.
The same as `assistant outbox list --failed` and `retry`, for a team without shell access."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from . import outbox
from .console_accounts import ConsoleDoors
from .repository import audit
from .templates_render import render as _render

KINDS = {"email": "e-mail à l’équipe", "webhook": "webhook", "person_message": "message à la personne",
         "access_code": "nouveau code de suivi"}


class OutboxPage:
    def __init__(self, console: ConsoleDoors):
        self.console = console

    async def page(self, request: Request) -> Response:
        adviser = self.console.signed_in_adviser(request)
        if adviser is None or adviser.role != "supervisor":
            return self.console.forbidden(request, "Réservé aux superviseurs.")
        failed = outbox.rows(self.console.engine, "failed")
        retried = request.query_params.get("retried", "")
        return _render("console_outbox.html", request, adviser=adviser, failed=failed, kinds=KINDS,
                       retried=int(retried) if retried.isdigit() else None)

    async def retry(self, request: Request) -> Response:
        adviser = self.console.signed_in_adviser(request)
        if adviser is None or adviser.role != "supervisor":
            return self.console.forbidden(request, "Réservé aux superviseurs.")
        form = await self.console.checked_form(request)
        if form is None:
            return self.console.forbidden(request, "Formulaire expiré : rechargez la page.")
        row = form.get("id", "")
        retried = outbox.retry(self.console.engine, int(row) if row.isdigit() else None)
        with self.console.engine.begin() as conn:
            audit(conn, f"adviser:{adviser.id}", "outbox_retried", None)
        return RedirectResponse(f"/console/outbox?retried={retried}", status_code=303)
