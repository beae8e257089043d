"""The only door to the handoff tables: cases in and out, decrypted at the edge."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from .crypto import Cipher
from .domain import Case, Consent, Contact, Priority, Status, check_transition, new_reference
from .orm import (
    advisers,
    audit_events,
    cases,
    consents,
    contact_attempts,
    contacts,
    notes,
    outbox,
    person_messages,
    status_history,
)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def audit(conn: Connection, actor: str, action: str, reference: str | None, at: dt.datetime | None = None) -> None:
    conn.execute(insert(audit_events).values(at=at or utcnow(), actor=actor, action=action, case_reference=reference))


class CaseRepository:
    def __init__(self, engine: Engine, cipher: Cipher, console_url: str = "/console"):
        self.engine = engine
        self.cipher = cipher
        self.console_url = console_url.rstrip("/")

    def notification(self, case: Case) -> dict[str, Any]:
        """What the regional team is told: never personal data (reference, priority, region,
        the seed's ALR / VI subject flags, a link to the console)."""
        flags = " / ".join(case.flags)
        subject = f"Accompagnement social {case.reference}" + (f" / {flags}" if flags else "")
        return {
            "reference": case.reference,
            "priority": "urgent" if case.priority is Priority.URGENT else "normal",
            "region": case.region,
            "flags": list(case.flags),
            "subject": subject,
            "link": f"{self.console_url}/cases/{case.reference}",
        }

    def create(self, case: Case, now: dt.datetime | None = None, webhook: bool = False) -> Case:
        """Store a new case and queue its notification in one transaction (the outbox): the
        notification goes out if and only if the case exists. Idempotent: the same reference
        from the same conversation address again returns the stored case, queues nothing more."""
        now = now or utcnow()
        for _attempt in range(5):
            try:
                with self.engine.begin() as conn:
                    case.id = conn.execute(insert(cases).values(
                        reference=case.reference, status=case.status.value, priority=int(case.priority),
                        flags=",".join(case.flags), departement=case.departement, region=case.region,
                        outcome=case.outcome, rules_version=case.rules_version,
                        answers_enc=self.cipher.encrypt_json(case.answers),
                        budget_enc=self.cipher.encrypt_json(case.budget), channel=case.channel, locale=case.locale,
                        address_enc=self.cipher.encrypt(case.address), created_at=case.created_at,
                        updated_at=now, anonymised=False, postcode_hash=self.cipher.keyed_hash(case.contact.postcode),
                    )).inserted_primary_key[0]
                    c = case.contact
                    conn.execute(insert(contacts).values(
                        case_id=case.id, name_enc=self.cipher.encrypt(c.name), phone_enc=self.cipher.encrypt(c.phone),
                        email_enc=self.cipher.encrypt(c.email), postcode_enc=self.cipher.encrypt(c.postcode),
                        preferred_means=c.preferred_means, slots_enc=self.cipher.encrypt_json(list(c.slots)),
                    ))
                    for consent in case.consents:
                        conn.execute(
                            insert(consents).values(
                                case_id=case.id,
                                kind=consent.kind,
                                notice_version=consent.notice_version,
                                given_at=consent.given_at,
                            )
                        )
                    conn.execute(
                        insert(status_history).values(
                            case_id=case.id, from_status=None, to_status=case.status.value, actor="person", at=now
                        )
                    )
                    audit(conn, "person", "case_created", case.reference, now)
                    kinds = ["email"] + (["webhook"] if webhook else [])
                    for kind in kinds:
                        conn.execute(
                            insert(outbox).values(
                                kind=kind,
                                payload=json.dumps(self.notification(case)),
                                status="pending",
                                attempts=0,
                                next_attempt_at=now,
                                created_at=now,
                            )
                        )
                return case
            except IntegrityError:
                stored = self.get(case.reference)
                if stored is not None and stored.address == case.address:
                    return stored  # this submission was stored already (its answer never reached the person)
                case.reference = new_reference()  # a reference already taken by someone else: draw again
                case.id = None
        raise RuntimeError("could not draw a free case reference")

    def _row_to_case(self, conn: Connection, row: Any) -> Case:
        contact = conn.execute(select(contacts).where(contacts.c.case_id == row.id)).one()
        given = conn.execute(select(consents).where(consents.c.case_id == row.id).order_by(consents.c.id)).all()
        d = self.cipher.decrypt
        return Case(
            id=row.id,
            reference=row.reference,
            status=Status(row.status),
            priority=Priority(row.priority),
            flags=tuple(f for f in row.flags.split(",") if f),
            departement=row.departement,
            region=row.region,
            outcome=row.outcome,
            rules_version=row.rules_version,
            answers=self.cipher.decrypt_json(row.answers_enc),
            budget=self.cipher.decrypt_json(row.budget_enc),
            channel=row.channel,
            locale=row.locale,
            address=d(row.address_enc),
            created_at=row.created_at,
            claimed_by=row.claimed_by,
            contact=Contact(
                name=d(contact.name_enc),
                phone=d(contact.phone_enc),
                email=d(contact.email_enc),
                postcode=d(contact.postcode_enc),
                preferred_means=contact.preferred_means,
                slots=tuple(self.cipher.decrypt_json(contact.slots_enc)),
            ),
            consents=tuple(Consent(c.kind, c.notice_version, c.given_at) for c in given),
        )

    def get(self, reference: str) -> Case | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(cases).where(cases.c.reference == reference)).one_or_none()
            return self._row_to_case(conn, row) if row is not None else None

    def queue(
        self, regions: list[str] | None = None, statuses: tuple[Status, ...] = (Status.NEW,), with_outcome: bool = False
    ) -> list[dict[str, Any]]:
        """Cases by priority (urgent first) then age: reference, status, priority, region, time
        (and the pre-check's outcome with `with_outcome`, for the console's queue)."""
        columns = [
            cases.c.reference,
            cases.c.status,
            cases.c.priority,
            cases.c.region,
            cases.c.flags,
            cases.c.created_at,
            cases.c.claimed_by,
        ]
        if with_outcome:
            columns.append(cases.c.outcome)
        query = select(*columns).where(cases.c.status.in_([s.value for s in statuses]))
        if regions is not None:
            query = query.where(cases.c.region.in_(regions))
        query = query.order_by(cases.c.priority, cases.c.created_at, cases.c.id)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def claim(self, reference: str, adviser_id: int, now: dt.datetime | None = None) -> bool:
        """Exactly one of several advisers claiming the same case at once wins: a conditional
        UPDATE that only a `new` case matches, checked for one row changed."""
        now = now or utcnow()
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(cases)
                .where(and_(cases.c.reference == reference, cases.c.status == Status.NEW.value))
                .values(status=Status.CLAIMED.value, claimed_by=adviser_id, claimed_at=now, updated_at=now)
            ).rowcount
            if changed != 1:
                return False
            case_id = conn.execute(select(cases.c.id).where(cases.c.reference == reference)).scalar_one()
            conn.execute(
                insert(status_history).values(
                    case_id=case_id,
                    from_status=Status.NEW.value,
                    to_status=Status.CLAIMED.value,
                    actor=f"adviser:{adviser_id}",
                    at=now,
                )
            )
            audit(conn, f"adviser:{adviser_id}", "case_claimed", reference, now)
            return True


