"""What the console shows, in the words of people rather than of the code: the person's answers
with the chat's own labels (rules_adapter/questions.yml), money and dates by Babel in French,
times in Paris with the zone said (and the person's own time for a case overseas), and every
code the cases store — slots, ways of contact, consents, criteria, channels, languages, flags —
in words. The templates use these as filters (templates_render.py); a test renders the queue and
the case page for a case of every outcome and finds no code left."""
from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal

import rules_adapter
from rules_adapter.facts import UNSURE

LOCALE = "fr_FR"
PARIS = ZoneInfo("Europe/Paris")
# The person's own clock, for the regions overseas (the time to call them back at).
OVERSEAS = {
    "Guadeloupe": ZoneInfo("America/Guadeloupe"),
    "Martinique": ZoneInfo("America/Martinique"),
    "Guyane": ZoneInfo("America/Cayenne"),
    "La Réunion": ZoneInfo("Indian/Reunion"),
    "Mayotte": ZoneInfo("Indian/Mayotte"),
}
MEANS = {"phone": "téléphone", "sms": "SMS", "email": "e-mail"}
CONSENTS = {"data": "notice d’information acceptée",
            "sensitive": "accord pour les données sensibles (santé, violences)"}
CRITERIA = {"met": "rempli", "to_confirm": "à confirmer par un conseiller", "not_met": "non rempli",
            "unknown": "inconnu — à demander"}
CHANNELS = {"web": "chat web", "telegram": "Telegram"}
LANGUAGES = {"fr": "français", "en": "anglais"}
FLAGS = {"ALR": "ALR — à la rue", "VI": "VI — violences intrafamiliales"}
PARTS = {"am": "matin", "pm": "après-midi", "matin": "matin", "après-midi": "après-midi"}
SAFE_CONTACT = {"yes": "oui, à tout moment", "times": "oui, seulement au créneau choisi",
                "no": "NON — appeler uniquement au créneau choisi, ni SMS ni e-mail, ne pas laisser de message"}


def _aware(at: dt.datetime) -> dt.datetime:
    """The database keeps UTC without a zone."""
    return at.replace(tzinfo=dt.timezone.utc) if at.tzinfo is None else at


def paris(at: dt.datetime | None) -> str:
    """"30/11/2026 15:05" in Paris time (the page says once that times are Paris')."""
    if at is None:
        return ""
    return format_datetime(_aware(at).astimezone(PARIS), "dd/MM/y HH:mm", locale=LOCALE)


def local_time(at: dt.datetime, region: str) -> str:
    """The person's own time for a case overseas ("10:05 en Guadeloupe"); "" in mainland France."""
    zone = OVERSEAS.get(region)
    if zone is None:
        return ""
    return f"{format_datetime(_aware(at).astimezone(zone), 'HH:mm', locale=LOCALE)} ({region})"


def day(value: Any) -> str:
    """An ISO date ("2022-06-15", the rules' version) as "15 juin 2022"."""
    try:
        return format_date(dt.date.fromisoformat(str(value)), "d MMMM y", locale=LOCALE)
    except ValueError:
        return str(value)


def money(amount: Any) -> str:
    try:
        return format_currency(float(amount), "EUR", locale=LOCALE)
    except (TypeError, ValueError):
        return "—"


def percent(value: Any) -> str:
    try:
        return f"{format_decimal(float(value), format='#,##0.#', locale=LOCALE)} %"
    except (TypeError, ValueError):
        return "—"


def slot(value: str) -> str:
    """"any", "2026-12-01|am" (what the chat's buttons send) or "2026-12-01 matin" (earlier
    cases) in words: "à tout moment", "mardi 1 décembre, matin"."""
    if value == "any":
        return "à tout moment"
    for separator in ("|", " "):
        day, _, part = value.partition(separator)
        try:
            date = dt.date.fromisoformat(day)
        except ValueError:
            continue
        if part in PARTS:
            return f"{format_date(date, 'EEEE d MMMM', locale=LOCALE)}, {PARTS[part]}"
    return "créneau à confirmer avec la personne"


def words(table: dict[str, str], value: Any) -> str:
    """A stored code in words; one the table does not know yet is said to be unknown rather
    than shown raw."""
    return table.get(str(value), "non précisé")


def facts_in_words(facts: dict[str, Any]) -> list[tuple[str, str]]:
    """The person's answers as they saw them in their summary: each fact's name and its
    choices' words from rules_adapter/questions.yml, not the rules' keys."""
    try:
        named = {f: rules_adapter.fact_name(f, facts) for f in facts}
    except rules_adapter.FactsError:  # a case stored under rules that have changed since
        named = {}
    out = []
    for fact, value in facts.items():
        said = []
        for v in value if isinstance(value, list) else [value]:
            label = rules_adapter.choice_label(fact, v)
            if v == UNSURE:
                label = "ne sait pas"
            elif label is None and fact in ("contract_months", "months_since_job_end"):
                label = f"{format_decimal(v, locale=LOCALE)} mois"
            elif label is None and isinstance(v, (int, float)):
                label = format_decimal(v, locale=LOCALE)
            said.append(label or "réponse à vérifier avec la personne")
        out.append((named.get(fact) or "Autre réponse", ", ".join(said)))
    return out


FILTERS = {
    "paris": paris, "day": day, "money": money, "percent": percent, "slot": slot,
    "means": lambda v: words(MEANS, v), "consent": lambda v: words(CONSENTS, v),
    "criterion": lambda v: words(CRITERIA, v), "channel": lambda v: words(CHANNELS, v),
    "language": lambda v: words(LANGUAGES, v), "flag": lambda v: words(FLAGS, v),
    "safe_contact": lambda v: words(SAFE_CONTACT, v),
}
