"""The confidential handoff to a social adviser: consent, the case file, its encrypted storage,
notifications through an outbox, and (to come) the adviser console."""
from __future__ import annotations

from .crypto import Cipher
from .domain import (
    Case,
    Consent,
    Contact,
    Follow,
    Priority,
    Status,
    flags_for,
    new_reference,
    normalize_access_code,
    normalize_reference,
)
from .places import departement_of, region_of
from .repository import CaseRepository
from .validation import (
    InvalidContact,
    format_phone,
    normalize_email,
    normalize_name,
    normalize_phone,
    normalize_postcode,
)

__all__ = [
    "Case", "CaseRepository", "Cipher", "Consent", "Contact", "Follow", "InvalidContact", "Priority", "Status",
    "departement_of", "flags_for", "format_phone", "new_reference", "normalize_email", "normalize_name",
    "normalize_access_code", "normalize_phone", "normalize_postcode", "normalize_reference", "region_of",
]
