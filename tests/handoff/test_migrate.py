"""Migrations run from several threads of one process at once: `assistant serve`'s first purge
migrates in a worker thread, and another app built in the same process (the tests start two
servers; a tool beside a server) migrates at the same moment."""
from __future__ import annotations

import threading

from sqlalchemy import create_engine, inspect

from handoff.migrate import upgrade


def test_threads_migrating_at_once_each_reach_the_newest_schema(tmp_path):
    # Alembic keeps its running migration in module globals; two threads migrating at once
    # (each its own database) used to end one of them with KeyError: 'script'.
    engines = [create_engine(f"sqlite:///{tmp_path / f'db{i}.sqlite'}", future=True) for i in range(6)]
    failures: list[BaseException] = []
    start = threading.Barrier(len(engines))

    def migrate(engine):
        start.wait()
        try:
            upgrade(engine)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            failures.append(exc)

    threads = [threading.Thread(target=migrate, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a migration never ended"
    assert failures == []
    for engine in engines:
        assert "cases" in inspect(engine).get_table_names()
        engine.dispose()