class CaseDesk:
    """What advisers do to a case: each change in one transaction with its history and audit."""

    def __init__(self, repository: CaseRepository):
        self.repo = repository
        self.engine = repository.engine
        self.cipher = repository.cipher

    def _case_id(self, conn: Connection, reference: str) -> int | None:
        return conn.execute(select(cases.c.id).where(cases.c.reference == reference)).scalar_one_or_none()

    def transition(self, reference: str, wanted: Status, actor: str, **also: Any) -> bool:
        """Move a case to `wanted` if the transition is allowed and nobody changed it meanwhile;
        `actor` is "adviser:<id>" or "person"; `also`: more of the case's columns set in the same
        change (a closure's reason). Raises TransitionError for a forbidden move."""

        now = utcnow()
        with self.engine.begin() as conn:
            row = conn.execute(
                select(cases.c.id, cases.c.status, cases.c.claimed_by).where(cases.c.reference == reference)
            ).one_or_none()
            if row is None:
                return False
            current = Status(row.status)
            check_transition(current, wanted)
            values: dict[str, Any] = {"status": wanted.value, "updated_at": now, **also}
            if wanted is Status.NEW:
                values.update(claimed_by=None, claimed_at=None)
            changed = conn.execute(
                update(cases).where(and_(cases.c.id == row.id, cases.c.status == current.value)).values(**values)
            ).rowcount
            if changed != 1:
                return False
            conn.execute(
                insert(status_history).values(
                    case_id=row.id, from_status=current.value, to_status=wanted.value, actor=actor, at=now
                )
            )
            audit(conn, actor, "released" if wanted is Status.NEW else f"status_{wanted.value}", reference, now)
            return True

    def add_note(self, reference: str, adviser_id: int, body: str) -> None:

        now = utcnow()
        with self.engine.begin() as conn:
            case_id = self._case_id(conn, reference)
            conn.execute(
                insert(notes).values(
                    case_id=case_id, adviser_id=adviser_id, body_enc=self.cipher.encrypt(body), created_at=now
                )
            )
            audit(conn, f"adviser:{adviser_id}", "note_added", reference, now)

    def notes(self, reference: str) -> list[dict[str, Any]]:

        with self.engine.connect() as conn:
            case_id = self._case_id(conn, reference)
            rows = conn.execute(
                select(notes.c.body_enc, notes.c.created_at, advisers.c.login)
                .join(advisers, advisers.c.id == notes.c.adviser_id)
                .where(notes.c.case_id == case_id)
                .order_by(notes.c.id)
            ).all()
        return [{"body": self.cipher.decrypt(r.body_enc), "at": r.created_at, "by": r.login} for r in rows]

    def send_message(self, reference: str, adviser_id: int, body: str) -> None:
        """A message to the person, delivered on their channel through the outbox."""

        now = utcnow()
        with self.engine.begin() as conn:
            case_id = self._case_id(conn, reference)
            message_id = conn.execute(
                insert(person_messages).values(
                    case_id=case_id,
                    adviser_id=adviser_id,
                    body_enc=self.cipher.encrypt(body),
                    created_at=now,
                )
            ).inserted_primary_key[0]
            conn.execute(
                insert(outbox).values(
                    kind="person_message",
                    payload=json.dumps({"message_id": message_id, "reference": reference}),
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
            audit(conn, f"adviser:{adviser_id}", "message_sent", reference, now)

    def messages(self, reference: str) -> list[dict[str, Any]]:

        with self.engine.connect() as conn:
            case_id = self._case_id(conn, reference)
            rows = conn.execute(
                select(person_messages).where(person_messages.c.case_id == case_id).order_by(person_messages.c.id)
            ).all()
        return [
            {"body": self.cipher.decrypt(r.body_enc), "at": r.created_at, "delivered": r.delivered_at is not None,
             "direction": r.direction, "read": r.read_at is not None}
            for r in rows
        ]

    def undelivered_for(self, reference: str) -> list[tuple[int, str]]:
        """Messages the person has not seen yet (the web chat shows them when they come back)."""

        with self.engine.connect() as conn:
            case_id = self._case_id(conn, reference)
            rows = conn.execute(
                select(person_messages.c.id, person_messages.c.body_enc)
                .where(and_(person_messages.c.case_id == case_id, person_messages.c.delivered_at.is_(None),
                            person_messages.c.direction == "out"))
                .order_by(person_messages.c.id)
            ).all()
        return [(r.id, self.cipher.decrypt(r.body_enc)) for r in rows]

    def mark_delivered(self, message_ids: list[int]) -> None:

        if not message_ids:
            return
        with self.engine.begin() as conn:
            conn.execute(
                update(person_messages).where(person_messages.c.id.in_(message_ids)).values(delivered_at=utcnow())
            )

    def audit_view(self, reference: str, adviser_id: int) -> None:
        with self.engine.begin() as conn:
            audit(conn, f"adviser:{adviser_id}", "case_viewed", reference)

    def record(self, actor: str, action: str, reference: str | None = None) -> None:
        """An entry in the audit trail (who looked at, exported, refused what; sign-outs)."""
        with self.engine.begin() as conn:
            audit(conn, actor, action, reference)

    def counts(self) -> list[Any]:
        """Cases per region, status and pre-check outcome, for the supervisors' figures."""
        with self.engine.connect() as conn:
            return list(conn.execute(
                select(cases.c.region, cases.c.status, cases.c.outcome, func.count())
                .group_by(cases.c.region, cases.c.status, cases.c.outcome)
                .order_by(cases.c.region, cases.c.status)
            ).all())

    def message_to_push(self, message_id: int) -> tuple[int, str, str, str] | None:
        """An adviser's message still to deliver on Telegram: (id, chat address, body, the person's
        language); None when it was delivered already, or its case is on another channel (the
        web chat shows it)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(person_messages.c.id, person_messages.c.body_enc, person_messages.c.delivered_at,
                       cases.c.channel, cases.c.address_enc, cases.c.locale)
                .join(cases, cases.c.id == person_messages.c.case_id)
                .where(person_messages.c.id == message_id)
            ).one_or_none()
        if row is None or row.delivered_at is not None or row.channel != "telegram":
            return None
        return row.id, self.cipher.decrypt(row.address_enc), self.cipher.decrypt(row.body_enc), row.locale

    def erase(self, case_id: int, reference: str, actor: str) -> None:
        """Delete a case and everything attached to it; the audit keeps only that it happened."""
        with self.engine.begin() as conn:
            for table in (contacts, consents, notes, person_messages, status_history, contact_attempts):
                conn.execute(delete(table).where(table.c.case_id == case_id))
            conn.execute(delete(outbox).where(outbox.c.payload.like(f'%"{reference}"%')))
            conn.execute(delete(cases).where(cases.c.id == case_id))
            audit(conn, actor, "case_erased", reference)
