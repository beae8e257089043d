"""The advisers' queue: their regions' cases by priority then age, found by reference, postcode
or département; filters (mine, unassigned, urgent, waiting for us, waiting for the person) with
their counts; a clock per case since it came in and since the last contact attempt, late past the
team's targets (SLA_FIRST_CONTACT_HOURS, SLA_URGENT_FIRST_CONTACT_HOURS); pages of 25."""
from __future__ import annotations

import datetime as dt
from typing import Any, Protocol
from urllib.parse import urlencode

from babel.dates import format_timedelta
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from .advisers import Adviser
from .domain import Status
from .places import ALL_REGIONS
from .repository import utcnow
from .templates_render import render as _render

PAGE = 25
FILTERS = {"": "Toutes", "mine": "Mes dossiers", "unassigned": "Non attribuées", "urgent": "Urgentes",
           "waiting_us": "En attente de nous", "waiting_person": "En attente de la personne"}
STATUSES = [("open", "En cours (nouvelles, prises en charge, contactées)"), ("new", "Nouvelles"),
            ("claimed", "Prises en charge"), ("contacted", "Contactées"), ("closed", "Closes"),
            ("withdrawn", "Annulées"), ("all", "Toutes")]
OPEN = (Status.NEW, Status.CLAIMED, Status.CONTACTED)
HINT = "Recherche : une référence (ASD-…), un code postal, un numéro de département ou une date (30/11/2026)."


class Repo(Protocol):
    def queue(self, regions: list[str] | None = None, statuses: tuple[Status, ...] = ...,
              with_outcome: bool = False) -> list[dict[str, Any]]: ...


class Record(Protocol):
    def record(self, actor: str, action: str, reference: str | None = None) -> None: ...


class Unread(Protocol):
    def unread(self, references: list[str]) -> dict[str, int]: ...


class Work(Protocol):
    def find(self, text: str) -> list[str] | None: ...
    def last_attempts(self, references: list[str]) -> dict[str, dt.datetime]: ...


class QueueDoors(Protocol):
    """What the queue takes from the console (handoff/console.py)."""

    @property
    def repo(self) -> Repo: ...
    @property
    def desk(self) -> Record: ...
    @property
    def follow(self) -> Unread: ...
    @property
    def work(self) -> Work: ...
    @property
    def targets(self) -> tuple[dt.timedelta, dt.timedelta]: ...  # (urgent, normal) first contact

    def signed_in_adviser(self, request: Request) -> Adviser | None: ...


def since(delta: dt.timedelta) -> str:
    return format_timedelta(delta, locale="fr_FR", threshold=1.5)


class QueuePage:
    def __init__(self, console: QueueDoors):
        self.console = console

    def _filtered(self, row: dict[str, Any], wanted: str, adviser: Adviser) -> bool:
        if wanted == "mine":
            return row["claimed_by"] == adviser.id
        if wanted == "unassigned":
            return row["claimed_by"] is None
        if wanted == "urgent":
            return row["priority"] == 0
        if wanted == "waiting_us":
            return row["status"] == Status.NEW.value or row["unread"] > 0
        if wanted == "waiting_person":
            return row["status"] != Status.NEW.value and row["unread"] == 0 and row["last_attempt"] is not None
        return True

    async def page(self, request: Request) -> Response:
        console = self.console
        adviser = console.signed_in_adviser(request)
        if adviser is None:
            return RedirectResponse("/console/login", status_code=303)
        if adviser.role == "editor":  # content staff: the FAQ editor, never a case
            return RedirectResponse("/console/content", status_code=303)
        params = request.query_params
        query = params.get("q", "").strip()[:40]
        status = params.get("status", "open")
        if status not in dict(STATUSES):
            status = "open"
        wanted = params.get("filter", "urgent" if params.get("priority") == "urgent" else "")
        wanted = wanted if wanted in FILTERS else ""
        region = params.get("region") or ""
        regions = None if adviser.role == "supervisor" else list(adviser.regions)
        if region:
            regions = [region] if (regions is None or region in regions) else []
        error, found = None, None
        if query:
            found = console.work.find(query)
            if found is None:
                error = HINT
        statuses = tuple(Status) if status == "all" or found is not None else (
            OPEN if status == "open" else tuple(s for s in Status if s.value == status))
        rows = console.repo.queue(regions=regions, statuses=statuses, with_outcome=True)
        if found is not None:
            rows = [r for r in rows if r["reference"] in set(found)]
        references = [r["reference"] for r in rows]
        unread, attempts = console.follow.unread(references), console.work.last_attempts(references)
        now = utcnow()
        urgent_target, normal_target = console.targets
        for row in rows:
            row["unread"] = unread.get(row["reference"], 0)
            row["last_attempt"] = attempts.get(row["reference"])
            age = now - row["created_at"]
            row["age"] = since(age)
            row["since_attempt"] = since(now - row["last_attempt"]) if row["last_attempt"] else None
            target = urgent_target if row["priority"] == 0 else normal_target
            row["late"] = row["last_attempt"] is None and row["status"] in [s.value for s in OPEN] and age > target
        counts = {key: sum(1 for r in rows if self._filtered(r, key, adviser)) for key in FILTERS}
        shown = [r for r in rows if self._filtered(r, wanted, adviser)]
        pages = max(1, -(-len(shown) // PAGE))
        try:
            number = min(max(1, int(params.get("page", "1"))), pages)
        except ValueError:
            number = 1
        console.desk.record(f"adviser:{adviser.id}", "queue_viewed", None)

        def link(**changes: Any) -> str:
            kept = {"q": query, "status": status, "filter": wanted, "region": region, "page": number}
            kept.update(changes)
            return "/console/?" + urlencode({k: v for k, v in kept.items() if v not in ("", None, 1)})

        return _render(
            "console_queue.html", request, status_code=400 if error else 200, adviser=adviser,
            rows=shown[(number - 1) * PAGE:number * PAGE], status=status, status_choices=STATUSES, filter=wanted,
            filters=FILTERS, counts=counts, region=region, query=query, error=error, page=number, pages=pages,
            link=link, regions=adviser.regions if adviser.role != "supervisor" else ALL_REGIONS,
            targets={"urgent": since(urgent_target), "normal": since(normal_target)},
        )
