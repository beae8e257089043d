"""Conversation state storage with SQLAlchemy (SQLite by default, PostgreSQL in production)."""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import threading
from pathlib import Path

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    MetaData,
    String,
    Table,
    Text,
    and_,
    bindparam,
    create_engine,
    delete,
    event,
    false,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import QueuePool

from handoff import Cipher
from handoff.migrate import upgrade

from .state import State
from .turns import Held, Turns

metadata = MetaData()

conversations = Table(
    "conversations",
    metadata,
    Column("key", String(200), primary_key=True),  # pseudonym("<channel>:<sender id>"), see `pseudonym`
    Column("state", Text, nullable=False),  # JSON of bot.state.State, sealed (it may hold contact details)
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    # Nothing in it but the greeting (`State.greeting_only`): purged after a day, not thirty.
    Column("greeting_only", Boolean, nullable=False, server_default=false()),
)


# Built once: a message reads and writes its conversation with these (building and hashing a
# statement each time cost more than running it).
_LOAD = select(conversations.c.state).where(conversations.c.key == bindparam("k"))


def _save_statement(dialect: str):
    """One statement writes a conversation, new or not: SQLite and PostgreSQL both have
    INSERT ... ON CONFLICT DO UPDATE (one round trip, and no race between two workers)."""

    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    stmt = insert(conversations).values(key=bindparam("k"), state=bindparam("s"), created_at=bindparam("now"),
                                        updated_at=bindparam("now"), greeting_only=bindparam("g"))
    return stmt.on_conflict_do_update(index_elements=[conversations.c.key],
                                      set_={"state": stmt.excluded.state, "updated_at": stmt.excluded.updated_at,
                                            "greeting_only": stmt.excluded.greeting_only})


class _DriverPath:
    """A conversation's read and write on SQLite, as the driver's own statements on one
    connection kept open. Through SQLAlchemy (a pool checkout, the compiled-statement cache, the
    result's wrapping, the reset on return) a read and a write cost 74 µs, six times the 12 µs of
    the statements themselves: a fifth of a button answer. They are still `_LOAD` and the save
    statement, compiled once for the dialect. Callers hold the store's `_writing` lock."""

    def __init__(self, engine: Engine, save):
        dialect = engine.dialect
        self._fairy = engine.raw_connection()  # checked out for good: it has the pool's pragmas
        self.connection = self._fairy.dbapi_connection
        when = conversations.c.updated_at.type.dialect_impl(dialect).bind_processor(dialect)
        self._when = when or (lambda value: value)
        self._load, self._save = self._compiled(_LOAD, dialect), self._compiled(save, dialect)

    @staticmethod
    def _compiled(stmt, dialect) -> tuple[str, tuple[str, ...]]:
        compiled = stmt.compile(dialect=dialect)
        return str(compiled), tuple(compiled.positiontup)

    def _run(self, statement: tuple[str, tuple[str, ...]], values: dict):
        sql, names = statement
        return self.connection.execute(sql, tuple(values[name] for name in names))

    @contextlib.contextmanager
    def _errors(self):
        """The driver's errors as SQLAlchemy's (what callers catch), without the values."""
        try:
            yield
        except self.connection.Error as exc:
            with contextlib.suppress(Exception):
                self.connection.rollback()
            raise OperationalError("conversation store", None, exc, hide_parameters=True) from None

    def load(self, row: str) -> str | None:
        with self._errors():
            found = self._run(self._load, {"k": row}).fetchone()
        return found[0] if found is not None else None

    def save(self, row: str, data: str, now: dt.datetime, greeting_only: bool) -> None:
        with self._errors():
            self._run(self._save, {"k": row, "s": data, "now": self._when(now), "g": greeting_only})
            self.connection.commit()


PSEUDONYM_PREFIX = "p:"
_KEPT = 4096  # conversations whose pseudonym a store keeps in memory


def pseudonym(secret: str, key: str) -> str:
    """What the database knows a conversation by: a keyed hash of "<channel>:<sender id>". A
    Telegram chat id says who wrote to a housing-distress service; a copy of the database or a
    backup must not. The same secret on every worker gives the same pseudonym; a new secret
    starts every conversation afresh (the old rows go with the retention purge)."""
    return PSEUDONYM_PREFIX + hmac.digest(secret.encode(), key.encode(), hashlib.sha256).hex()


def make_cipher(settings) -> Cipher:
    """The contact-data cipher of this deployment: HANDOFF_KEYS, or the embedded key in var/."""
    keys = settings.handoff_keys
    return Cipher.from_config(str(keys) if keys else None, settings.var_dir)


