"""On PostgreSQL, a message's turn: its conversation taken across workers, read, then written
and let go, in two round trips on one connection.

- `open`: BEGIN, the conversation's transaction lock (`pg_advisory_xact_lock`) and its read, in
  one message to the server (psycopg2 sends several statements as one simple query, the values
  bound by the driver). The read's snapshot is taken once the lock is held, so it sees the last
  commit of any other worker.
- `save` / `delete`: the write and COMMIT, in one message. The lock goes with the commit, after
  the new state is visible: no other worker can read the old one.
- `close`: a turn not committed (the dialogue raised) is rolled back; a connection that cannot
  roll back is closed, which ends its transaction and its lock on the server.

The connections are the driver's own, kept open in autocommit mode (BEGIN and COMMIT are
explicit), without a ping before each use: a connection found dead when a turn opens (the
server restarted) is replaced once. Through SQLAlchemy's pool and Connection the same two
round trips cost three times the CPU (278 µs a turn against 89, `bench/`'s load figures).
Errors come out as SQLAlchemy's, without the values.
"""
from __future__ import annotations

import contextlib
import queue
import threading
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

_OPEN = "BEGIN; SELECT pg_advisory_xact_lock(hashtext(%(k)s)); SELECT state FROM conversations WHERE key = %(k)s"
_SAVE = ("INSERT INTO conversations (key, state, created_at, updated_at, greeting_only) "
         "VALUES (%(k)s, %(s)s, %(now)s, %(now)s, %(g)s) ON CONFLICT (key) DO UPDATE SET state = excluded.state, "
         "updated_at = excluded.updated_at, greeting_only = excluded.greeting_only; COMMIT")
_DELETE = "DELETE FROM conversations WHERE key = %(k)s; COMMIT"


class Held:
    """A conversation taken by `Turns.open`: the connection whose transaction holds its lock,
    until `save`, `delete` or `close`."""

    __slots__ = ("connection", "open")

    def __init__(self, connection: Any):
        self.connection = connection
        self.open = True


class Turns:
    """Up to `size` connections kept open for turns (more are opened when more turns run at
    once, and closed when they end); closed with their engine (`engine.dispose()`)."""

    def __init__(self, engine: Engine, size: int):
        dialect = engine.dialect
        args, params = dialect.create_connect_args(engine.url)
        params.setdefault("connect_timeout", 5)  # a frozen server must not hang a message
        self._connect = lambda: dialect.dbapi.connect(*args, **params)
        self._error = dialect.dbapi.Error
        self._idle: queue.LifoQueue = queue.LifoQueue()
        self.size = size
        self._closing = threading.Lock()
        event.listen(engine, "engine_disposed", lambda _engine: self.dispose())

    def dispose(self) -> None:
        with self._closing:
            while not self._idle.empty():
                with contextlib.suppress(Exception):
                    self._idle.get_nowait().close()

    def _take(self) -> Any:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            connection = self._connect()
            connection.autocommit = True
            return connection

    def _give_back(self, connection: Any) -> None:
        if connection.closed or self._idle.qsize() >= self.size:
            with contextlib.suppress(Exception):
                connection.close()
        else:
            self._idle.put(connection)

    def _run(self, held: Held, sql: str, values: dict[str, Any]):
        try:
            cursor = held.connection.cursor()
            cursor.execute(sql, values)
            return cursor
        except self._error as exc:
            raise OperationalError("conversation turn", None, exc, hide_parameters=True) from None

    def open(self, row: str) -> tuple[Held, str | None]:
        """Take the conversation stored under `row`; its sealed state, or None."""
        for attempt in (1, 2):
            try:
                held = Held(self._take())
            except self._error as exc:
                raise OperationalError("conversation turn", None, exc, hide_parameters=True) from None
            try:
                found = self._run(held, _OPEN, {"k": row}).fetchone()
            except OperationalError:
                dropped = bool(held.connection.closed)
                self.close(held)
                if attempt == 1 and dropped:  # the server dropped it while idle: once more
                    continue
                raise
            except BaseException:
                self.close(held)
                raise
            return held, found[0] if found is not None else None
        raise AssertionError("unreachable")

    def save(self, held: Held, values: dict[str, Any]) -> None:
        # On an error the transaction stays open (aborted): `close` rolls it back.
        self._run(held, _SAVE, values)
        held.open = False

    def delete(self, held: Held, row: str) -> None:
        self._run(held, _DELETE, {"k": row})
        held.open = False

    def close(self, held: Held) -> None:
        connection = held.connection
        if held.open and not connection.closed:
            held.open = False
            try:
                connection.cursor().execute("ROLLBACK")
            except Exception:
                with contextlib.suppress(Exception):
                    connection.close()
        self._give_back(connection)
