"""The service's own facts, each in one place, and the placeholders that bring them into the
texts: `{phone}` and `{hours}` (the advisers' line), `{contact_days}`, `{case_months}` and
`{shared_days}` (how long data is kept). bot/i18n.py fills them in every translated text, so a
message says "appelez le {phone} ({hours})" and a change of number or hours is one line here."""
from __future__ import annotations

from handoff.retention import Retention

PHONE = "09 70 800 800"  # the service's advisers, free of charge (appel non surtaxé)


def N_(message: str) -> str:
    """Marks a text for the catalogs (pybabel extracts it) without translating it here."""
    return message


HOURS = N_("du lundi au vendredi de 9h à 18h30")  # translated where it is used
SHARED_MESSAGE_DAYS = 90  # a message its writer shared with content staff (bot/feedback.py)


def placeholders(hours: str) -> dict[str, object]:
    """The values of the service's placeholders, `hours` already in the text's language."""
    retention = Retention()
    return {
        "phone": PHONE,
        "hours": hours,
        "contact_days": retention.conversation_days,
        "case_months": retention.closed_case_months,
        "shared_days": SHARED_MESSAGE_DAYS,
    }
