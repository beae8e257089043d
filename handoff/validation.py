"""Contact details as people type them, checked and normalised; each error is a hint to show."""
from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from .places import departement_of

# National prefixes of the DROM and their E.164 country codes (ARCEP numbering plan).
_DROM_PREFIXES = {
    "0590": "+590", "0690": "+590", "0691": "+590",  # Guadeloupe (and Saint-Martin / Saint-Barthélemy)
    "0596": "+596", "0696": "+596", "0697": "+596",  # Martinique
    "0594": "+594", "0694": "+594",  # Guyane
    "0262": "+262", "0263": "+262", "0692": "+262", "0693": "+262",  # La Réunion
    "0269": "+262", "0639": "+262",  # Mayotte
}
_COUNTRY_CODES = ("+33", "+590", "+596", "+594", "+262")
# Numbers abroad that cost the caller or reach no one: refused as contact numbers.
_NOT_A_CONTACT = (PhoneNumberType.PREMIUM_RATE, PhoneNumberType.SHARED_COST, PhoneNumberType.UAN,
                  PhoneNumberType.PAGER, PhoneNumberType.UNKNOWN)
_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")


class InvalidContact(ValueError):
    """The message is safe to show: it never repeats what was typed."""


def normalize_phone(text: str) -> str:
    """French numbers, DROM included, in any usual writing -> E.164 (`+33612345678`); a number
    abroad with its country code (`+44 20 7946 0958`), checked against that country's plan."""
    raw = re.sub(r"[\s.\-()/]", "", text or "")
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    if raw.startswith("+") and not raw.startswith(_COUNTRY_CODES):
        return _abroad(raw)
    if raw.startswith("+"):
        code = next((c for c in _COUNTRY_CODES if raw.startswith(c)), None)
        rest = raw[len(code):] if code else ""
        if rest.startswith("0"):
            rest = rest[1:]
        if not code or not re.fullmatch(r"[1-9]\d{8}", rest):
            raise InvalidContact("phone")
        return code + rest
    if not re.fullmatch(r"0[1-79]\d{8}", raw):
        raise InvalidContact("phone")
    return _DROM_PREFIXES.get(raw[:4], "+33") + raw[1:]


def _abroad(raw: str) -> str:
    try:
        number = phonenumbers.parse(raw, None)
    except NumberParseException:
        raise InvalidContact("phone") from None
    if not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) in _NOT_A_CONTACT:
        raise InvalidContact("phone")
    return str(phonenumbers.format_number(number, PhoneNumberFormat.E164))


def format_phone(e164: str) -> str:
    """For display to an adviser: `06 12 34 56 78` (national form) in France and the DROM, the
    international form elsewhere (`+44 20 7946 0958`)."""
    if not e164.startswith(_COUNTRY_CODES):
        try:
            return str(phonenumbers.format_number(phonenumbers.parse(e164, None), PhoneNumberFormat.INTERNATIONAL))
        except NumberParseException:
            return e164
    code = next((c for c in _COUNTRY_CODES if e164.startswith(c)), "+33")
    digits = "0" + e164[len(code):]
    return " ".join(digits[i:i + 2] for i in range(0, 10, 2))


def normalize_email(text: str) -> str:
    email = (text or "").strip()
    if len(email) > 254 or not _EMAIL.match(email):
        raise InvalidContact("email")
    local, domain = email.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def normalize_name(text: str) -> str:
    name = " ".join((text or "").split())
    if not 2 <= len(name) <= 80 or not re.search(r"[^\W\d_]", name) or re.search(r"[<>{}\[\]@#$%^*=+|\\]", name):
        raise InvalidContact("name")
    return name


def normalize_postcode(text: str) -> str:
    code = re.sub(r"\s", "", text or "")
    if not re.fullmatch(r"\d{5}", code) or departement_of(code) is None:
        raise InvalidContact("postcode")
    return code
