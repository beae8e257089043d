"""Key rotation: re-encrypt every stored value with the newest key (`assistant keys rotate`).

Put the new key first in HANDOFF_KEYS (keep the old ones after it), restart, run the rotation,
then drop the old keys from HANDOFF_KEYS."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Table, select, update
from sqlalchemy.engine import Engine

from .crypto import Cipher
from .orm import metadata


def encrypted_columns(tables: list[Table]) -> list[tuple[Table, str]]:
    return [(t, c.name) for t in tables for c in t.columns if c.name.endswith("_enc")]


def rotate_all(engine: Engine, cipher: Cipher, extra: Sequence[tuple[Table, str]] = ()) -> int:
    """Returns how many values were re-encrypted."""
    count = 0
    for table, column in encrypted_columns(list(metadata.sorted_tables)) + list(extra):
        key = list(table.primary_key.columns)[0]
        with engine.begin() as conn:
            for row in conn.execute(select(key, table.c[column]).where(table.c[column].is_not(None))).all():
                conn.execute(update(table).where(key == row[0]).values({column: cipher.rotate(row[1])}))
                count += 1
    return count
