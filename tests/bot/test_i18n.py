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


def test_the_service_s_phone_hours_and_retention_periods_are_placeholders_filled_in_both_languages(monkeypatch):
    from bot import service_info

    with open(LOCALES_DIR / "messages.pot", "rb") as f:
        msgids = [m.id for m in read_po(f) if m.id]
    copies = [m for m in msgids if "800 800" in m or "18h30" in m or "90 jours" in m or "30 jours" in m]
    assert copies == [service_info.HOURS]  # the hours' own text, translated once
    assert sum("{phone}" in m for m in msgids) >= 8
    fr, en = translator("fr"), translator("en")
    call_us = "Je n'ai pas compris le nom de fichier {phone}."  # not in the catalog: formatted all the same
    assert fr(call_us) == "Je n'ai pas compris le nom de fichier 09 70 800 800."
    refused = ("C'est noté : rien n'est transmis et vos coordonnées ne sont pas demandées. Vous pouvez parler à "
               "un conseiller au {phone}, {hours} (appel non surtaxé).")
    assert "09 70 800 800, du lundi au vendredi de 9h à 18h30" in fr(refused)
    assert "09 70 800 800, Monday to Friday, 9:00 to 18:30" in en(refused)
    # One line to change: the number as the service publishes it reaches every text.
    monkeypatch.setattr(service_info, "PHONE", "01 23 45 67 89")
    translator.cache_clear()  # translators are made once per language (the service's values with them)
    try:
        assert "01 23 45 67 89" in translator("en")(refused)
    finally:
        monkeypatch.undo()
        translator.cache_clear()
    assert "{name} : {value}" in msgids and fr("{name} : {value}", name="Nom", value="X") == "Nom : X"


def test_no_text_passes_a_value_named_like_a_service_placeholder():
    """`_("… {phone} …", phone=the person's number)` collides with the service's `{phone}` and
    fails when the text is shown (it did, for a person's export of a request): every call of `_`
    in the code is read, and none may name a value as a service placeholder does."""
    import ast

    from bot.service_info import placeholders

    service = set(placeholders("h"))
    clashes = []
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_":
                clashes += [f"{path.name}:{node.lineno} {k.arg}" for k in node.keywords if k.arg in service]
    assert clashes == []
