"""Schema migrations (Alembic) for the handoff tables."""
from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine | None = None, url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    if engine is not None:
        config.attributes["engine"] = engine
    return config


# Alembic keeps the running migration in module globals (`alembic.context`, `alembic.op`): two
# threads of one process migrating at once would run each other's steps on the wrong connection,
# or end with KeyError: 'script'. (The server's first purge migrates in a worker thread.)
_ONE_AT_A_TIME = threading.Lock()

SCHEMA_LOCK = 7_243_001  # any constant: the advisory lock all workers take to change the schema


def schema_lock(connection: Connection) -> None:
    """Workers starting together change the schema one at a time (PostgreSQL); released at the
    end of the transaction. SQLite serialises writers by itself."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema (idempotent)."""
    with _ONE_AT_A_TIME, engine.begin() as connection:
        schema_lock(connection)
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
