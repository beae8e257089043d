"""The conversation store on SQLite (its driver path) and PostgreSQL: the same behaviour."""
from __future__ import annotations

import datetime as dt
import os
import sqlite3

import pytest
from cryptography.fernet import Fernet
from postgres_reset import reset
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from bot.state import CHECK, State
from bot.store import ConversationStore, conversations, make_engine, pseudonym
from handoff import Cipher


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            pytest.skip("needs PostgreSQL at TEST_DATABASE_URL (.ci/run sets it)")
    engine = make_engine(url)
    if request.param == "postgresql":
        reset(engine)  # the shared database, emptied of every migrated table
    yield engine
    engine.dispose()


@pytest.fixture
def cipher():
    return Cipher([Fernet.generate_key().decode()])


def a_state(marker: str) -> State:
    state = State(greeted=True, mode=CHECK, question="contract")
    state.facts.update({"difficulties": ["separation"], "company_size": 12})
    state.answered.extend(["difficulties", "company_size"])
    state.handoff["first_name"] = marker
    return state


def test_a_saved_conversation_comes_back_whole_and_encrypted(engine, cipher):
    store = ConversationStore(engine, cipher, "secret")
    assert store.load("web:someone") is None
    store.save("web:someone", a_state("Zoé-MARKER-1"))
    store.save("web:someone", a_state("Zoé-MARKER-2"))  # the second save updates the row
    assert store.load("web:someone") == a_state("Zoé-MARKER-2")
    with engine.connect() as conn:
        rows = conn.execute(select(conversations)).all()
    assert [row.key for row in rows] == [pseudonym("secret", "web:someone")]
    assert "MARKER" not in rows[0].state and "web:someone" not in rows[0].state
    assert rows[0].created_at <= rows[0].updated_at <= dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    store.delete("web:someone")
    assert store.load("web:someone") is None


def test_the_dumped_json_is_the_state_s_json(cipher):
    import json

    state = a_state("x")
    assert json.loads(state.dumps()) == state.to_json()
    assert State.loads(state.dumps()) == state


def test_two_stores_on_one_file_see_each_other_s_writes(engine, cipher):
    first, second = ConversationStore(engine, cipher, "secret"), ConversationStore(engine, cipher, "secret")
    first.save("telegram:42", a_state("one"))
    assert second.load("telegram:42").handoff["first_name"] == "one"
    second.save("telegram:42", a_state("two"))
    assert first.load("telegram:42").handoff["first_name"] == "two"
    second.delete("telegram:42")
    assert first.load("telegram:42") is None


def test_a_locked_sqlite_file_raises_sqlalchemy_s_error_without_the_values(tmp_path, cipher):
    path = tmp_path / "locked.db"
    store = ConversationStore(make_engine(f"sqlite:///{path}"), cipher, "secret")
    store._driver.connection.execute("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the file
    try:
        with pytest.raises(SQLAlchemyError) as raised:
            store.save("web:someone", a_state("Zoé-MARKER"))
    finally:
        other.execute("ROLLBACK")
    message = str(raised.value)
    assert "locked" in message and "MARKER" not in message and pseudonym("secret", "web:someone") not in message
    store.save("web:someone", a_state("after"))  # the store works again once the file is free
    assert store.load("web:someone").handoff["first_name"] == "after"


def test_numbers_beyond_64_bits_come_back_as_they_went(engine, cipher):
    store = ConversationStore(engine, cipher, "secret")
    state = a_state("x")
    state.facts["company_size"] = 10 ** 30  # a forged button payload
    state.handoff["phone"] = "06 12 34 56 78 12345678901234567890"
    store.save("web:big", state)
    assert ConversationStore(engine, cipher, "secret").load("web:big") == state  # read from the database


def test_a_database_an_earlier_version_made_keeps_its_conversations_under_the_migrations(tmp_path, cipher):
    """Before revision 0004 the server created `conversations` itself: upgrading such a database
    records the table as the migrations' and loses nothing."""
    from alembic import command
    from alembic.script import ScriptDirectory
    from sqlalchemy import inspect

    from handoff.migrate import alembic_config, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "0003")
        conversations.create(conn)  # as create_all did
        conn.execute(conversations.insert().values(key="k", state="s", created_at=dt.datetime(2026, 1, 1),
                                                   updated_at=dt.datetime(2026, 1, 1)))
    upgrade(engine)
    with engine.connect() as conn:
        newest = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert newest >= "0005" and conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == newest
        assert conn.execute(select(conversations.c.key)).scalars().all() == ["k"]
    assert {"conversations", "telegram_updates"} <= set(inspect(engine).get_table_names())
    ConversationStore(engine, cipher, "secret")  # starts on it as on a new one


