"""Counts of what the assistant did not understand, per week and topic, for content staff: no
text is stored, on SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio
import datetime as dt
import os

import pytest
from postgres_reset import reset

import nlu
from bot.dialogue import Dialogue
from bot.feedback import SampleStore, UnderstandingLog, judge, week_of
from bot.state import State
from bot.store import make_engine
from handoff.migrate import upgrade

MARKER = "Zorglub-marqueur-7731 ne comprend rien"


def engines(tmp_path):
    yield make_engine(f"sqlite:///{tmp_path / 'feedback.db'}")
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield make_engine(url)


def fallback(*ranked: str) -> nlu.Parse:
    return nlu.Parse(nlu.FALLBACK, 0.3, (), tuple(nlu.Alternative(i, 0.3) for i in ranked))


def test_what_is_counted():
    assert judge(fallback("faq/gratuite")) == ("fallback", "faq/gratuite")
    assert judge(fallback()) == ("fallback", "-")
    assert judge(nlu.Parse("faq/gratuite", 0.4, (), ())) == ("low_confidence", "faq/gratuite")
    assert judge(nlu.Parse("faq/gratuite", 0.9, (), ())) is None
    assert week_of(dt.date(2026, 11, 30)) == "2026-W49"


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_counts_are_added_up_per_week_and_topic_without_any_text(tmp_path, dialect):
    engine = next((e for e in engines(tmp_path) if e.dialect.name == dialect), None)
    if engine is None:
        pytest.skip("TEST_DATABASE_URL is not set (.ci/run sets it)")
    if dialect == "postgresql":  # the shared test database, as the handoff tests leave it: empty
        reset(engine)
    upgrade(engine)
    day = dt.date(2026, 11, 30)
    log = UnderstandingLog(engine, today=lambda: day)

    class Parser:
        async def parse(self, text, locale=None):
            return fallback("faq/surendettement")

    dialogue = Dialogue(Parser(), nlu.FaqContent(), on_parse=log.record)
    state = State(greeted=True)
    for _ in range(3):
        asyncio.run(dialogue.handle(MARKER, state))
    assert log.flush() == 2  # the three added up: one row of fallbacks, one of messages (the rate's denominator)
    log.record(fallback("faq/surendettement"))
    log.flush()
    assert log.weeks() == [{"week": "2026-W49", "kind": "fallback", "topic": "faq/surendettement", "count": 4}]
    if dialect == "sqlite":
        assert MARKER.encode() not in (tmp_path / "feedback.db").read_bytes()
    else:
        reset(engine)


def test_the_cli_prints_the_weeks(tmp_path, monkeypatch, capsys):
    from bot.cli import main

    monkeypatch.setenv("ASSISTANT_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["nlu", "feedback"]) == 0
    assert "nothing counted yet" in capsys.readouterr().out
    engine = make_engine(f"sqlite:///{tmp_path / 'var' / 'assistant.db'}")
    log = UnderstandingLog(engine, today=lambda: dt.date(2026, 11, 30))
    log.record(fallback("faq/gratuite"))
    log.flush()
    assert main(["nlu", "feedback", "--json"]) == 0
    assert '"topic": "faq/gratuite"' in capsys.readouterr().out
    assert main(["nlu", "feedback", "--weeks", "0"]) != 0


# --- the text of a message not understood, kept only when its writer shares it -----------------

class Unsure:
    async def parse(self, text, locale=None):
        return fallback("faq/surendettement", "faq/gratuite")

    async def close(self):
        pass


def share_button(replies):
    return next((b for r in replies for b in r.buttons if b.payload == "/share_message"), None)


def test_nothing_is_kept_unless_the_person_presses_share(tmp_path):
    from handoff.crypto import Cipher

    engine = make_engine(f"sqlite:///{tmp_path / 'samples.db'}")
    upgrade(engine)
    samples = SampleStore(engine, Cipher.from_config(None, tmp_path))
    dialogue = Dialogue(Unsure(), nlu.FaqContent(), on_share=samples.add)
    state = State(greeted=True)
    first = asyncio.run(dialogue.handle(MARKER, state)).replies
    assert share_button(first) is not None and "90" not in first[0].text
    asyncio.run(dialogue.handle("/ask_question", state))  # moved on: the offer is gone
    assert "plus de message" in asyncio.run(dialogue.handle("/share_message", state)).replies[0].text
    assert samples.weeks() == []
    second = asyncio.run(dialogue.handle(f"{MARKER}, écrivez-moi à moi@exemple.fr ou au 06 12 34 56 78", state)).replies
    assert share_button(second) is not None
    thanks = asyncio.run(dialogue.handle("/share_message", state)).replies[0].text
    assert "effacé dans 90 jours" in thanks
    kept = samples.weeks()
    assert [(r["topic"], r["locale"]) for r in kept] == [("faq/surendettement", "fr")]
    assert MARKER in kept[0]["text"] and "moi@exemple.fr" not in kept[0]["text"] and "06 12" not in kept[0]["text"]
    assert MARKER.encode() not in (tmp_path / "samples.db").read_bytes()  # encrypted at rest


def test_no_share_button_without_a_store_nor_during_the_check():
    dialogue = Dialogue(Unsure(), nlu.FaqContent(), today=lambda: dt.date(2026, 1, 1))
    state = State(greeted=True)
    assert share_button(asyncio.run(dialogue.handle(MARKER, state)).replies) is None
    shared = []
    dialogue = Dialogue(Unsure(), nlu.FaqContent(), today=lambda: dt.date(2026, 1, 1),
                        on_share=lambda *a: shared.append(a))
    asyncio.run(dialogue.handle("/start_check", state))
    assert share_button(asyncio.run(dialogue.handle(MARKER, state)).replies) is None
    asyncio.run(dialogue.handle("/share_message", state))
    assert shared == []


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_shared_messages_are_listed_decrypted_and_purged_after_90_days(tmp_path, dialect):
    from handoff.crypto import Cipher

    engine = next((e for e in engines(tmp_path) if e.dialect.name == dialect), None)
    if engine is None:
        pytest.skip("TEST_DATABASE_URL is not set (.ci/run sets it)")
    if dialect == "postgresql":
        reset(engine)
    upgrade(engine)
    now = [dt.datetime(2026, 8, 1, 9)]
    samples = SampleStore(engine, Cipher.from_config(None, tmp_path), now=lambda: now[0])
    samples.add(MARKER, "faq/gratuite", "fr")
    now[0] = dt.datetime(2026, 11, 5, 9)  # 96 days later
    samples.add("second", "-", "en")
    assert [r["text"] for r in samples.weeks(52)] == ["second", MARKER]
    assert [r["text"] for r in samples.weeks(4)] == ["second"]
    assert samples.purge() == 1
    assert [r["text"] for r in samples.weeks(52)] == ["second"]
    if dialect == "postgresql":
        reset(engine)


def test_the_cli_lists_shared_messages(tmp_path, monkeypatch, capsys):
    from bot.cli import main
    from bot.config import load_settings
    from bot.store import make_cipher

    monkeypatch.setenv("ASSISTANT_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("HANDOFF_KEYS", raising=False)
    assert main(["nlu", "feedback", "--texts"]) == 0
    assert "no message shared" in capsys.readouterr().out
    settings = load_settings()
    SampleStore(make_engine(f"sqlite:///{tmp_path / 'var' / 'assistant.db'}"), make_cipher(settings)).add(
        MARKER, "faq/gratuite", "fr"
    )
    assert main(["nlu", "feedback", "--texts"]) == 0
    assert MARKER in capsys.readouterr().out


# --- the server adds the counts to the database every minute and when it stops -----------------


def _serve_and_ask(settings, running_server, monkeypatch, period: float, check_while_running):
    import functools

    import httpx

    from bot import tasks, web

    # The server's own loop, with its period set here (a minute in production).
    counting = functools.partial(tasks.count_misunderstandings, every=period)
    monkeypatch.setattr(tasks, "count_misunderstandings", counting)
    with running_server(web.create_app(settings, Unsure())) as server:
        reply = httpx.post(f"{server.url}/webhooks/rest/webhook", json={"sender": "a", "message": MARKER}, timeout=10)
        assert reply.status_code == 200
        check_while_running()


@pytest.mark.integration  # the app under uvicorn
def test_serve_saves_the_counts_while_it_runs(settings, running_server, monkeypatch):
    import time

    log = UnderstandingLog(make_engine(settings.database_url))

    def saved_within_seconds():
        deadline = time.monotonic() + 10
        while not log.weeks() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [(r["kind"], r["topic"], r["count"]) for r in log.weeks()] == [("fallback", "faq/surendettement", 1)]

    _serve_and_ask(settings, running_server, monkeypatch, 0.2, saved_within_seconds)


@pytest.mark.integration  # the app under uvicorn
def test_serve_saves_the_counts_when_it_stops(settings, running_server, monkeypatch):
    log = UnderstandingLog(make_engine(settings.database_url))

    def not_yet():
        assert log.weeks() == []  # the minute has not passed

    _serve_and_ask(settings, running_server, monkeypatch, 3600, not_yet)
    assert [(r["kind"], r["count"]) for r in log.weeks()] == [("fallback", 1)]


def test_the_share_not_understood_per_topic_counts_every_message_leaning_to_it(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'rate.db'}")
    upgrade(engine)
    log = UnderstandingLog(engine, today=lambda: dt.date(2026, 11, 30))
    for _ in range(3):
        log.record(nlu.Parse("faq/surendettement", 0.9, (), ()))  # understood
    log.record(fallback("faq/surendettement"))  # not understood, leaning to it
    log.record(nlu.Parse("faq/gratuite", 0.4, (), ()))  # answered, unsure
    log.flush()
    labels = {"surendettement": "Surendettement", "gratuite": "Gratuité"}
    assert log.by_topic(["2026-W49"], labels.get) == [("Gratuité", 1, 1), ("Surendettement", 1, 4)]
    assert sorted(r["kind"] for r in log.weeks()) == ["fallback", "low_confidence"]  # never the plain counts
