"""One-time links between the web and Telegram (bot/handover.py) on real SQLite: once, for ten
minutes, never where they were made; the token is kept only as its hash."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from bot.handover import HANDOVER_TTL, Handovers
from bot.state import State
from bot.store import ConversationStore, make_engine
from handoff import CaseRepository, Cipher
from handoff.migrate import upgrade

pytestmark = pytest.mark.integration
NOW = dt.datetime(2026, 11, 30, 12, 0)


@pytest.fixture
def handovers(tmp_path):
    from cryptography.fernet import Fernet

    engine = make_engine(f"sqlite:///{tmp_path / 'h.db'}")
    upgrade(engine)
    cipher = Cipher([Fernet.generate_key().decode()])
    store = ConversationStore(engine, cipher, secret="s")
    store.save("web:tab", State(greeted=True, facts={"situation": "salarie"}, address="web:tab"))
    return Handovers(engine, cipher, store, CaseRepository(engine, cipher)), store, engine


def test_a_link_moves_the_conversation_once(handovers):
    links, store, engine = handovers
    token = links.create("web:tab", NOW)
    moved = links.claim(token, "telegram:42", NOW + dt.timedelta(minutes=1))
    assert moved is not None and moved.facts == {"situation": "salarie"} and moved.address == "telegram:42"
    assert store.load("web:tab") is None  # moved, not copied
    assert links.claim(token, "telegram:43", NOW + dt.timedelta(minutes=2)) is None  # once
    with engine.connect() as conn:
        assert token not in " ".join(str(v) for row in conn.execute(text("SELECT * FROM handovers")) for v in row)


def test_an_expired_a_forged_or_a_same_place_link_moves_nothing(handovers):
    links, store, _ = handovers
    late = links.create("web:tab", NOW)
    assert links.claim(late, "telegram:42", NOW + HANDOVER_TTL + dt.timedelta(seconds=1)) is None
    assert links.claim("forged-token-forged-token-forged", "telegram:42", NOW) is None
    assert links.claim("", "telegram:42", NOW) is None
    here = links.create("web:tab", NOW)
    assert links.claim(here, "web:tab", NOW) is None
    assert store.load("web:tab") is not None


def test_spent_links_are_purged_a_day_after_they_expire(handovers):
    from bot.handover import purge_handovers

    links, _, engine = handovers
    links.create("web:tab", NOW)
    assert purge_handovers(engine, NOW + HANDOVER_TTL) == 0
    assert purge_handovers(engine, NOW + HANDOVER_TTL + dt.timedelta(days=1, seconds=1)) == 1
