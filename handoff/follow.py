"""Following a case from anywhere, and the person's side of the messages.

The person gets a follow-up code with the reference, once; the database keeps only its keyed
hash (crypto.Cipher.keyed_hash). With both, from any channel, tab or device, the case follows
the conversation that gave them: the adviser's messages, the status, withdrawing, exporting and
erasing are reached from there (and no longer from the old one). Five wrong codes in a row lock
the case's follow-up for a quarter of an hour; every try is in the audit trail, never the code.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, func, insert, select, update

from .domain import FOLLOW_LOCK, FOLLOW_TRIES, Follow, new_access_code, normalize_access_code
from .orm import cases, person_messages
from .repository import CaseRepository, audit, utcnow

IN, OUT = "in", "out"  # a message from the person, to the person


class FollowDesk:
    def __init__(self, repository: CaseRepository):
        self.engine = repository.engine
        self.cipher = repository.cipher

    def _followed_by(self, address: str, locale: str | None, now: dt.datetime) -> dict[str, Any]:
        """A case's columns once it follows the conversation `address` (and its language)."""
        return {"address_enc": self.cipher.encrypt(address), "channel": address.split(":", 1)[0],
                "updated_at": now, **({"locale": locale} if locale else {})}

    def issue_code(self, reference: str, now: dt.datetime | None = None) -> str:
        """A new follow-up code for the case (the old one no longer opens it), to show once."""
        now = now or utcnow()
        code = new_access_code()
        with self.engine.begin() as conn:
            conn.execute(
                update(cases).where(cases.c.reference == reference).values(
                    access_hash=self.cipher.keyed_hash(f"{reference}:{code}"), access_failures=0,
                    access_locked_until=None,
                )
            )
            audit(conn, "person", "access_code_issued", reference, now)
        return code

    def open(self, reference: str, code: str, address: str, now: dt.datetime | None = None,
             locale: str | None = None) -> Follow:
        """The case `reference` follows the conversation `address` (in `locale`, for what is
        pushed to the person) if `code` is its follow-up code. Which of the reference or the
        code was wrong is never said."""
        now = now or utcnow()
        normalized = normalize_access_code(code)
        with self.engine.begin() as conn:
            row = conn.execute(
                select(cases.c.id, cases.c.access_hash, cases.c.access_locked_until)
                .where(cases.c.reference == reference)
            ).one_or_none()
            if row is None:
                audit(conn, "person", "follow_up_refused", None, now)
                return Follow.REFUSED
            if row.access_locked_until is not None and row.access_locked_until > now:
                audit(conn, "person", "follow_up_while_locked", reference, now)
                return Follow.LOCKED
            if normalized is not None and self.cipher.matches_hash(f"{reference}:{normalized}", row.access_hash):
                conn.execute(update(cases).where(cases.c.id == row.id).values(
                    access_failures=0, access_locked_until=None, **self._followed_by(address, locale, now)))
                audit(conn, "person", "follow_up_opened", reference, now)
                return Follow.OPENED
            # Counted in the database (one statement), so tries in parallel all count.
            conn.execute(
                update(cases).where(cases.c.id == row.id).values(access_failures=cases.c.access_failures + 1)
            )
            failures = conn.execute(select(cases.c.access_failures).where(cases.c.id == row.id)).scalar_one()
            audit(conn, "person", "follow_up_refused", reference, now)
            if failures >= FOLLOW_TRIES:
                conn.execute(
                    update(cases).where(cases.c.id == row.id).values(
                        access_failures=0, access_locked_until=now + FOLLOW_LOCK
                    )
                )
                audit(conn, "system", "follow_up_locked", reference, now)
                return Follow.LOCKED
            return Follow.REFUSED

    def move(self, reference: str, old_address: str, new_address: str, locale: str | None = None) -> bool:
        """The case follows another conversation, the person having proved it is theirs another
        way (a one-time link opened from the conversation that holds it: bot/handover.py)."""
        with self.engine.begin() as conn:
            row = conn.execute(select(cases.c.id, cases.c.address_enc).where(cases.c.reference == reference)).first()
            if row is None or self.cipher.decrypt(row.address_enc) != old_address:
                return False
            conn.execute(update(cases).where(cases.c.id == row.id).values(
                **self._followed_by(new_address, locale, utcnow())))
            return True

    def person_writes(self, reference: str, body: str, now: dt.datetime | None = None) -> None:
        """The person's message to the advisers, kept encrypted with the case, unread until an
        adviser opens the case."""
        now = now or utcnow()
        with self.engine.begin() as conn:
            case_id = conn.execute(select(cases.c.id).where(cases.c.reference == reference)).scalar_one()
            conn.execute(
                insert(person_messages).values(
                    case_id=case_id, adviser_id=None, body_enc=self.cipher.encrypt(body), created_at=now,
                    delivered_at=now, direction=IN,
                )
            )
            conn.execute(update(cases).where(cases.c.id == case_id).values(updated_at=now))
            audit(conn, "person", "person_replied", reference, now)

    def unread(self, references: list[str]) -> dict[str, int]:
        """The person's messages no adviser has read yet, per case (the queue's badges)."""
        if not references:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(cases.c.reference, func.count())
                .join(person_messages, person_messages.c.case_id == cases.c.id)
                .where(and_(cases.c.reference.in_(references), person_messages.c.direction == IN,
                            person_messages.c.read_at.is_(None)))
                .group_by(cases.c.reference)
            ).all()
        return {r[0]: r[1] for r in rows}

    def mark_read(self, reference: str, now: dt.datetime | None = None) -> None:
        with self.engine.begin() as conn:
            case_id = conn.execute(select(cases.c.id).where(cases.c.reference == reference)).scalar_one_or_none()
            conn.execute(
                update(person_messages)
                .where(and_(person_messages.c.case_id == case_id, person_messages.c.direction == IN,
                            person_messages.c.read_at.is_(None)))
                .values(read_at=now or utcnow())
            )
