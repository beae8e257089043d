"""Alembic environment for the handoff schema. Run through `assistant db upgrade` (or at the
start of `assistant serve`), which passes the connection in `config.attributes`."""
from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from handoff.orm import metadata

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"), future=True)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run()
