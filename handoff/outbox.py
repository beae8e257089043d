"""Delivery of what the outbox holds: notifications to the regional team by e-mail (SMTP) and,
optionally, a signed JSON webhook for an organisation's case-management software.

Rows are written in the transaction that makes them due (see repository.create), so a crash
between the case and its notification loses nothing: the next run delivers it. Each row is
taken by one dispatcher at a time (a conditional UPDATE on `locked_until`), retried with
exponential backoff, and marked `failed` — visible to operators — after the last attempt.

Delivery is **at least once, deduplicated by id**: a process killed after a delivery reached
its destination but before the row was marked sent delivers it again once its lease expires.
Every row has a stable delivery id (`delivery_id`), sent as `Idempotency-Key` and
`X-Delivery-Id` on the webhook and as the e-mail's `Message-ID`, so a receiver (or a mail
client) sees the same id twice and keeps one. Each destination (kind of row) is delivered in its
own thread, so a slow webhook no longer delays the e-mails.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Protocol

import httpx
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.engine import Engine

from .mail import Mailer
from .orm import outbox
from .repository import utcnow

log = logging.getLogger(__name__)


class Transport(Protocol):
    def send(self, payload: dict[str, Any], delivery_id: str) -> None: ...


def delivery_id(row_id: int, created_at: dt.datetime) -> str:
    """The same for every attempt at one row; unlike the row id alone, not reused by another
    database (a restored backup, a test's)."""
    return f"outbox-{row_id}-{created_at:%Y%m%d%H%M%S}"


def message_id(delivery: str) -> str:
    return f"<{delivery}@assistant-logement>"


@dataclass
class EmailTransport:
    mailer: Mailer
    team_addresses: dict[str, str]  # region -> the regional team's address
    default_address: str

    @property
    def timeout(self) -> float:
        return self.mailer.timeout

    def send(self, payload: dict[str, Any], delivery_id: str) -> None:
        message = EmailMessage()
        message["Message-ID"] = message_id(delivery_id)
        message["To"] = self.team_addresses.get(payload.get("region", ""), self.default_address)
        message["Subject"] = payload["subject"]
        priority = "URGENTE" if payload.get("priority") == "urgent" else "normale"
        message.set_content(
            f"Nouvelle demande d'accompagnement social {payload['reference']}.\n"
            f"Priorité : {priority}\nRégion : {payload.get('region') or '?'}\n\n"
            f"Ouvrir le dossier dans la console : {payload['link']}\n\n"
            "Ce message ne contient aucune donnée personnelle : les coordonnées sont dans la console.\n"
        )
        self.mailer.send(message)


@dataclass
class WebhookTransport:
    url: str
    secret: str
    timeout: float = 10.0

    def send(self, payload: dict[str, Any], delivery_id: str) -> None:
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
        signature = hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
        response = httpx.post(self.url, content=body, timeout=self.timeout, headers={
            "Content-Type": "application/json", "X-Assistant-Signature": f"sha256={signature}",
            "Idempotency-Key": delivery_id, "X-Delivery-Id": delivery_id})
        response.raise_for_status()


class Dispatcher:
    """Delivers due outbox rows. A row is taken for `lease` seconds: if its dispatcher dies (kill -9,
    a lost machine) before marking it sent, another run takes it once the lease has expired. The
    lease must outlast a delivery attempt (the transports' timeouts), or a slow delivery still
    under way could be taken and sent a second time."""

    def __init__(self, engine: Engine, transports: dict[str, Transport], *, clock: Callable[[], dt.datetime] = utcnow,
                 max_attempts: int = 8, base_delay: float = 30.0, lease: float = 120.0):
        longest = max((float(getattr(t, "timeout", 0.0)) for t in transports.values()), default=0.0)
        if lease <= longest:
            raise ValueError(f"the outbox lease ({lease:g} s) must be longer than a delivery attempt ({longest:g} s)")
        self.engine = engine
        self.transports = transports
        self.clock = clock
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.lease = lease

    def _take(self, row_id: int) -> bool:
        # The time of taking, not of the run's start: earlier rows of the run may have taken
        # longer than a lease, and a lease already expired when taken protects nothing.
        now = self.clock()
        with self.engine.begin() as conn:
            return conn.execute(
                update(outbox)
                .where(and_(outbox.c.id == row_id, outbox.c.status == "pending",
                            or_(outbox.c.locked_until.is_(None), outbox.c.locked_until < now)))
                .values(locked_until=now + dt.timedelta(seconds=self.lease))
            ).rowcount == 1

    def run_once(self, limit: int = 50) -> int:
        """Deliver what is due, each destination in its own thread; returns how many were sent."""
        now = self.clock()
        with self.engine.connect() as conn:
            due = conn.execute(
                select(outbox.c.id, outbox.c.kind, outbox.c.payload, outbox.c.attempts, outbox.c.created_at)
                .where(and_(outbox.c.status == "pending", outbox.c.next_attempt_at <= now,
                            or_(outbox.c.locked_until.is_(None), outbox.c.locked_until < now)))
                .order_by(outbox.c.id).limit(limit)
            ).all()
        by_kind: dict[str, list[Any]] = {}
        for row in due:
            if row.kind in self.transports:
                by_kind.setdefault(row.kind, []).append(row)
        if len(by_kind) <= 1:
            return sum(self._deliver(rows, now) for rows in by_kind.values())
        with ThreadPoolExecutor(max_workers=len(by_kind), thread_name_prefix="outbox") as pool:
            futures = [pool.submit(self._deliver, rows, now) for rows in by_kind.values()]
            return sum(future.result() for future in futures)

    def _deliver(self, rows: list[Any], now: dt.datetime) -> int:
        """One destination's rows, in order."""
        sent = 0
        for row in rows:
            transport = self.transports[row.kind]
            if not self._take(row.id):
                continue
            try:
                transport.send(json.loads(row.payload), delivery_id(row.id, row.created_at))
            except Exception as exc:  # any delivery failure is retried, then shown as failed
                attempts = row.attempts + 1
                failed = attempts >= self.max_attempts
                delay = self.base_delay * (2 ** (attempts - 1))
                with self.engine.begin() as conn:
                    conn.execute(
                        update(outbox)
                        .where(outbox.c.id == row.id)
                        .values(
                            attempts=attempts,
                            status="failed" if failed else "pending",
                            locked_until=None,
                            next_attempt_at=now + dt.timedelta(seconds=delay),
                            last_error=type(exc).__name__[:200],
                        )
                    )
                log.warning(
                    "outbox %s #%d not delivered (attempt %d): %s", row.kind, row.id, attempts, type(exc).__name__
                )
                continue
            with self.engine.begin() as conn:
                conn.execute(
                    update(outbox)
                    .where(outbox.c.id == row.id)
                    .values(status="sent", sent_at=self.clock(), attempts=row.attempts + 1, locked_until=None)
                )
            sent += 1
        return sent

    def backlog(self) -> dict[str, int]:

        with self.engine.connect() as conn:
            return {
                status: n for status, n in conn.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status))
            }


def rows(engine: Engine, status: str | None = None) -> list[dict[str, Any]]:
    """The outbox for operators: id, kind, status, attempts, last error (a type name), times.
    Never the payload (an access code, a person's message id)."""
    query = select(outbox.c.id, outbox.c.kind, outbox.c.status, outbox.c.attempts, outbox.c.last_error,
                   outbox.c.created_at, outbox.c.next_attempt_at).order_by(outbox.c.id)
    if status:
        query = query.where(outbox.c.status == status)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def retry(engine: Engine, row_id: int | None = None, now: dt.datetime | None = None) -> int:
    """Failed rows (one, or all) due again at once, their attempts counted from zero."""
    query = update(outbox).where(outbox.c.status == "failed")
    if row_id is not None:
        query = query.where(outbox.c.id == row_id)
    with engine.begin() as conn:
        return int(conn.execute(query.values(status="pending", attempts=0, next_attempt_at=now or utcnow(),
                                             locked_until=None)).rowcount)
