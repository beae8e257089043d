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
