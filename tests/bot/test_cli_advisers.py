"""The operators' account commands in a subprocess, on a SQLite file: a new password ends every
open session; `revoke` ends them at once; a bad login or a weak password is a one-line error
with a non-zero exit, no traceback."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from handoff.advisers import add_adviser
from handoff.migrate import upgrade
from handoff.orm import console_sessions
from handoff.sessions import SessionStore

ROOT = Path(__file__).resolve().parents[2]
ASSISTANT = Path(sys.executable).parent / "assistant"


@pytest.fixture
def database(tmp_path):
    url = f"sqlite:///{tmp_path / 'assistant.db'}"
    engine = create_engine(url, future=True)
    upgrade(engine)
    adviser = add_adviser(engine, "paul", "correct-horse-battery", "adviser", ["Bretagne"])
    store = SessionStore(engine)
    store.create(adviser.id)
    store.create(adviser.id)
    env = {**os.environ, "DATABASE_URL": url, "ASSISTANT_VAR_DIR": str(tmp_path / "var")}
    return engine, store, adviser, env


def run(env, *args, stdin=""):
    return subprocess.run([str(ASSISTANT), "advisers", *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)


def _open(engine):
    with engine.connect() as conn:
        return [r for r in conn.execute(select(console_sessions)) if r.revoked_at is None]


def test_a_new_password_ends_every_open_session(database):
    engine, _, _, env = database
    result = run(env, "password", "paul", stdin="Tr0mbone-Velours-Agrume-9\n")
    assert result.returncode == 0 and "2 open session(s) ended" in result.stdout
    assert _open(engine) == []


def test_revoke_ends_them_at_once(database):
    engine, _, _, env = database
    result = run(env, "revoke", "paul")
    assert result.returncode == 0 and "2 open session(s) of paul ended" in result.stdout
    assert _open(engine) == []


@pytest.mark.parametrize("args, stdin, said", [
    (("revoke", "nobody"), "", "no adviser 'nobody'"),
    (("password", "paul"), "aaaaaaaaaaaa\n", "password too easy to guess"),
])
def test_a_bad_login_or_a_weak_password_is_a_one_line_error(database, args, stdin, said):
    engine, _, _, env = database
    result = run(env, *args, stdin=stdin)
    assert result.returncode != 0 and said in result.stderr and "Traceback" not in result.stderr
    assert len(_open(engine)) == 2  # nothing ended


def test_unlock_opens_a_locked_account(database):
    import datetime as dt

    from sqlalchemy import update

    from handoff.orm import advisers

    engine, _, _, env = database
    with engine.begin() as conn:
        conn.execute(update(advisers).values(locked_until=dt.datetime.utcnow() + dt.timedelta(minutes=15)))
    result = run(env, "unlock", "paul")
    assert result.returncode == 0 and "paul unlocked" in result.stdout
    with engine.connect() as conn:
        assert conn.execute(select(advisers.c.locked_until)).scalar() is None


def test_advisers_list_shows_roles_locks_and_open_sessions(database):
    _, _, _, env = database
    result = run(env, "list")
    assert result.returncode == 0
    assert re.search(r"paul\s+adviser\s+active\s+2 session\(s\)\s+Bretagne", result.stdout), result.stdout


def test_the_outbox_lists_what_failed_without_content_and_retries_it(database):
    import datetime as dt
    import json

    from sqlalchemy import insert

    from handoff.orm import outbox

    engine, _, _, env = database
    now = dt.datetime(2026, 11, 30, 12, 0)
    with engine.begin() as conn:
        for status in ("failed", "sent"):
            conn.execute(insert(outbox).values(kind="email", payload=json.dumps({"reference": "ASD-ZORGLB"}),
                                               status=status, attempts=8, next_attempt_at=now, created_at=now,
                                               last_error="ConnectionRefusedError"))
    listing = subprocess.run([str(ASSISTANT), "outbox", "list", "--failed"], capture_output=True, text=True,
                             cwd=ROOT, env=env, timeout=120)
    assert listing.returncode == 0 and "#1" in listing.stdout and "ConnectionRefusedError" in listing.stdout
    assert "#2" not in listing.stdout and "ASD-ZORGLB" not in listing.stdout  # never the payload
    retried = subprocess.run([str(ASSISTANT), "outbox", "retry"], capture_output=True, text=True, cwd=ROOT,
                             env=env, timeout=120)
    assert retried.returncode == 0 and "1 row(s) due again" in retried.stdout
    with engine.connect() as conn:
        assert [(r.status, r.attempts) for r in conn.execute(select(outbox).order_by(outbox.c.id))] == [
            ("pending", 0), ("sent", 8)]
    missing = subprocess.run([str(ASSISTANT), "outbox", "retry", "--id", "99"], capture_output=True, text=True,
                             cwd=ROOT, env=env, timeout=120)
    assert missing.returncode == 1 and "no failed outbox row #99" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_a_disabled_account_no_longer_signs_in_its_sessions_end_and_enable_brings_it_back(database):
    from handoff.advisers import authenticate

    engine, _, _, env = database
    result = run(env, "disable", "paul")
    assert result.returncode == 0 and "paul disabled; 2 open session(s) ended" in result.stdout
    assert _open(engine) == []
    assert authenticate(engine, "paul", "correct-horse-battery") is None  # the right password: refused
    assert re.search(r"paul\s+adviser\s+disabled\s+0 session\(s\)", run(env, "list").stdout)
    assert run(env, "enable", "paul").stdout.strip() == "paul enabled"
    assert authenticate(engine, "paul", "correct-horse-battery").login == "paul"
    missing = run(env, "disable", "nobody")
    assert missing.returncode == 1 and "no adviser 'nobody'" in missing.stderr and "Traceback" not in missing.stderr


def test_reset_password_is_the_password_command(database):
    engine, _, _, env = database
    result = run(env, "reset-password", "paul", stdin="Tr0mbone-Velours-Agrume-9\n")
    assert result.returncode == 0 and "2 open session(s) ended" in result.stdout
