"""A lost follow-up code: a new one is sent to the contact the person gave with the request, by
e-mail when they gave one, else by SMS, through the outbox (so it goes out even after a crash).
Whoever asks, the chat answers the same (an unknown reference is not told apart), and at most
one code is sent per request every RESEND_EVERY. A person who said it is not safe to write to
them gets no message: the chat tells them to call instead.

The code travels encrypted in the outbox row and is written nowhere else in clear; the message
is neutral (a reference and a code: nothing about housing or the service's purpose).
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import httpx
from sqlalchemy import and_, func, insert, select

from .crypto import Cipher
from .follow import FollowDesk
from .mail import Mailer
from .orm import audit_events, outbox
from .outbox import message_id
from .repository import CaseRepository, audit, utcnow

RESEND_EVERY = dt.timedelta(minutes=15)
KIND = "access_code"
TEXTS = {
    "fr": ("Votre code de suivi", "Demande {reference} : votre nouveau code de suivi est {code}. Si vous n'avez rien "
                                  "demandé, ignorez ce message."),
    "en": ("Your follow-up code", "Request {reference}: your new follow-up code is {code}. If you did not ask for "
                                  "it, ignore this message."),
}


def resend(repository: CaseRepository, reference: str, now: dt.datetime | None = None) -> bool:
    """Queue a new code for the case's contact; False when nothing is sent (no such case, one
    sent in the last RESEND_EVERY, or writing to the person is not safe)."""
    now = now or utcnow()
    case = repository.get(reference)
    if case is None or case.answers.get("safe_contact") == "no":
        return False
    with repository.engine.connect() as conn:
        recent = conn.execute(
            select(func.count()).select_from(audit_events).where(and_(
                audit_events.c.case_reference == reference, audit_events.c.action == "access_code_resent",
                audit_events.c.at > now - RESEND_EVERY))
        ).scalar_one()
    if recent:
        return False
    code = FollowDesk(repository).issue_code(reference, now)
    with repository.engine.begin() as conn:
        conn.execute(insert(outbox).values(
            kind=KIND, payload=json.dumps({"reference": reference, "code": repository.cipher.encrypt(code)}),
            status="pending", attempts=0, next_attempt_at=now, created_at=now,
        ))
        audit(conn, "person", "access_code_resent", reference, now)
    return True


@dataclass
class AccessCodeTransport:
    """Delivers a queued code: e-mail (SMTP) when the person gave an address, else an SMS through
    an HTTP gateway (POST JSON {"to", "text"} with a bearer token): most French SMS providers
    offer one. A case without a way configured waits in the outbox, as notifications do."""

    repository: CaseRepository
    cipher: Cipher
    mailer: Mailer | None = None
    sms_url: str | None = None
    sms_token: str | None = None
    timeout: float = 10.0

    def send(self, payload: dict[str, Any], delivery_id: str) -> None:
        case = self.repository.get(payload["reference"])
        if case is None:  # erased since: nothing to send
            return
        subject, body = TEXTS.get(case.locale, TEXTS["fr"])
        text = body.format(reference=case.reference, code=self.cipher.decrypt(payload["code"]))
        if case.contact.email:
            if self.mailer is None:
                raise RuntimeError("SMTP_HOST is not set")
            message = EmailMessage()
            message["To"] = case.contact.email
            message["Subject"] = subject
            message["Message-ID"] = message_id(delivery_id)
            message.set_content(text + "\n")
            self.mailer.send(message)
            return
        if not self.sms_url:
            raise RuntimeError("SMS_GATEWAY_URL is not set")
        response = httpx.post(self.sms_url, json={"to": case.contact.phone, "text": text}, timeout=self.timeout,
                              headers={"Authorization": f"Bearer {self.sms_token or ''}"})
        response.raise_for_status()
