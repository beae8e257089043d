"""What the conversation asks of the handoff: submit a case, tell its status, withdraw or
erase it for the person who made it."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from . import access_codes
from .domain import Case, Consent, Contact, Follow, Priority, Status, TransitionError, flags_for, new_reference
from .follow import FollowDesk
from .places import departement_of, region_of
from .repository import CaseDesk, CaseRepository, utcnow

NOTICE_VERSION = "2026-11"
SENSITIVE_DIFFICULTIES = frozenset({"violences", "maladie", "invalidite"})


@dataclass
class Draft:
    """Everything the person agreed to send, gathered by the conversation."""
    facts: dict[str, Any]
    reasons: list[dict[str, Any]]
    outcome: str
    rules_version: str
    urgent: bool
    name: str
    phone: str
    email: str | None
    postcode: str
    preferred_means: str
    slots: list[str]
    consent_at: dt.datetime
    sensitive_consent: bool | None  # None: nothing sensitive was asked
    channel: str
    address: str
    budget: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # Drawn when the preview is shown and kept in the conversation: a confirmation sent again
    # (its answer was lost to a crash or an outage) finds its case instead of making a second one.
    reference: str | None = None
    locale: str = "fr"
    # With violence: may the person be called or written to safely ("yes", "times": only at the
    # chosen time, "no": a call at the chosen time only).
    safe_contact: str | None = None


def shareable_facts(facts: dict[str, Any], sensitive_consent: bool | None) -> dict[str, Any]:
    """Without the separate consent, health and violence details are not sent."""
    if sensitive_consent:
        return dict(facts)
    kept = dict(facts)
    if kept.get("difficulties"):
        kept["difficulties"] = [d for d in kept["difficulties"] if d not in SENSITIVE_DIFFICULTIES] or ["autre"]
    return kept


class HandoffService:
    def __init__(self, repository: CaseRepository, webhook: bool = False):
        self.repository = repository
        self.webhook = webhook  # also queue the signed JSON webhook for each new case

    def submit(self, draft: Draft) -> Case:
        now = utcnow()
        facts = shareable_facts(draft.facts, draft.sensitive_consent)
        consents = [Consent("data", NOTICE_VERSION, draft.consent_at)]
        if draft.sensitive_consent:
            consents.append(Consent("sensitive", NOTICE_VERSION, draft.consent_at))
        departement = departement_of(draft.postcode) or ""
        case = Case(
            reference=draft.reference or new_reference(),
            status=Status.NEW,
            priority=Priority.URGENT if draft.urgent else Priority.NORMAL,
            flags=flags_for(facts),
            departement=departement,
            region=region_of(draft.postcode) or "",
            outcome=draft.outcome,
            rules_version=draft.rules_version,
            answers={"facts": facts, "reasons": draft.reasons,
                     **({"safe_contact": draft.safe_contact} if draft.safe_contact else {})},
            budget=draft.budget,
            channel=draft.channel,
            locale=draft.locale,
            address=draft.address,
            created_at=now,
            consents=tuple(consents),
            contact=Contact(
                draft.name, draft.phone, draft.email, draft.postcode, draft.preferred_means, tuple(draft.slots)
            ),
        )
        stored = self.repository.create(case, now, webhook=self.webhook)
        # A confirmation sent again finds its case: it gets a new code (the first was never seen).
        stored.access_code = FollowDesk(self.repository).issue_code(stored.reference, now)
        return stored

    def _own(self, reference: str, address: str) -> Case | None:
        case = self.repository.get(reference)
        return case if case is not None and case.address == address else None

    def status(self, reference: str, address: str) -> Status | None:
        case = self._own(reference, address)
        return case.status if case else None

    def withdraw(self, reference: str, address: str) -> bool:

        if self._own(reference, address) is None:
            return False
        try:
            return CaseDesk(self.repository).transition(reference, Status.WITHDRAWN, "person")
        except TransitionError:
            return False

    def pending_messages(self, reference: str, address: str) -> list[str]:
        """The adviser's messages the person has not seen yet; they count as seen once returned."""

        if self._own(reference, address) is None:
            return []
        desk = CaseDesk(self.repository)
        messages = desk.undelivered_for(reference)
        desk.mark_delivered([message_id for message_id, _ in messages])
        return [body for _, body in messages]

    def follow(self, reference: str, code: str, address: str, locale: str | None = None) -> Follow:
        """With the follow-up code, the case `reference` follows this conversation from now on
        (and speaks its language)."""
        return FollowDesk(self.repository).open(reference, code, address, locale=locale)

    def resend_code(self, reference: str) -> bool:
        """A lost follow-up code: a new one to the contact given with the request (handoff/access_codes.py)."""
        return access_codes.resend(self.repository, reference)

    def reply(self, reference: str, address: str, body: str) -> bool:
        """The person's message to the advisers, on their own case."""
        if self._own(reference, address) is None:
            return False
        FollowDesk(self.repository).person_writes(reference, body)
        return True

    def export(self, reference: str, address: str) -> dict[str, Any] | None:
        """Everything held about the person's case, for them (right of access)."""
        case = self._own(reference, address)
        return export_case(self.repository, case) if case else None

    def erase(self, reference: str, address: str | None, actor: str = "person") -> bool:
        """Delete the case and everything attached to it; the audit keeps only that it happened.
        The person may erase their own case (their address); a supervisor any (address None)."""
        case = self._own(reference, address) if address is not None else self.repository.get(reference)
        if case is None:
            return False

        if case.id is not None:
            CaseDesk(self.repository).erase(case.id, reference, actor)
        return True


def export_case(repository: CaseRepository, case: Case) -> dict[str, Any]:

    desk = CaseDesk(repository)
    return {
        "reference": case.reference,
        "status": case.status.value,
        "created_at": case.created_at.isoformat(timespec="seconds"),
        "contact": {
            "name": case.contact.name,
            "phone": case.contact.phone,
            "email": case.contact.email,
            "postcode": case.contact.postcode,
            "preferred_means": case.contact.preferred_means,
            "slots": list(case.contact.slots),
        },
        "consents": [
            {"kind": c.kind, "notice_version": c.notice_version, "given_at": c.given_at.isoformat(timespec="seconds")}
            for c in case.consents
        ],
        "answers": case.answers,
        "budget": case.budget,
        "outcome": case.outcome,
        "notes": [{"body": n["body"], "at": n["at"].isoformat(timespec="seconds")} for n in desk.notes(case.reference)],
        "messages": [
            {"body": m["body"], "at": m["at"].isoformat(timespec="seconds"),
             "from": "person" if m["direction"] == "in" else "adviser"}
            for m in desk.messages(case.reference)
        ],
    }
