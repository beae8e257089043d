"""The bound on requests to an adviser per client and hour, shared by every worker: each request
sent is a row (the client's keyed hash and the time) in the database, and a client with
CASES_PER_HOUR rows in the last hour sends no more until the oldest is an hour old. A client is
a web client's address (as the proxy forwards it) or a Telegram chat.

The address itself is never stored: only an HMAC of it under the deployment's secret, kept an
hour (each check deletes what is older). On PostgreSQL, two workers checking one client at the
same moment take turns (a transaction lock on its hash), so together they never pass the bound.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import Column, DateTime, Index, MetaData, String, Table, delete, func, insert, select, text
from sqlalchemy.engine import Engine

from handoff.repository import utcnow

from .store import pseudonym

WINDOW = dt.timedelta(hours=1)

_metadata = MetaData()
case_requests = Table(
    "case_requests", _metadata,
    Column("client", String(80), nullable=False),  # pseudonym("client:<address>"): never the address
    Column("at", DateTime, nullable=False),
    Index("ix_case_requests_client_at", "client", "at"),
)


class RequestBound:
    def __init__(self, engine: Engine, secret: str, per_hour: int, clock: Callable[[], dt.datetime] = utcnow):
        if per_hour < 1:
            raise ValueError("CASES_PER_HOUR must be at least 1")
        self.engine = engine
        self.secret = secret
        self.per_hour = per_hour
        self.clock = clock

    def allow(self, client: str) -> bool:
        """Count one request from `client` if it is within the bound; False (nothing counted) past it."""
        key = pseudonym(self.secret, f"client:{client}")
        now = self.clock()
        with self.engine.begin() as conn:
            if self.engine.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": key})
            conn.execute(delete(case_requests).where(case_requests.c.at <= now - WINDOW))
            sent = conn.execute(select(func.count()).select_from(case_requests)
                                .where(case_requests.c.client == key)).scalar_one()
            if sent >= self.per_hour:
                return False
            conn.execute(insert(case_requests).values(client=key, at=now))
            return True


def purge_requests(engine: Engine, now: dt.datetime) -> int:
    """Rows older than the hour they count for (each check deletes them too; this is for a
    deployment where no request came since)."""
    with engine.begin() as conn:
        return conn.execute(delete(case_requests).where(case_requests.c.at <= now - WINDOW)).rowcount
