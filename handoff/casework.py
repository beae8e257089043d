"""An adviser's work on a case beyond its status: contact attempts (called and reached, no
answer, message left, wrong number) with the next step, closure with a reason, reassignment to a
colleague who covers the case's region, and finding a case by its reference, its postcode or its
département. Each change in one transaction with the case's history and the audit trail; the
next step is free text, so it is encrypted like the notes."""
from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy import and_, func, insert, select, update

from .advisers import Adviser, list_advisers
from .domain import FLAG_STREET, FLAG_VIOLENCE, Case, Status, normalize_reference
from .orm import advisers, cases, contact_attempts, contacts, status_history
from .repository import CaseDesk, CaseRepository, audit, utcnow
from .validation import InvalidContact, format_phone, normalize_postcode
from .words import PARIS, facts_in_words, slot

ATTEMPTS = {"reached": "Appel abouti", "no_answer": "Pas de réponse", "message_left": "Message laissé",
            "wrong_number": "Numéro erroné"}
CLOSURE_REASONS = {
    "accompaniment": "Accompagnement engagé",
    "oriented": "Orienté vers un partenaire",
    "unreachable": "Personne injoignable",
    "not_eligible": "Non éligible après examen",
    "withdrawn": "Retrait de la personne",
}


def _day(text: str) -> dt.date | None:
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def referral_mail(case: Case) -> str:
    """The e-mail that orients the person to a partner, as seed 001 asks of one ("Nous orienter un
    salarié": the subject names the sender and says ALR / VI; name, telephone, address, e-mail,
    the difficulty's origin, availability, the orientation agreed, street and violence yes or
    no), as a mailto: link the adviser completes in their own mail client. Never the employer:
    the service promises it is not informed, and the case holds nothing about it anyway."""
    flags = "".join(f" / {flag}" for flag in case.flags)
    difficulties = dict(facts_in_words({"difficulties": case.answers.get("facts", {}).get("difficulties") or []}))
    body = "\n".join([
        f"Nom, prénom : {case.contact.name}",
        f"Téléphone : {format_phone(case.contact.phone)}",
        f"Code postal : {case.contact.postcode}",
        f"Adresse e-mail : {case.contact.email or 'non communiquée'}",
        f"Origine de la difficulté : {next(iter(difficulties.values()), 'à préciser')}",
        f"Créneau de disponibilité : {' ; '.join(slot(s) for s in case.contact.slots) or 'à convenir'}",
        "Orientation effectuée après échange et accord du salarié : ",
        f"A la rue : {'oui' if FLAG_STREET in case.flags else 'non'}",
        f"Violences intrafamiliales : {'oui' if FLAG_VIOLENCE in case.flags else 'non'}",
        f"Notre référence : {case.reference}",
    ])
    return "mailto:?" + urlencode({"subject": f"Accompagnement social des salariés{flags}", "body": body},
                                  quote_via=quote)


