"""Adviser accounts: argon2 password hashes, roles, regions, lockout after repeated failures."""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from zxcvbn import zxcvbn

from .orm import advisers
from .places import ALL_REGIONS
from .repository import audit, utcnow
from .sessions import SessionStore

ROLES = ("adviser", "supervisor", "editor")  # an editor sees the FAQ editor, never a case
MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)
_hasher = PasswordHasher()


class AdviserError(ValueError):
    pass


@dataclass(frozen=True)
class Adviser:
    id: int
    login: str
    role: str
    regions: tuple[str, ...]
    disabled: bool = False

    def may_see(self, region: str) -> bool:
        return self.role == "supervisor" or region in self.regions


MIN_PASSWORD_LENGTH = 12
MIN_PASSWORD_SCORE = 3  # zxcvbn's 0-4 scale: 3 is "safely unguessable" by an online attack


def check_password(password: str, login: str = "") -> None:
    """A password an attacker would not guess: long enough, and strong by zxcvbn's estimate (its
    dictionaries of common passwords, names and words, repeats, sequences, keyboard patterns),
    the login and the service's words counting against it. The refusal says why."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AdviserError(f"password: {MIN_PASSWORD_LENGTH} characters at least")
    verdict = zxcvbn(password[:100], user_inputs=[login, "action", "logement", "conseiller", "console"])
    if verdict["score"] < MIN_PASSWORD_SCORE:
        why = verdict["feedback"]["warning"] or "it would be guessed quickly"
        hint = " ".join(verdict["feedback"]["suggestions"][:1])
        raise AdviserError(f"password too easy to guess: {why.rstrip('.')}." + (f" {hint}" if hint else ""))


def add_adviser(engine: Engine, login: str, password: str, role: str, regions: list[str]) -> Adviser:
    if role not in ROLES:
        raise AdviserError(f"role must be one of {', '.join(ROLES)}")
    if not login or len(login) > 64 or not login.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise AdviserError("login: letters, digits, dots, dashes and underscores, 64 at most")
    check_password(password, login)
    unknown = [r for r in regions if r not in ALL_REGIONS]
    if unknown:
        raise AdviserError(f"unknown region {unknown[0]!r}; regions: {', '.join(ALL_REGIONS)}")
    if role == "adviser" and not regions:
        raise AdviserError("an adviser needs at least one region (--region)")
    try:
        with engine.begin() as conn:
            adviser_id = conn.execute(insert(advisers).values(
                login=login, password_hash=_hasher.hash(password), role=role, regions=";".join(regions),
                failed_logins=0, created_at=utcnow())).inserted_primary_key[0]
            audit(conn, "operator", "adviser_added", None)
    except IntegrityError:
        raise AdviserError(f"login {login!r} already exists") from None
    return Adviser(adviser_id, login, role, tuple(regions))


@cache
def _unknown_login_hash() -> str:
    """A hash no password matches, to verify against when the login does not exist."""
    return _hasher.hash(secrets.token_urlsafe(32))


def _verifies(password_hash: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def password_check(engine: Engine, login: str, password: str) -> tuple[Any, bool]:
    """The account's row (None for an unknown login) and whether the password is its own. The
    same work whatever the case -- unknown login, locked account, wrong or right password: one
    argon2 verification each (outside any transaction), so that the time tells nothing."""
    with engine.connect() as conn:
        row = conn.execute(select(advisers).where(advisers.c.login == login)).one_or_none()
    return row, _verifies(row.password_hash if row is not None else _unknown_login_hash(), password)


def count_failure(conn: Connection, row: Any, now: dt.datetime, action: str = "login_failed") -> None:
    """A failed sign-in on an account: the fifth in a row locks it for a while."""
    failures = row.failed_logins + 1
    values = {"failed_logins": failures}
    if failures >= MAX_FAILURES:
        values = {"failed_logins": 0, "locked_until": now + LOCKOUT}
    conn.execute(update(advisers).where(advisers.c.id == row.id).values(**values))
    audit(conn, f"adviser:{row.id}", action, None, now)


def authenticate(engine: Engine, login: str, password: str, now: dt.datetime | None = None) -> Adviser | None:
    """The adviser, or None; locked for a while after repeated failures (even a right password)."""
    now = now or utcnow()
    row, right = password_check(engine, login, password)
    if row is None:
        return None
    with engine.begin() as conn:
        if row.disabled_at is not None:
            audit(conn, f"adviser:{row.id}", "login_disabled", None, now)
            return None
        if row.locked_until and row.locked_until > now:
            audit(conn, f"adviser:{row.id}", "login_locked", None, now)
            return None
        if not right:
            count_failure(conn, row, now)
            return None
        conn.execute(update(advisers).where(advisers.c.id == row.id).values(failed_logins=0, locked_until=None))
        audit(conn, f"adviser:{row.id}", "login", None, now)
        return Adviser(row.id, row.login, row.role, tuple(r for r in row.regions.split(";") if r))


def get_adviser(engine: Engine, adviser_id: int) -> Adviser | None:
    with engine.connect() as conn:
        row = conn.execute(select(advisers).where(advisers.c.id == adviser_id)).one_or_none()
    return Adviser(row.id, row.login, row.role, tuple(r for r in row.regions.split(";") if r)) if row else None


def adviser_id_of(engine: Engine, login: str) -> int:
    with engine.connect() as conn:
        found = conn.execute(select(advisers.c.id).where(advisers.c.login == login)).scalar_one_or_none()
    if found is None:
        raise AdviserError(f"no adviser {login!r}")
    return int(found)


def change_password(engine: Engine, login: str, password: str, actor: str = "operator") -> int:
    """A new password (as strong as at creation); every open session of the account stops
    working. Returns how many were revoked."""
    adviser_id = adviser_id_of(engine, login)
    check_password(password, login)
    with engine.begin() as conn:
        conn.execute(update(advisers).where(advisers.c.id == adviser_id).values(
            password_hash=_hasher.hash(password), failed_logins=0, locked_until=None))
        audit(conn, actor, "password_changed", None)
    return SessionStore(engine).revoke_all(adviser_id, actor)


def list_advisers(engine: Engine) -> list[Adviser]:
    with engine.connect() as conn:
        rows = conn.execute(select(advisers).order_by(advisers.c.login)).all()
    return [Adviser(r.id, r.login, r.role, tuple(x for x in r.regions.split(";") if x), r.disabled_at is not None)
            for r in rows]


def unlock(engine: Engine, adviser_id: int, actor: str) -> None:
    """A locked account opened again before its lock ends (a supervisor, an operator)."""
    with engine.begin() as conn:
        conn.execute(update(advisers).where(advisers.c.id == adviser_id).values(failed_logins=0, locked_until=None))
        audit(conn, actor, "adviser_unlocked", None)


def set_disabled(engine: Engine, login: str, disabled: bool, actor: str = "operator") -> int:
    """Disable an account (a departure: it no longer signs in, and every open session ends; its
    notes and audit trail stay) or enable it again. Returns how many sessions were ended."""
    adviser_id = adviser_id_of(engine, login)
    with engine.begin() as conn:
        conn.execute(update(advisers).where(advisers.c.id == adviser_id).values(
            disabled_at=utcnow() if disabled else None, failed_logins=0, locked_until=None))
        audit(conn, actor, "adviser_disabled" if disabled else "adviser_enabled", None)
    return SessionStore(engine).revoke_all(adviser_id, actor) if disabled else 0


def locked_ids(engine: Engine, now: dt.datetime | None = None) -> set[int]:
    now = now or utcnow()
    with engine.connect() as conn:
        return set(conn.execute(select(advisers.c.id).where(advisers.c.locked_until > now)).scalars())
