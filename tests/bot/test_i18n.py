from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, date, money, negotiate, number, translator

ROOT = Path(__file__).resolve().parents[2]


def test_money_numbers_and_dates_follow_the_locale():
    assert money(1050, "fr") == "1\u202f050,00\xa0€"
    assert money(1050, "en") == "€1,050.00"
    assert number(1361.5, "fr") == "1\u202f361,5"
    assert date(dt.date(2026, 11, 25), "fr") == "mercredi 25 novembre 2026"
    assert date(dt.date(2026, 11, 25), "en") == "Wednesday, November 25, 2026"


def test_locale_negotiation():
    assert negotiate("en-GB") == "en"
    assert negotiate("de-DE,de;q=0.9,en;q=0.8") == "en"
    assert negotiate("es", None, "") == "fr"
    assert negotiate(None) == "fr"


def test_every_message_of_the_code_is_translated_to_english(tmp_path):
    pot = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run([str(pybabel), "-q", "extract", "-F", "babel.cfg", "-o", str(pot), "--no-location", "."],
                   cwd=ROOT, check=True, timeout=120)
    with pot.open("rb") as f:
        in_code = {m.id for m in read_po(f) if m.id}
    with (LOCALES_DIR / "en" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        translated = {m.id: m.string for m in read_po(f) if m.id}
    missing = sorted(i for i in in_code if not translated.get(i))
    assert missing == [], "run the README's catalog workflow and translate: " + "; ".join(missing[:5])


def test_translation_keeps_placeholders():
    _ = translator("en")
    assert _("Question {n} sur {total}", n=2, total=5) == "Question 2 of 5"
