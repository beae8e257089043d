"""Translations (gettext catalogs, French source, English translation) and locale-aware
formatting with Babel.

Workflow (documented in the README):
    uv run pybabel extract -F babel.cfg -o bot/locales/messages.pot .
    uv run pybabel update -i bot/locales/messages.pot -d bot/locales
    uv run pybabel compile -d bot/locales
The server compiles a catalog whose .po is newer than its .mo at start, so a fresh clone works.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations, Translations

from .service_info import HOURS, placeholders

LOCALES_DIR = Path(__file__).parent / "locales"
SUPPORTED = ("fr", "en")
DEFAULT = "fr"
DOMAIN = "messages"


def negotiate(*candidates: str | None) -> str:
    """The first supported language among candidates such as Telegram's `language_code`
    ("en-GB"), an Accept-Language header ("en-US,en;q=0.9,fr;q=0.8") or a stored choice."""
    for candidate in candidates:
        if not candidate:
            continue
        for part in candidate.split(","):
            tag = part.split(";")[0].strip().replace("_", "-")
            if not tag:
                continue
            try:
                language = Locale.parse(tag, sep="-").language
            except (ValueError, UnknownLocaleError):
                continue
            if language in SUPPORTED:
                return language
    return DEFAULT


def compile_catalogs(directory: Path = LOCALES_DIR) -> None:
    """Compile each .po into its .mo when the .mo is missing or older."""
    for po in directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name)
        with mo.open("wb") as target:
            write_mo(target, catalog, use_fuzzy=False)


@cache
def translations(locale: str) -> NullTranslations:
    if locale == DEFAULT:
        return NullTranslations()  # French is the source language
    compile_catalogs()
    return Translations.load(str(LOCALES_DIR), [locale], DOMAIN)


@cache
def translator(locale: str) -> Callable[..., str]:
    """`_ = translator(locale)`; `_("Bonjour {name}", name=...)` translates, then formats, the
    service's placeholders (`{phone}`, `{hours}`… bot/service_info.py) filled in every text."""
    catalog = translations(locale if locale in SUPPORTED else DEFAULT)
    service = placeholders(catalog.gettext(HOURS))

    def _(msgid: str, /, **values: object) -> str:
        text = catalog.gettext(msgid)
        return text.format(**service, **values) if "{" in text else text

    return _


def number(value: int | float | Decimal, locale: str) -> str:
    return format_decimal(value, locale=locale)


def money(value: int | float | Decimal, locale: str) -> str:
    """`1 050,00 €` in French, `€1,050.00` in English."""
    return format_currency(value, "EUR", locale=locale)


def date(value: dt.date, locale: str) -> str:
    return format_date(value, format="full", locale=locale)
