"""Console sessions on the server. The console's signed cookie carries a random session id; its
SHA-256 is stored with the adviser, when the session began and when it was last used. A session
works while it is not revoked (logout, a password change, a supervisor), used within `idle` and
younger than `absolute` (30 minutes and 8 hours by default, configurable)."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import and_, insert, select, update
from sqlalchemy.engine import Engine

from .orm import console_sessions
from .repository import audit, utcnow

TOUCH_EVERY = dt.timedelta(seconds=60)  # last use written at most this often (a page is several requests)


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass
class SessionStore:
    engine: Engine
    idle: dt.timedelta = dt.timedelta(minutes=30)
    absolute: dt.timedelta = dt.timedelta(hours=8)

    def create(self, adviser_id: int, now: dt.datetime | None = None) -> str:
        now = now or utcnow()
        session_id = secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(insert(console_sessions).values(
                id_hash=_hash(session_id), adviser_id=adviser_id, created_at=now, last_seen_at=now))
        return session_id

    def adviser_of(self, session_id: str, now: dt.datetime | None = None) -> int | None:
        """The session's adviser if it still works (and its last use, noted); None otherwise."""
        now = now or utcnow()
        with self.engine.connect() as conn:
            row = conn.execute(select(console_sessions).where(console_sessions.c.id_hash == _hash(session_id))).first()
        if row is None or row.revoked_at is not None:
            return None
        if now - row.last_seen_at > self.idle or now - row.created_at > self.absolute:
            return None
        if now - row.last_seen_at > TOUCH_EVERY:
            with self.engine.begin() as conn:
                conn.execute(update(console_sessions).where(console_sessions.c.id_hash == row.id_hash)
                             .values(last_seen_at=now))
        return int(row.adviser_id)

    def revoke(self, session_id: str, now: dt.datetime | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(console_sessions)
                         .where(and_(console_sessions.c.id_hash == _hash(session_id),
                                     console_sessions.c.revoked_at.is_(None)))
                         .values(revoked_at=now or utcnow()))

    def revoke_all(self, adviser_id: int, actor: str, now: dt.datetime | None = None) -> int:
        """Every open session of an adviser (a password change, a supervisor's decision)."""
        now = now or utcnow()
        with self.engine.begin() as conn:
            count = conn.execute(update(console_sessions)
                                 .where(and_(console_sessions.c.adviser_id == adviser_id,
                                             console_sessions.c.revoked_at.is_(None)))
                                 .values(revoked_at=now)).rowcount
            audit(conn, actor, "sessions_revoked", None, now)
        return int(count)

    def open_counts(self, now: dt.datetime | None = None) -> dict[int, int]:
        """Sessions still working, per adviser (the supervisors' accounts page)."""
        now = now or utcnow()
        with self.engine.connect() as conn:
            rows = conn.execute(select(console_sessions.c.adviser_id, console_sessions.c.created_at,
                                       console_sessions.c.last_seen_at)
                                .where(console_sessions.c.revoked_at.is_(None))).all()
        counts: dict[int, int] = {}
        for adviser_id, created, seen in rows:
            if now - seen <= self.idle and now - created <= self.absolute:
                counts[adviser_id] = counts.get(adviser_id, 0) + 1
        return counts
