"""The shared PostgreSQL test database emptied of every table the migrations create, so that a
test starts from nothing and leaves nothing (TEST_DATABASE_URL, one database for all tests)."""
from __future__ import annotations

from sqlalchemy import text


def reset(engine) -> None:
    from bot.feedback import nlu_feedback, nlu_samples
    from handoff.orm import metadata

    with engine.begin() as conn:
        for table in [*reversed(metadata.sorted_tables), nlu_feedback, nlu_samples]:
            conn.execute(text(f'DROP TABLE IF EXISTS "{table.name}" CASCADE'))
        for name in ("conversations", "telegram_updates", "button_tokens", "handovers",  # since 0004, 0007
                     "case_requests", "content_versions"):  # since 0012, 0014
            conn.execute(text(f'DROP TABLE IF EXISTS "{name}" CASCADE'))
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