class Casework:
    def __init__(self, repository: CaseRepository):
        self.repo = repository
        self.engine = repository.engine
        self.cipher = repository.cipher
        self.desk = CaseDesk(repository)

    # --- contact attempts --------------------------------------------------------------------

    def log_attempt(self, reference: str, adviser_id: int, outcome: str, next_step: str = "",
                    now: dt.datetime | None = None) -> bool:
        """An attempt to reach the person; the first one that reaches them marks the case
        contacted. False for an unknown case or outcome."""
        if outcome not in ATTEMPTS:
            return False
        now = now or utcnow()
        with self.engine.begin() as conn:
            row = conn.execute(select(cases.c.id, cases.c.status).where(cases.c.reference == reference)).one_or_none()
            if row is None:
                return False
            conn.execute(insert(contact_attempts).values(
                case_id=row.id, adviser_id=adviser_id, outcome=outcome, at=now,
                next_step_enc=self.cipher.encrypt(next_step) if next_step else None))
            conn.execute(update(cases).where(cases.c.id == row.id).values(updated_at=now))
            audit(conn, f"adviser:{adviser_id}", f"contact_{outcome}", reference, now)
        if outcome == "reached" and row.status == Status.CLAIMED.value:
            # The status moves as every status does: its history, its audit, nobody else's change lost.
            self.desk.transition(reference, Status.CONTACTED, f"adviser:{adviser_id}")
        return True

    def attempts(self, reference: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(contact_attempts.c.outcome, contact_attempts.c.next_step_enc, contact_attempts.c.at,
                       advisers.c.login)
                .join(cases, cases.c.id == contact_attempts.c.case_id)
                .join(advisers, advisers.c.id == contact_attempts.c.adviser_id)
                .where(cases.c.reference == reference).order_by(contact_attempts.c.at, contact_attempts.c.id)
            ).all()
        return [{"outcome": ATTEMPTS.get(r.outcome, "tentative"), "at": r.at, "by": r.login,
                 "next_step": self.cipher.decrypt(r.next_step_enc) if r.next_step_enc else ""} for r in rows]

    def last_attempts(self, references: list[str]) -> dict[str, dt.datetime]:
        """The latest contact attempt of each case (the queue's clock since the last attempt)."""
        if not references:
            return {}
        with self.engine.connect() as conn:
            return dict(conn.execute(
                select(cases.c.reference, func.max(contact_attempts.c.at))
                .join(contact_attempts, contact_attempts.c.case_id == cases.c.id)
                .where(cases.c.reference.in_(references)).group_by(cases.c.reference)
            ).all())

    # --- closure and reassignment ------------------------------------------------------------

    def close(self, reference: str, adviser_id: int, reason: str) -> bool:
        """Close the case with one of CLOSURE_REASONS (withdrawn: the person's withdrawal)."""
        if reason not in CLOSURE_REASONS:
            return False
        wanted = Status.WITHDRAWN if reason == "withdrawn" else Status.CLOSED
        return self.desk.transition(reference, wanted, f"adviser:{adviser_id}", closure_reason=reason)

    def closure(self, reference: str) -> str | None:
        """Why the case was closed, in words; None while it is open."""
        with self.engine.connect() as conn:
            reason = conn.execute(select(cases.c.closure_reason).where(cases.c.reference == reference)).scalar()
        return CLOSURE_REASONS.get(reason) if reason else None

    def colleagues(self, region: str, but: int | None = None) -> list[Adviser]:
        """Who may take a case of `region`: its advisers and the supervisors, accounts enabled."""
        return [a for a in list_advisers(self.engine) if not a.disabled and a.may_see(region) and a.id != but]

    def reassign(self, reference: str, to_login: str, actor_id: int, now: dt.datetime | None = None) -> str | None:
        """Give the case to a colleague; None when done, else why not (in words)."""
        now = now or utcnow()
        case = self.repo.get(reference)
        if case is None:
            return "Dossier introuvable."
        target = next((a for a in self.colleagues(case.region) if a.login == to_login), None)
        if target is None:
            return "Ce collègue ne couvre pas la région du dossier, ou son compte est désactivé."
        if case.status not in (Status.NEW, Status.CLAIMED, Status.CONTACTED):
            return "Un dossier clos ou annulé ne se réattribue pas."
        with self.engine.begin() as conn:
            values: dict[str, Any] = {"claimed_by": target.id, "claimed_at": now, "updated_at": now}
            if case.status is Status.NEW:
                values["status"] = Status.CLAIMED.value
                conn.execute(insert(status_history).values(case_id=case.id, from_status=Status.NEW.value,
                                                           to_status=Status.CLAIMED.value,
                                                           actor=f"adviser:{actor_id}", at=now))
            conn.execute(update(cases).where(cases.c.id == case.id).values(**values))
            audit(conn, f"adviser:{actor_id}", f"case_reassigned_to:{target.id}", reference, now)
        return None

    # --- finding a case ----------------------------------------------------------------------

    def find(self, text: str) -> list[str] | None:
        """The references a search means: a reference (whole, in any case and spacing), a
        postcode (by its keyed hash), a département number, or a day ("30/11/2026",
        "2026-11-30": the cases received that day, in Paris time); None when it is none of them."""
        text = text.strip()
        reference = normalize_reference(text)
        if reference is not None:
            return [reference]
        day = _day(text)
        if day is not None:
            start = dt.datetime.combine(day, dt.time(), PARIS).astimezone(dt.timezone.utc).replace(tzinfo=None)
            with self.engine.connect() as conn:
                return list(conn.execute(select(cases.c.reference).where(
                    and_(cases.c.created_at >= start, cases.c.created_at < start + dt.timedelta(days=1)))).scalars())
        digits = text.replace(" ", "")
        try:
            postcode = normalize_postcode(digits) if len(digits) == 5 else None
        except InvalidContact:
            postcode = None
        with self.engine.connect() as conn:
            if postcode is not None:
                return list(conn.execute(select(cases.c.reference).where(
                    cases.c.postcode_hash.in_(self.cipher.keyed_hashes(postcode)))).scalars())
            if digits.upper() in {f"{n:02d}" for n in range(1, 96)} | {"2A", "2B", "971", "972", "973", "974", "976"}:
                return list(conn.execute(select(cases.c.reference).where(
                    cases.c.departement == digits.upper())).scalars())
        return None

    def index_postcodes(self) -> int:
        """Cases made before postcodes were indexed get their keyed hash (once, at start)."""
        with self.engine.begin() as conn:
            rows = conn.execute(
                select(cases.c.id, contacts.c.postcode_enc).join(contacts, contacts.c.case_id == cases.c.id)
                .where(and_(cases.c.postcode_hash.is_(None), cases.c.anonymised.is_(False)))
            ).all()
            for row in rows:
                conn.execute(update(cases).where(cases.c.id == row.id).values(
                    postcode_hash=self.cipher.keyed_hash(self.cipher.decrypt(row.postcode_enc))))
        return len(rows)
