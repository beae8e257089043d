"""Work on the stored data that the CLI and the server's background tasks both do: opening the
database at the newest schema, and the retention purge. Here so that neither imports the other."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine

from handoff.migrate import upgrade
from handoff.retention import PurgeReport, Retention, purge_cases

from .bound import purge_requests
from .config import session_secret
from .feedback import SampleStore
from .handover import purge_handovers
from .store import ConversationStore, make_cipher, make_engine
from .telegram_channel import purge_updates


def engine_for(settings) -> Engine:
    """The deployment's database, migrated to the newest schema."""
    engine = make_engine(settings.database_url, pool_size=settings.database_pool_size,
                         max_overflow=settings.database_max_overflow)
    upgrade(engine)
    return engine


def run_purge(settings, now: dt.datetime | None = None) -> PurgeReport:
    """Apply the retention periods (`assistant purge`, and daily in `serve`)."""
    now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    retention: Retention = settings.retention
    engine = engine_for(settings)
    cipher = make_cipher(settings)
    report = purge_cases(engine, cipher, now, retention)
    store = ConversationStore(engine, cipher, session_secret(settings))
    report.conversations = store.purge(now - dt.timedelta(days=retention.conversation_days),
                                       greeting_older_than=now - dt.timedelta(hours=retention.greeting_hours))
    report.shared_messages = SampleStore(engine, cipher, now=lambda: now).purge()
    report.telegram_updates = purge_updates(engine, now - dt.timedelta(days=retention.telegram_update_days))
    purge_handovers(engine, now)
    purge_requests(engine, now)
    return report
