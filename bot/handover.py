"""Moving a conversation between the web and Telegram with a one-time link: "continuer sur
Telegram" gives `https://t.me/<bot>?start=<token>`, "continuer sur le web" gives
`<PUBLIC_URL>/?reprise=<token>`. The token is random (192 bits), kept only as its SHA-256, valid
HANDOVER_TTL and once: whoever opens it first gets the conversation (its answers, and any request
with it, whose adviser's messages then come there); the old conversation is deleted."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import Column, DateTime, MetaData, String, Table, Text, and_, delete, insert, select, update
from sqlalchemy.engine import Engine

from handoff import Cipher
from handoff.follow import FollowDesk
from handoff.repository import CaseRepository, audit, utcnow

from .state import State
from .store import ConversationStore

HANDOVER_TTL = dt.timedelta(minutes=10)

_metadata = MetaData()
handovers = Table(
    "handovers", _metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("address_enc", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("used_at", DateTime),
)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Handovers:
    def __init__(self, engine: Engine, cipher: Cipher, store: ConversationStore, cases: CaseRepository):
        self.engine = engine
        self.cipher = cipher
        self.store = store
        self.cases = cases

    def create(self, address: str, now: dt.datetime | None = None) -> str:
        now = now or utcnow()
        token = secrets.token_urlsafe(24)  # 32 characters of [A-Za-z0-9_-]: a Telegram start parameter
        with self.engine.begin() as conn:
            conn.execute(insert(handovers).values(
                token_hash=_hash(token), address_enc=self.cipher.encrypt(address), created_at=now,
                expires_at=now + HANDOVER_TTL,
            ))
        return token

    def claim(self, token: str, address: str, now: dt.datetime | None = None) -> State | None:
        """The conversation the link was made from, moved to `address` (None: unknown, expired,
        already used, or opened where it was made)."""
        now = now or utcnow()
        if not token or len(token) > 64:
            return None
        with self.engine.begin() as conn:
            taken = conn.execute(
                update(handovers)
                .where(and_(handovers.c.token_hash == _hash(token), handovers.c.used_at.is_(None),
                            handovers.c.expires_at > now))
                .values(used_at=now)
            ).rowcount
            if taken != 1:
                return None
            old = self.cipher.decrypt(conn.execute(
                select(handovers.c.address_enc).where(handovers.c.token_hash == _hash(token))).scalar_one())
        if old == address:
            return None
        state = self.store.load(old)
        if state is None:
            return None
        self.store.delete(old)
        if state.case_reference:
            FollowDesk(self.cases).move(state.case_reference, old, address, state.locale)
        with self.engine.begin() as conn:
            audit(conn, "person", "conversation_moved", state.case_reference, now)
        state.address = address
        return state


def purge_handovers(engine: Engine, now: dt.datetime) -> int:
    """Links used or expired, a day on (their conversation address goes with them)."""
    with engine.begin() as conn:
        return conn.execute(delete(handovers).where(handovers.c.expires_at < now - dt.timedelta(days=1))).rowcount