def make_engine(url: str, *, pool_size: int = 5, max_overflow: int = 10) -> Engine:
    """An engine for `url`. On PostgreSQL each worker keeps up to `pool_size` connections open
    and opens up to `max_overflow` more at a peak (a message holds one while it is handled: the
    connection holding its conversation's lock, which also reads and writes it)."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        # SQLAlchemy 1.4 opens a new SQLite connection for every use of a file database
        # (NullPool): keep a few open instead, shared between threads.
        engine = create_engine(url, future=True, poolclass=QueuePool, pool_size=pool_size, max_overflow=max_overflow,
                               # A writer waits at most 5 s for another (then the person gets
                               # "momentarily unavailable"): the serving loop calls SQLite in place.
                               connect_args={"check_same_thread": False, "timeout": 5})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection, _record):
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")  # as PostgreSQL enforces them
            cursor.execute("PRAGMA journal_mode=WAL")  # readers do not wait for the writer
            # With WAL, a commit survives the process being killed without an fsync each time
            # (only a power cut can lose the last commits, never corrupt the file).
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    pool = {} if url.startswith("sqlite") else {"pool_size": pool_size, "max_overflow": max_overflow}
    # A database that does not answer at all (a frozen host) must not hang a message: the
    # person gets the "momentarily unavailable" reply within seconds instead.
    connect = {"connect_timeout": 5} if url.startswith("postgresql") else {}
    return create_engine(url, future=True, pool_pre_ping=True, connect_args=connect, **pool)


TURNS = 12  # messages of a worker that may hold their conversation at once on PostgreSQL


class ConversationStore:
    """Conversations' state, encrypted, under their pseudonym (callers use the channel's key).

    `turns`: on PostgreSQL, how many messages may hold their conversation at once (see `open`;
    the service waits for a turn before taking one)."""

    def __init__(self, engine: Engine, cipher: Cipher, secret: str, turns: int = TURNS):
        self.engine = engine
        self.turns = turns
        self.cipher = cipher
        self._secret = secret
        # SQLite has one writer at a time, and a writer that finds the file busy sleeps and
        # retries (up to 100 ms a time): callers of this store on several threads (tests, tools;
        # `serve` calls it from its loop) take turns here instead.
        self._writing = threading.Lock() if engine.dialect.name == "sqlite" else contextlib.nullcontext()
        upgrade(engine)  # the table is the migrations' (0004); idempotent
        self._pseudonymise_old_rows()
        self._save = _save_statement(engine.dialect.name)
        self._driver = _DriverPath(engine, self._save) if engine.dialect.name == "sqlite" else None
        self._turns = Turns(engine, turns) if self.shared else None
        # Each message reads and writes its conversation under its pseudonym, an HMAC: kept for
        # the next messages, for a bounded number of conversations.
        self._rows: dict[str, str] = {}

    def _pseudonymise_old_rows(self) -> None:
        """Rows stored under the channel's own key by earlier versions take their pseudonym."""
        with self._writing, self.engine.begin() as conn:
            old = conn.execute(select(conversations.c.key)
                               .where(~conversations.c.key.startswith(PSEUDONYM_PREFIX))).scalars().all()
            for key in old:
                conn.execute(update(conversations).where(conversations.c.key == key)
                             .values(key=pseudonym(self._secret, key)))

    def _row(self, key: str) -> str:
        row = self._rows.get(key)
        if row is None:
            if len(self._rows) >= _KEPT:
                self._rows.clear()
            row = self._rows[key] = pseudonym(self._secret, key)
        return row

    def ping(self) -> None:
        """Raises unless the database answers."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    @property
    def shared(self) -> bool:
        """Several workers may share this database: conversations are locked in it."""
        return self.engine.dialect.name == "postgresql"

    def open(self, key: str) -> tuple[Held | None, State | None]:
        """Take the conversation across workers and load its state (on PostgreSQL: see
        `bot.turns`, released by `save`, `delete` or `close`). None on SQLite, where one process
        serves (its in-process lock is enough)."""
        if self._turns is None:
            return None, self.load(key)
        held, raw = self._turns.open(self._row(key))
        return held, State.loads(self.cipher.decrypt(raw)) if raw is not None else None

    def close(self, key: str, held: Held | None) -> None:
        """Release what `open` took, whatever state its turn is in."""
        if held is not None and self._turns is not None:
            self._turns.close(held)

    def load(self, key: str) -> State | None:
        """The conversation's state, without locking it (see `open`)."""
        row = self._row(key)
        if self._driver is not None:
            with self._writing:
                raw = self._driver.load(row)
        else:
            with self.engine.connect() as conn:
                raw = conn.execute(_LOAD, {"k": row}).scalar_one_or_none()
                conn.commit()
        return State.loads(self.cipher.decrypt(raw)) if raw is not None else None

    def save(self, key: str, state: State, held: Held | None = None) -> None:
        """Write the state; with what `open` returned, commit its transaction in the same
        round trip (which releases the conversation's lock)."""
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        row = self._row(key)
        data = self.cipher.seal(state.dumps())
        greeting_only = state.greeting_only
        if self._driver is not None:
            with self._writing:
                self._driver.save(row, data, now, greeting_only)
            return
        values = {"k": row, "s": data, "now": now, "g": greeting_only}
        if held is not None and held.open and self._turns is not None:
            self._turns.save(held, values)
            return
        with self._writing, self.engine.connect() as conn:
            conn.execute(self._save, values)
            conn.commit()

    def purge(self, older_than: dt.datetime, greeting_older_than: dt.datetime | None = None) -> int:
        """Delete conversations without news since `older_than` (with any contact details typed
        in them and never sent), and those holding nothing but a greeting since
        `greeting_older_than`."""
        stale = conversations.c.updated_at < older_than
        if greeting_older_than is not None:
            stale = or_(stale, and_(conversations.c.greeting_only.is_(True),
                                    conversations.c.updated_at < greeting_older_than))
        with self.engine.begin() as conn:
            return conn.execute(delete(conversations).where(stale)).rowcount

    def delete(self, key: str, held: Held | None = None) -> None:
        row = self._row(key)
        if held is not None and held.open and self._turns is not None:
            self._turns.delete(held, row)
            return
        with self._writing, self.engine.connect() as conn:
            conn.execute(delete(conversations).where(conversations.c.key == row))
            conn.commit()
