"""Each worker's connection pool to PostgreSQL is sized by DATABASE_POOL_SIZE and
DATABASE_MAX_OVERFLOW, so N workers stay under the server's max_connections."""
from __future__ import annotations

import os

import pytest

from bot.config import load_settings
from bot.store import make_engine


def test_a_worker_keeps_the_configured_pool_and_overflows_by_the_configured_count(monkeypatch, tmp_path):
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("needs PostgreSQL at TEST_DATABASE_URL (.ci/run sets it)")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATABASE_POOL_SIZE", "2")
    monkeypatch.setenv("DATABASE_MAX_OVERFLOW", "1")
    settings = load_settings(env_file=tmp_path / "no.env")
    engine = make_engine(settings.database_url, pool_size=settings.database_pool_size,
                         max_overflow=settings.database_max_overflow)
    connections = [engine.connect() for _ in range(3)]
    try:
        assert engine.pool.size() == 2
        assert engine.pool.checkedout() == 3 and engine.pool.overflow() == 1
    finally:
        for connection in connections:
            connection.close()
        engine.dispose()


def test_without_settings_a_worker_uses_sqlalchemy_s_defaults(tmp_path, monkeypatch):
    for name in ("DATABASE_POOL_SIZE", "DATABASE_MAX_OVERFLOW"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(env_file=tmp_path / "no.env")
    assert (settings.database_pool_size, settings.database_max_overflow) == (5, 10)


def test_more_conversations_at_once_than_pooled_connections_are_all_answered(parser):
    """Each message holds a connection (its conversation's lock) through the NLU: messages past
    the pool wait their turn rather than take the threads the holders need to let go."""
    import asyncio

    from cryptography.fernet import Fernet

    import nlu
    from bot.dialogue import Dialogue
    from bot.service import Assistant
    from bot.store import ConversationStore
    from handoff import Cipher

    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("needs PostgreSQL at TEST_DATABASE_URL (.ci/run sets it)")
    engine = make_engine(url, pool_size=2, max_overflow=1)
    store = ConversationStore(engine, Cipher([Fernet.generate_key().decode()]), "pool-test", turns=3)
    assistant = Assistant(Dialogue(parser, nlu.FaqContent()), store)
    messages = ["bonjour", "/start_check", "mon employeur sera-t-il au courant ?", "/menu"]

    async def conversation(n: int) -> list[str]:
        texts = []
        for message in messages:
            texts += [reply.text for reply in await assistant.handle("web", f"pool-{n}", message)]
        return texts

    async def all_at_once() -> list[list[str]]:
        # Well within the pool's 30 s wait for a connection, which would end in "unavailable".
        return await asyncio.wait_for(asyncio.gather(*(conversation(n) for n in range(24))), 25)

    try:
        answered = asyncio.run(all_at_once())
    finally:
        engine.dispose()
    assert len(answered) == 24
    for texts in answered:
        assert not any("indisponible" in text for text in texts)
        assert any("employeur" in text.lower() for text in texts[2:])  # the FAQ answer came back
    assert store.load("web:pool-0") is not None
