"""The case file and its life: plain data, no framework. Storage maps onto it from outside."""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

# No 0/O, 1/I/L: a reference read over the phone must be unambiguous.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_LENGTH = 6


def new_reference() -> str:
    return "ASD-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def normalize_reference(text: str) -> str | None:
    """`asd 7k3f9q`, `ASD-7K3F9Q` -> `ASD-7K3F9Q`; None when it cannot be a reference."""
    cleaned = "".join(c for c in text.upper() if c.isalnum())
    if cleaned.startswith("ASD"):
        cleaned = cleaned[3:]
    if len(cleaned) != REFERENCE_LENGTH or any(c not in REFERENCE_ALPHABET for c in cleaned):
        return None
    return "ASD-" + cleaned


# The follow-up code: shown once to the person with the reference, stored only as a keyed hash.
# Ten characters of the same alphabet, 31^10 (about 2^49.5): with five tries per lock
# (FOLLOW_TRIES), guessing one case's code takes longer than any case lives.
ACCESS_CODE_LENGTH = 10
FOLLOW_TRIES = 5  # wrong codes in a row before the follow-up is locked
FOLLOW_LOCK = dt.timedelta(minutes=15)


def new_access_code() -> str:
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(ACCESS_CODE_LENGTH))
    return f"{code[:5]}-{code[5:]}"


def normalize_access_code(text: str) -> str | None:
    """`7k3f9 q2m4x`, `7K3F9-Q2M4X` -> `7K3F9-Q2M4X`; None when it cannot be a code."""
    cleaned = "".join(c for c in text.upper() if c.isalnum())
    if len(cleaned) != ACCESS_CODE_LENGTH or any(c not in REFERENCE_ALPHABET for c in cleaned):
        return None
    return f"{cleaned[:5]}-{cleaned[5:]}"


class Follow(str, Enum):
    """What a follow-up attempt with a reference and a code gives."""
    OPENED = "opened"  # the case now follows this conversation
    REFUSED = "refused"  # no such reference, or the wrong code: the person is not told which
    LOCKED = "locked"  # too many wrong codes for this reference: wait


class Status(str, Enum):
    NEW = "new"
    CLAIMED = "claimed"
    CONTACTED = "contacted"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.CLAIMED, Status.WITHDRAWN}),
    Status.CLAIMED: frozenset({Status.NEW, Status.CONTACTED, Status.CLOSED, Status.WITHDRAWN}),  # NEW = released
    Status.CONTACTED: frozenset({Status.CLOSED, Status.WITHDRAWN, Status.NEW}),
    Status.CLOSED: frozenset(),
    Status.WITHDRAWN: frozenset(),
}


class TransitionError(ValueError):
    pass


def check_transition(current: Status, wanted: Status) -> None:
    if wanted not in TRANSITIONS[current]:
        raise TransitionError(f"a case cannot go from {current.value} to {wanted.value}")


# The pre-check's outcome as the adviser console shows it; any other value is shown as it is.
# "not_eligible" and "redirect": refused by the automated pre-check, the person still asked to be called back.
OUTCOME_LABELS: dict[str, str] = {
    "eligible": "Éligible d'après la pré-vérification",
    "to_confirm": "À confirmer par un conseiller",
    "not_eligible": "Hors critères — à examiner",
    "redirect": "Relève du service locatif — à examiner",
}


class Priority(int, Enum):
    URGENT = 0  # violence, no housing, disaster: first in the queue
    NORMAL = 1


# Subject flags of the seed's partner e-mails (001, "Nous orienter un salarié"):
# "ALR (si salarié à la rue) ou VI (en cas de violences intrafamiliales)".
FLAG_STREET = "ALR"
FLAG_VIOLENCE = "VI"


def flags_for(facts: dict[str, Any]) -> tuple[str, ...]:
    difficulties = set(facts.get("difficulties") or ())
    flags = []
    if "sans_logement" in difficulties or facts.get("occupancy") == "sans_logement":
        flags.append(FLAG_STREET)
    if "violences" in difficulties:
        flags.append(FLAG_VIOLENCE)
    return tuple(flags)


@dataclass(frozen=True)
class Contact:
    """How the adviser reaches the person. Nothing about the employer, ever."""
    name: str
    phone: str  # E.164
    email: str | None
    postcode: str
    preferred_means: str  # phone | email | sms
    slots: tuple[str, ...]  # ISO dates with a part of day, e.g. "2026-11-26 matin"


@dataclass(frozen=True)
class Consent:
    kind: str  # "data" (the notice) or "sensitive" (health, violence details)
    notice_version: str
    given_at: dt.datetime


@dataclass
class Case:
    reference: str
    status: Status
    priority: Priority
    flags: tuple[str, ...]
    departement: str
    region: str
    outcome: str
    rules_version: str
    answers: dict[str, Any]  # facts and the per-criterion result, as the person gave them
    contact: Contact
    consents: tuple[Consent, ...]
    channel: str  # where the person talks to us: "web" or "telegram"
    address: str  # the channel's conversation id, to bring them the adviser's messages
    created_at: dt.datetime
    budget: dict[str, Any] | None = None
    locale: str = "fr"  # the person's language, for what is sent to them
    claimed_by: int | None = None
    id: int | None = None
    notes: list[Any] = field(default_factory=list)
    # Set on the case `HandoffService.submit` returns, to be shown to the person once; the
    # database holds only its keyed hash.
    access_code: str | None = None
