from __future__ import annotations

import os

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine

from handoff import Cipher
from handoff.migrate import upgrade


def _reset_postgres(engine) -> None:
    from postgres_reset import reset

    reset(engine)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    """A migrated database: SQLite in a file, and PostgreSQL at TEST_DATABASE_URL."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'handoff.db'}", future=True)
        engine.db_file = tmp_path / "handoff.db"
    else:
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            pytest.skip("PostgreSQL tests need TEST_DATABASE_URL (.ci/run sets it to the local server)")
        engine = create_engine(url, future=True)
        engine.db_file = None
        _reset_postgres(engine)
    upgrade(engine)
    yield engine
    if request.param == "postgresql":
        _reset_postgres(engine)
    engine.dispose()


@pytest.fixture
def cipher():
    return Cipher([Fernet.generate_key().decode()])


@pytest.fixture
def smtp():
    """A real SMTP server (aiosmtpd) on a free port, and what it received."""
    import socket

    from aiosmtpd.controller import Controller
    from smtp_inbox import Inbox

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield controller, inbox
    controller.stop()
