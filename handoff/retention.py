"""Retention: what is kept how long, and the purge that enforces it (`assistant purge`, and a
daily task in `serve`).

- Conversations left without news for 30 days are deleted, and with them any contact details
  typed but never sent (they only ever lived in the conversation): data minimisation.
- Closed or withdrawn cases are anonymised 24 months after their last change: identity, contact,
  notes, messages and the channel address go; region, dates, outcome and status stay for
  statistics. 24 months lets an adviser see a recent history if the person comes back.
- Audit events are deleted after 12 months: long enough to investigate an access, no longer.
- Conversations holding nothing but a greeting (a page opened and left, a crawler) go after a
  day; notifications delivered go 30 days after delivery, and those that failed (kept for the
  operators to retry) after the audit period.

Every period is a setting (`RETENTION_*`, see the README's table, which gives the CNIL
references the defaults follow).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.engine import Engine

from .crypto import Cipher
from .orm import audit_events, cases, consents, contact_attempts, contacts, notes, outbox, person_messages
from .repository import audit


@dataclass(frozen=True)
class Retention:
    conversation_days: int = 30
    greeting_hours: int = 24
    closed_case_months: int = 24
    audit_months: int = 12
    outbox_days: int = 30
    telegram_update_days: int = 7

    def __post_init__(self):
        for name, value in vars(self).items():
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"RETENTION_{name.upper()} must be a whole number, at least 1")


@dataclass
class PurgeReport:
    conversations: int = 0
    anonymised_cases: int = 0
    audit_events: int = 0
    shared_messages: int = 0  # messages not understood their writers shared (bot/feedback.py)
    notifications: int = 0  # outbox rows delivered (or failed) long enough ago
    telegram_updates: int = 0  # ids of Telegram updates already processed, kept to drop a redelivery


def _months_before(now: dt.datetime, months: int) -> dt.datetime:
    return now - dt.timedelta(days=round(months * 30.44))


def purge_cases(engine: Engine, cipher: Cipher, now: dt.datetime, retention: Retention) -> PurgeReport:
    report = PurgeReport()
    limit = _months_before(now, retention.closed_case_months)
    with engine.begin() as conn:
        old = conn.execute(
            select(cases.c.id, cases.c.reference).where(
                and_(
                    cases.c.status.in_(["closed", "withdrawn"]),
                    cases.c.updated_at < limit,
                    cases.c.anonymised.is_(False),
                )
            )
        ).all()
        for row in old:
            for table in (contacts, notes, person_messages, consents, contact_attempts):
                conn.execute(delete(table).where(table.c.case_id == row.id))
            conn.execute(
                update(cases)
                .where(cases.c.id == row.id)
                .values(
                    answers_enc=cipher.encrypt_json({}),
                    budget_enc=None,
                    address_enc=cipher.encrypt(""),
                    access_hash=None,  # nobody follows an anonymised case any more
                    postcode_hash=None,
                    anonymised=True,
                )
            )
            audit(conn, "system", "case_anonymised", row.reference, now)
        report.anonymised_cases = len(old)
        report.audit_events = conn.execute(
            delete(audit_events).where(audit_events.c.at < _months_before(now, retention.audit_months))
        ).rowcount
        report.notifications = conn.execute(delete(outbox).where(or_(
            and_(outbox.c.status == "sent", outbox.c.sent_at < now - dt.timedelta(days=retention.outbox_days)),
            and_(outbox.c.status == "failed", outbox.c.created_at < _months_before(now, retention.audit_months)),
        ))).rowcount
    return report