def test_a_taken_conversation_is_written_and_released_in_one_go(engine, cipher):
    """`open` takes the conversation (on PostgreSQL: a transaction holding its lock), `save`
    writes it and lets it go: another store takes it at once and reads the new state."""
    first, second = ConversationStore(engine, cipher, "s"), ConversationStore(engine, cipher, "s")
    held, state = first.open("web:someone")
    assert state is None
    first.save("web:someone", a_state("one"), held)
    first.close("web:someone", held)
    held, state = second.open("web:someone")
    assert state == a_state("one")
    second.delete("web:someone", held)
    second.close("web:someone", held)
    assert first.load("web:someone") is None


def test_a_turn_that_fails_before_its_save_leaves_the_conversation_as_it_was_and_free(engine, cipher):
    store = ConversationStore(engine, cipher, "s")
    store.save("web:someone", a_state("before"))
    held, _ = store.open("web:someone")
    store.close("web:someone", held)  # the dialogue raised: nothing saved
    other = ConversationStore(engine, cipher, "s")
    held, state = other.open("web:someone")  # not blocked by a lock left behind
    assert state == a_state("before")
    other.close("web:someone", held)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:  # no connection went back to the pool inside a transaction
            idle = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                     "AND state LIKE 'idle in transaction%'")).scalar_one()
        assert idle == 0


def test_on_postgresql_a_second_worker_waits_for_the_first_s_commit_and_reads_its_state(engine, cipher):
    """The lock is released by the commit that writes the state, never before it: a worker
    waiting for the conversation reads what the other one wrote."""
    if engine.dialect.name != "postgresql":
        pytest.skip("one process serves a SQLite database")
    import threading

    first, second = ConversationStore(engine, cipher, "s"), ConversationStore(engine, cipher, "s")
    held, _ = first.open("web:someone")
    seen: list[State | None] = []

    def take() -> None:
        taken, state = second.open("web:someone")
        seen.append(state)
        second.close("web:someone", taken)

    waiter = threading.Thread(target=take)
    waiter.start()
    waiter.join(0.5)
    assert waiter.is_alive(), "the second worker must wait for the conversation"
    first.save("web:someone", a_state("written"), held)
    first.close("web:someone", held)
    waiter.join(10)
    assert seen == [a_state("written")]


def test_a_connection_lost_during_a_turn_on_postgresql_frees_the_conversation(engine, cipher):
    """The server ends the connection holding a conversation (a restart, a network cut): the
    save fails with SQLAlchemy's error, the broken connection is discarded, not pooled, and the
    conversation is free again with its last state."""
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's transaction")
    store = ConversationStore(engine, cipher, "s")
    store.save("web:someone", a_state("before"))
    held, _ = store.open("web:someone")
    pid = held.connection.get_backend_pid()
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    with pytest.raises(SQLAlchemyError):
        store.save("web:someone", a_state("lost"), held)
    store.close("web:someone", held)
    held, state = ConversationStore(engine, cipher, "s").open("web:someone")
    assert state == a_state("before")
    store.close("web:someone", held)


def test_on_postgresql_connections_the_server_dropped_while_idle_are_replaced_without_an_error(engine, cipher):
    """No ping before each message: a connection found dead (the server restarted) is replaced
    and the message goes on."""
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's connections")
    store = ConversationStore(engine, cipher, "s", turns=2)
    store.save("web:someone", a_state("before"))
    for _ in range(2):  # both kept connections opened, then idle in the pool
        held, _ = store.open("web:someone")
        store.close("web:someone", held)
    with engine.connect() as conn:
        ended = conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                  "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                                  "AND state = 'idle'")).scalar_one()
    assert ended >= 1
    held, state = store.open("web:someone")
    assert state == a_state("before")
    store.save("web:someone", a_state("after"), held)
    store.close("web:someone", held)
    assert store.load("web:someone") == a_state("after")
