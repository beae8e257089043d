"""Counts of what the assistant did not understand, per week and topic, for content staff: no
text is stored, on SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio
import datetime as dt
import os

import pytest

import nlu
from bot.dialogue import Dialogue
from bot.feedback import UnderstandingLog, judge, week_of
from bot.state import State
from bot.store import make_engine
from handoff.migrate import upgrade
from postgres_reset import reset

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
    assert log.flush() == 1
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
