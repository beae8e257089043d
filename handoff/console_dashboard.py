"""The supervisors' dashboard page and its CSV export (handoff/dashboard.py gives the figures)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Protocol

from markupsafe import Markup
from sqlalchemy.engine import Engine
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from . import charts
from .advisers import Adviser
from .dashboard import as_csv, figures, period
from .repository import utcnow
from .templates_render import render as _render


class DashboardDoors(Protocol):
    @property
    def engine(self) -> Engine: ...
    @property
    def targets(self) -> tuple[dt.timedelta, dt.timedelta]: ...
    @property
    def misunderstood(self) -> Callable[[list[str]], list[tuple[str, int, int]]] | None: ...

    def signed_in_adviser(self, request: Request) -> Adviser | None: ...
    def forbidden(self, request: Request, reason: str) -> HTMLResponse: ...


class DashboardPage:
    def __init__(self, console: DashboardDoors):
        self.console = console

    def _figures(self, request: Request):
        adviser = self.console.signed_in_adviser(request)
        if adviser is None or adviser.role != "supervisor":
            return adviser, None
        start, end = period(request.query_params, utcnow().date())
        return adviser, figures(self.console.engine, start, end, self.console.targets, self.console.misunderstood)

    async def page(self, request: Request) -> Response:
        adviser, f = self._figures(request)
        if f is None:
            return self.console.forbidden(request, "Réservé aux superviseurs.")
        weeks = [w.split("-W")[1] for w in f.weeks]
        svg = {
            "per_week": charts.columns("Demandes par semaine", weeks, [float(n) for n in f.per_week]),
            "within": charts.columns("Part des demandes contactées dans le délai visé, par semaine", weeks,
                                     f.within_target, percent=True),
            "outcomes": charts.rows("Résultats de la pré-vérification", f.outcomes),
            "channels": charts.rows("Canaux", f.channels),
            "misunderstood": charts.rows("Part des messages non compris, par sujet approchant (%)",
                                         [(name, round(100 * missed / total)) for name, missed, total in
                                          f.misunderstood[:10] if total], percent=True),
        }
        return _render("console_dashboard.html", request, adviser=adviser, f=f, shown=charts.shown,
                       charts={k: Markup(v) for k, v in svg.items()},  # noqa: S704 -- drawn here, every text escaped
                       urgent_share=(100 * f.urgent / f.total) if f.total else 0.0)

    async def export(self, request: Request) -> Response:
        _, f = self._figures(request)
        if f is None:
            return self.console.forbidden(request, "Réservé aux superviseurs.")
        return Response(as_csv(f), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="demandes-{f.start}-{f.end}.csv"',
            "Cache-Control": "no-store"})
