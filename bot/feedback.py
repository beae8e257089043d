"""Where the assistant misunderstands, for content staff: per ISO week and per topic, how many
messages fell back ("not understood", the topic the model leaned to) and how many were answered
with low confidence. Counts only: no message text, no conversation, nothing about a person.

The text of a message not understood is kept only when the person agrees, message by message,
with the button offered under "je ne suis pas sûr d'avoir compris" (off by default): encrypted
at rest, with its week and the topic the model leaned to, nothing linking it to a person or a
conversation, deleted after `SAMPLE_DAYS` (`SampleStore`, `assistant nlu feedback --texts`).

Counted in memory on the serving loop and added to the database every minute (and when the
server stops): a crash loses at most a minute of statistics, never a message.
"""
from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, delete, select
from sqlalchemy.engine import Engine

import nlu
from handoff.crypto import Cipher
from handoff.dashboard import week_of

from .service_info import SHARED_MESSAGE_DAYS as SAMPLE_DAYS  # a shared message is deleted after this

LOW_CONFIDENCE = 0.6  # an FAQ answer given below this is counted as "unsure"
KINDS = ("fallback", "low_confidence")
PARSED = "parsed"  # every message, under the topic it leaned to: the misunderstood rate's denominator
NO_TOPIC = "-"
MAX_SAMPLE = 500  # characters kept of a shared message

metadata = MetaData()
# Created by the migration 0002 (handoff/migrations/versions/).
nlu_feedback = Table(
    "nlu_feedback", metadata,
    Column("week", String(8), primary_key=True),  # ISO week, "2026-W48"
    Column("kind", String(16), primary_key=True),
    Column("topic", String(64), primary_key=True),
    Column("count", Integer, nullable=False),
)


# Created by the migration 0003: the messages a person agreed to share, encrypted.
nlu_samples = Table(
    "nlu_samples", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("week", String(8), nullable=False),
    Column("topic", String(64), nullable=False),
    Column("locale", String(2), nullable=False),
    Column("text_enc", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
)


def judge(parse: nlu.Parse) -> tuple[str, str] | None:
    """(kind, topic) when this reading is worth counting, else None."""
    if parse.intent == nlu.FALLBACK:
        leaning = parse.ranking[0].intent if parse.ranking else NO_TOPIC
        return "fallback", leaning
    if parse.faq_topic and parse.confidence < LOW_CONFIDENCE:
        return "low_confidence", parse.intent
    return None


class UnderstandingLog:
    def __init__(self, engine: Engine, today=dt.date.today):
        self.engine = engine
        self.today = today
        self._pending: Counter[tuple[str, str, str]] = Counter()
        self._lock = threading.Lock()

    def record(self, parse: nlu.Parse) -> None:
        """Count the reading: every message under the topic it leaned to (PARSED, the rate's
        denominator), and a misunderstood one under its kind too."""
        week = week_of(self.today())
        leaning = parse.intent if parse.intent != nlu.FALLBACK else (
            parse.ranking[0].intent if parse.ranking else NO_TOPIC)
        judged = judge(parse)
        with self._lock:
            self._pending[(week, PARSED, leaning[:64])] += 1
            if judged is not None:
                kind, topic = judged
                self._pending[(week, kind, topic[:64])] += 1

    def flush(self) -> int:
        """Add the counts gathered since the last flush to the database; how many rows."""
        with self._lock:
            pending, self._pending = self._pending, Counter()
        if not pending:
            return 0
        try:
            with self.engine.begin() as conn:
                for (week, kind, topic), count in pending.items():
                    key = (
                        (nlu_feedback.c.week == week) & (nlu_feedback.c.kind == kind) & (nlu_feedback.c.topic == topic)
                    )
                    updated = conn.execute(
                        nlu_feedback.update().where(key).values(count=nlu_feedback.c.count + count)
                    ).rowcount
                    if not updated:
                        conn.execute(nlu_feedback.insert().values(week=week, kind=kind, topic=topic, count=count))
        except Exception:
            with self._lock:  # kept for the next flush
                self._pending.update(pending)
            raise
        return len(pending)

    def by_topic(self, weeks: list[str], label: Callable[[str], str | None]) -> list[tuple[str, int, int]]:
        """Per topic the model leaned to, over `weeks`, in words (`label`: an FAQ topic's
        question; anything else is "other"): (topic, messages not understood — fallback or
        unsure —, messages in all), the most not understood first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(nlu_feedback.c.kind, nlu_feedback.c.topic, nlu_feedback.c.count)
                                .where(nlu_feedback.c.week.in_(weeks))).all()
        missed: Counter[str] = Counter()
        seen: Counter[str] = Counter()
        for kind, topic, count in rows:
            key = topic.split("/", 1)[1] if topic.startswith("faq/") else ""
            name = (label(key) if key else None) or "Autre demande, ou sans sujet approchant"
            if kind == PARSED:
                seen[name] += count
            else:
                missed[name] += count
        return sorted(((name, missed[name], max(seen[name], missed[name])) for name in missed | seen),
                      key=lambda row: (-row[1], row[0]))

    def weeks(self, count: int = 8) -> list[dict[str, object]]:
        """The last `count` weeks' rows, newest week first, most frequent first."""
        with self.engine.connect() as conn:
            weeks = [
                w
                for (w,) in conn.execute(
                    select(nlu_feedback.c.week).where(nlu_feedback.c.kind.in_(KINDS)).distinct()
                    .order_by(nlu_feedback.c.week.desc()).limit(count)
                )
            ]
            rows = conn.execute(select(nlu_feedback).where(nlu_feedback.c.week.in_(weeks),
                                                           nlu_feedback.c.kind.in_(KINDS))).mappings().all()
        return sorted((dict(r) for r in rows), key=lambda r: (r["week"], r["count"]), reverse=True)


class SampleStore:
    """Messages not understood that their writer agreed to share with content staff."""

    def __init__(
        self, engine: Engine, cipher: Cipher, now=lambda: dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    ):
        self.engine = engine
        self.cipher = cipher
        self.now = now

    def add(self, text: str, topic: str, locale: str) -> None:
        now = self.now()
        with self.engine.begin() as conn:
            conn.execute(
                nlu_samples.insert().values(
                    week=week_of(now.date()),
                    topic=(topic or NO_TOPIC)[:64],
                    locale=locale[:2],
                    text_enc=self.cipher.encrypt(text[:MAX_SAMPLE]),
                    created_at=now,
                )
            )

    def weeks(self, count: int = 8) -> list[dict[str, object]]:
        """The shared messages of the last `count` weeks, newest first, decrypted."""
        since = self.now() - dt.timedelta(weeks=count)
        with self.engine.connect() as conn:
            rows = (
                conn.execute(
                    select(nlu_samples)
                    .where(nlu_samples.c.created_at >= since)
                    .order_by(nlu_samples.c.created_at.desc(), nlu_samples.c.id.desc())
                )
                .mappings()
                .all()
            )
        return [
            {"week": r["week"], "topic": r["topic"], "locale": r["locale"], "text": self.cipher.decrypt(r["text_enc"])}
            for r in rows
        ]

    def purge(self, days: int = SAMPLE_DAYS) -> int:
        with self.engine.begin() as conn:
            return conn.execute(
                delete(nlu_samples).where(nlu_samples.c.created_at < self.now() - dt.timedelta(days=days))
            ).rowcount
