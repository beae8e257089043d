"""The console's pages from their templates (autoescaped), with what every page needs."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from .domain import OUTCOME_LABELS
from .words import FILTERS

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(["html"])
)
_templates.filters.update(FILTERS)  # codes in words, money and Paris times (words.py)
STATUS_LABELS = {
    "new": "Nouvelle",
    "claimed": "Prise en charge",
    "contacted": "Contactée",
    "closed": "Close",
    "withdrawn": "Annulée",
}


def render(name: str, request: Request, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = _templates.get_template(name).render(
        csrf=request.session.get("csrf", ""), statuses=STATUS_LABELS, outcomes=OUTCOME_LABELS, **context
    )
    return HTMLResponse(
        html,
        status_code=status_code,
        headers={
            "Cache-Control": "no-store",  # the security headers are every response's (bot/middleware.py)
        },
    )
