"""Tables. The schema is created and changed by Alembic migrations (handoff/migrations);
`*_enc` columns hold Fernet tokens, never clear text. No column about the employer exists."""
from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

cases = Table(
    "cases", metadata,
    Column("id", Integer, primary_key=True),
    Column("reference", String(16), nullable=False, unique=True),
    Column("status", String(16), nullable=False, index=True),
    Column("priority", Integer, nullable=False),
    Column("flags", String(32), nullable=False, default=""),  # "ALR,VI"
    Column("departement", String(3), nullable=False),
    Column("region", String(64), nullable=False, index=True),
    Column("outcome", String(16), nullable=False),
    Column("rules_version", String(16), nullable=False),
    Column("answers_enc", Text, nullable=False),
    Column("budget_enc", Text),
    Column("channel", String(16), nullable=False),
    Column("locale", String(8), nullable=False, server_default="fr"),  # the person's language
    Column("address_enc", Text, nullable=False),
    Column("claimed_by", Integer, ForeignKey("advisers.id")),
    Column("claimed_at", DateTime),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("anonymised", Boolean, nullable=False, default=False),
    # The follow-up code's keyed hash (crypto.Cipher.keyed_hash), the wrong codes in a row, and
    # until when following the case is locked after too many.
    Column("access_hash", String(64)),
    Column("access_failures", Integer, nullable=False, server_default="0"),
    Column("access_locked_until", DateTime),
    # Why an adviser closed it (handoff/casework.py CLOSURE_REASONS).
    Column("closure_reason", String(16)),
    # The postcode's keyed hash, to find a case by it; the postcode itself is in contacts, encrypted.
    Column("postcode_hash", String(64), index=True),
)

contacts = Table(
    "contacts", metadata,
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("name_enc", Text, nullable=False),
    Column("phone_enc", Text, nullable=False),
    Column("email_enc", Text),
    Column("postcode_enc", Text, nullable=False),
    Column("preferred_means", String(8), nullable=False),
    Column("slots_enc", Text, nullable=False),
)

consents = Table(
    "consents", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # data | sensitive
    Column("notice_version", String(16), nullable=False),
    Column("given_at", DateTime, nullable=False),
)

advisers = Table(
    "advisers", metadata,
    Column("id", Integer, primary_key=True),
    Column("login", String(64), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False),  # adviser | supervisor
    Column("regions", String(512), nullable=False, default=""),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", DateTime),
    Column("created_at", DateTime, nullable=False),
    # The second factor (handoff/twofactor.py): the TOTP secret, encrypted; enrolled once a first
    # code confirmed it.
    Column("totp_secret_enc", Text),
    Column("totp_enrolled_at", DateTime),
    Column("disabled_at", DateTime),  # a departure: no sign-in, no session; the history stays
)

recovery_codes = Table(
    "recovery_codes", metadata,
    Column("id", Integer, primary_key=True),
    Column("adviser_id", Integer, ForeignKey("advisers.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("code_hash", String(64), nullable=False),  # crypto.Cipher.keyed_hash
    Column("used_at", DateTime),
)

# A console sign-in: the signed cookie holds only a random session id, whose SHA-256 is here; a
# session stops working when revoked (logout, password change, a supervisor), idle too long or
# too old (handoff/sessions.py).
console_sessions = Table(
    "console_sessions", metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("adviser_id", Integer, ForeignKey("advisers.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", DateTime, nullable=False),
    Column("last_seen_at", DateTime, nullable=False),
    Column("revoked_at", DateTime),
)

notes = Table(
    "notes", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("adviser_id", Integer, ForeignKey("advisers.id"), nullable=False),
    Column("body_enc", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
)

# An adviser's attempts to reach the person, with the next step (encrypted: free text).
contact_attempts = Table(
    "contact_attempts", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("adviser_id", Integer, ForeignKey("advisers.id"), nullable=False),
    Column("outcome", String(16), nullable=False),  # reached | no_answer | message_left | wrong_number
    Column("next_step_enc", Text),
    Column("at", DateTime, nullable=False),
)

status_history = Table(
    "status_history", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("from_status", String(16)),
    Column("to_status", String(16), nullable=False),
    Column("actor", String(64), nullable=False),  # "adviser:<id>", "person", "system"
    Column("at", DateTime, nullable=False),
)

# Append-only: who did what to which case, when. Never the case's content.
audit_events = Table(
    "audit_events", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False, index=True),
    Column("actor", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("case_reference", String(16)),
)

# Notifications and messages to deliver, written in the transaction that makes them due.
outbox = Table(
    "outbox", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),  # email | webhook | person_message
    Column("payload", Text, nullable=False),  # JSON; person messages are encrypted inside
    Column("status", String(16), nullable=False, index=True),  # pending | sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime, nullable=False),
    Column("last_error", String(200)),
    Column("created_at", DateTime, nullable=False),
    Column("sent_at", DateTime),
    Column("locked_until", DateTime),
)

person_messages = Table(
    "person_messages", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("adviser_id", Integer, ForeignKey("advisers.id")),  # None for the person's own messages
    Column("body_enc", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("delivered_at", DateTime),  # an adviser's message: when the person was shown it
    # "out": from an adviser to the person; "in": the person's answer to the advisers.
    Column("direction", String(4), nullable=False, server_default="out"),
    Column("read_at", DateTime),  # the person's message: when an adviser opened the case after it
    UniqueConstraint("id", "case_id"),
)
