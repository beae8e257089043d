"""The retention purge beyond the cases: conversations left with nothing but a greeting go after
a day (a page opened and left, a crawler), others after 30 days; the ids of processed Telegram
updates after a week; every period from the settings (RETENTION_*)."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, select, text

from bot.config import load_settings, session_secret
from bot.maintenance import engine_for, run_purge
from bot.state import CHECK, State
from bot.store import ConversationStore, conversations, make_cipher, pseudonym
from bot.telegram_channel import processed_updates

NOW = dt.datetime(2026, 6, 1, 12, 0)


def store_for(settings) -> ConversationStore:
    return ConversationStore(engine_for(settings), make_cipher(settings), session_secret(settings))


def age(settings, key: str, hours: float) -> None:
    with engine_for(settings).begin() as conn:
        conn.execute(text("UPDATE conversations SET updated_at = :t WHERE key = :k"),
                     {"t": NOW - dt.timedelta(hours=hours), "k": pseudonym(session_secret(settings), key)})


def kept(settings) -> set[str]:
    with engine_for(settings).connect() as conn:
        rows = set(conn.execute(select(conversations.c.key)).scalars())
    return {key for key in ("web:greeted", "web:asked", "web:checking", "web:fresh")
            if pseudonym(session_secret(settings), key) in rows}


def test_a_greeting_alone_goes_after_a_day_a_conversation_after_thirty(settings):
    store = store_for(settings)
    store.save("web:greeted", State(greeted=True, locale="en", address="web:greeted"))
    store.save("web:fresh", State(greeted=True, address="web:fresh"))
    store.save("web:checking", State(greeted=True, mode=CHECK, question="situation", address="web:checking"))
    store.save("web:asked", State(greeted=True, facts={"situation": "salarie"}, answered=["situation"]))
    for key in ("web:greeted", "web:checking", "web:asked"):
        age(settings, key, hours=25)
    age(settings, "web:fresh", hours=23)
    assert run_purge(settings, now=NOW).conversations == 1
    assert kept(settings) == {"web:fresh", "web:checking", "web:asked"}
    for key in ("web:checking", "web:asked"):
        age(settings, key, hours=31 * 24)
    assert run_purge(settings, now=NOW).conversations == 2
    assert kept(settings) == {"web:fresh"}


def test_a_greeting_that_goes_on_is_kept_as_a_conversation(settings):
    store = store_for(settings)
    store.save("web:greeted", State(greeted=True))
    store.save("web:greeted", State(greeted=True, mode=CHECK, question="difficulties"))  # then the check starts
    age(settings, "web:greeted", hours=48)
    run_purge(settings, now=NOW)
    assert kept(settings) == {"web:greeted"}


def test_telegram_update_ids_go_after_a_week(settings):
    engine = engine_for(settings)
    store_for(settings)  # the tables
    with engine.begin() as conn:
        conn.execute(insert(processed_updates), [{"update_id": 1, "received_at": NOW - dt.timedelta(days=8)},
                                                 {"update_id": 2, "received_at": NOW - dt.timedelta(days=6)}])
    assert run_purge(settings, now=NOW).telegram_updates == 1
    with engine.connect() as conn:
        assert list(conn.execute(select(processed_updates.c.update_id)).scalars()) == [2]


def test_the_periods_come_from_the_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("RETENTION_GREETING_HOURS", "2")
    monkeypatch.setenv("RETENTION_CONVERSATION_DAYS", "3")
    settings = load_settings(tmp_path / "no.env")
    assert (settings.retention.greeting_hours, settings.retention.conversation_days) == (2, 3)
    store = store_for(settings)
    store.save("web:greeted", State(greeted=True))
    store.save("web:asked", State(greeted=True, facts={"situation": "salarie"}))
    age(settings, "web:greeted", hours=3)
    age(settings, "web:asked", hours=3 * 24 + 1)
    assert run_purge(settings, now=NOW).conversations == 2


def test_a_period_that_is_not_a_whole_number_above_zero_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("RETENTION_AUDIT_MONTHS", "0")
    with pytest.raises(ValueError, match="RETENTION_AUDIT_MONTHS"):
        load_settings(tmp_path / "no.env")


@pytest.mark.parametrize("setting, value, said", [
    ("RETENTION_AUDIT_MONTHS", "0", "RETENTION_AUDIT_MONTHS must be a whole number, at least 1"),
    ("RETENTION_GREETING_HOURS", "a day", "RETENTION_GREETING_HOURS"),
])
def test_a_bad_period_stops_the_purge_with_a_one_line_error(tmp_path, setting, value, said):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "ASSISTANT_VAR_DIR": str(tmp_path / "var"), setting: value}
    env.pop("DATABASE_URL", None)
    result = subprocess.run([str(Path(sys.executable).parent / "assistant"), "purge"], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode != 0 and said in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
