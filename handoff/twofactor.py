"""A second factor for the console: TOTP (RFC 6238, pyotp) enrolled by QR code, and eight
recovery codes shown once and kept as keyed hashes, each working once. Required for
supervisors; for advisers when TOTP_FOR_ADVISERS is set. A wrong code counts as a failed sign-in
(five lock the account)."""
from __future__ import annotations

import base64
import datetime as dt
import io
import secrets

import pyotp
import qrcode
import qrcode.image.svg
from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.engine import Engine

from .advisers import LOCKOUT, MAX_FAILURES, Adviser, count_failure, password_check
from .crypto import Cipher
from .orm import advisers, recovery_codes
from .repository import audit, utcnow

ISSUER = "Assistant logement — console"
RECOVERY_CODES = 8


def required(adviser: Adviser, for_advisers: bool) -> bool:
    return adviser.role in ("supervisor", "editor") or for_advisers  # an editor changes what the public reads


def enrolled(engine: Engine, adviser_id: int) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(advisers.c.totp_enrolled_at).where(advisers.c.id == adviser_id)).scalar() is not None


def start_enrolment(engine: Engine, cipher: Cipher, adviser: Adviser) -> tuple[str, str]:
    """The secret to enrol, not in use until a first code confirms it (the same one until then,
    so a page reloaded shows the same QR code): (secret, otpauth URI)."""
    secret = _secret(engine, cipher, adviser.id)
    if secret is None:
        secret = pyotp.random_base32()
        with engine.begin() as conn:
            conn.execute(update(advisers)
                         .where(and_(advisers.c.id == adviser.id, advisers.c.totp_enrolled_at.is_(None)))
                         .values(totp_secret_enc=cipher.encrypt(secret)))
    return secret, pyotp.TOTP(secret).provisioning_uri(name=adviser.login, issuer_name=ISSUER)


def qr_code(uri: str) -> str:
    """The URI as an SVG QR code, in a data: URL (the pages allow images from data:, no script)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage)
    out = io.BytesIO()
    image.save(out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def _secret(engine: Engine, cipher: Cipher, adviser_id: int) -> str | None:
    with engine.connect() as conn:
        token = conn.execute(select(advisers.c.totp_secret_enc).where(advisers.c.id == adviser_id)).scalar()
    return cipher.decrypt(token) if token else None


def finish_enrolment(engine: Engine, cipher: Cipher, adviser_id: int, code: str) -> list[str] | None:
    """The recovery codes, once the first code matches the new secret; None otherwise."""
    secret = _secret(engine, cipher, adviser_id)
    if secret is None or not pyotp.TOTP(secret).verify(code.replace(" ", ""), valid_window=1):
        return None
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    with engine.begin() as conn:
        conn.execute(update(advisers).where(advisers.c.id == adviser_id).values(totp_enrolled_at=utcnow()))
        conn.execute(delete(recovery_codes).where(recovery_codes.c.adviser_id == adviser_id))
        for code_ in codes:
            conn.execute(insert(recovery_codes).values(adviser_id=adviser_id, code_hash=cipher.keyed_hash(code_)))
        audit(conn, f"adviser:{adviser_id}", "second_factor_enrolled", None)
    return codes


def verify(engine: Engine, cipher: Cipher, adviser_id: int, code: str, now: dt.datetime | None = None) -> bool:
    """A current TOTP code, or an unused recovery code (then spent). A wrong one counts as a
    failed sign-in; a locked account verifies nothing."""
    now = now or utcnow()
    code = code.strip().replace(" ", "").lower()
    with engine.connect() as conn:
        row = conn.execute(select(advisers.c.locked_until, advisers.c.failed_logins)
                           .where(advisers.c.id == adviser_id)).one()
    if row.locked_until is not None and row.locked_until > now:
        return False
    secret = _secret(engine, cipher, adviser_id)
    right = secret is not None and code.isdigit() and pyotp.TOTP(secret).verify(code, valid_window=1)
    with engine.begin() as conn:
        if not right and code:
            spent = conn.execute(
                update(recovery_codes)
                .where(and_(recovery_codes.c.adviser_id == adviser_id, recovery_codes.c.used_at.is_(None),
                            recovery_codes.c.code_hash.in_(cipher.keyed_hashes(code))))
                .values(used_at=now)
            ).rowcount
            right = spent == 1
            if right:
                audit(conn, f"adviser:{adviser_id}", "recovery_code_used", None, now)
        if right:
            conn.execute(update(advisers).where(advisers.c.id == adviser_id).values(failed_logins=0))
            return True
        failures = row.failed_logins + 1
        values = {"failed_logins": 0, "locked_until": now + LOCKOUT} if failures >= MAX_FAILURES else {
            "failed_logins": failures}
        conn.execute(update(advisers).where(advisers.c.id == adviser_id).values(**values))
        audit(conn, f"adviser:{adviser_id}", "second_factor_failed", None, now)
        return False


def self_unlock(engine: Engine, cipher: Cipher, login: str, password: str, code: str,
                now: dt.datetime | None = None) -> Adviser | None:
    """An adviser opens their own account, locked by failed sign-ins (someone else's, maybe),
    with both factors at once: the password and a current TOTP code or an unused recovery code
    (then spent). The adviser, signed in; None otherwise, whatever was wrong, with the same work
    (one argon2 verification, one TOTP check, one look for a recovery code) so that neither the
    answer nor its time says which factor failed or whether the account is locked. A failure on
    an account not locked counts as a failed sign-in; an account without a second factor is
    opened by a supervisor or an operator only."""
    now = now or utcnow()
    row, password_right = password_check(engine, login, password)
    code = code.strip().replace(" ", "").lower()
    secret = _secret(engine, cipher, row.id) if row is not None and row.totp_enrolled_at is not None else None
    totp_right = secret is not None and code.isdigit() and pyotp.TOTP(secret).verify(code, valid_window=1)
    with engine.begin() as conn:
        recovery = conn.execute(
            select(recovery_codes.c.id)
            .where(and_(recovery_codes.c.adviser_id == (row.id if row is not None else -1),
                        recovery_codes.c.used_at.is_(None),
                        recovery_codes.c.code_hash.in_(cipher.keyed_hashes(code or "-"))))
        ).scalar()
        if row is None:
            return None
        if row.disabled_at is not None:
            audit(conn, f"adviser:{row.id}", "login_disabled", None, now)
            return None
        if password_right and (totp_right or recovery is not None):
            if not totp_right:
                conn.execute(update(recovery_codes).where(recovery_codes.c.id == recovery).values(used_at=now))
                audit(conn, f"adviser:{row.id}", "recovery_code_used", None, now)
            conn.execute(update(advisers).where(advisers.c.id == row.id).values(failed_logins=0, locked_until=None))
            audit(conn, f"adviser:{row.id}", "adviser_unlocked_by_second_factor", None, now)
            return Adviser(row.id, row.login, row.role, tuple(r for r in row.regions.split(";") if r))
        if row.locked_until is not None and row.locked_until > now:
            audit(conn, f"adviser:{row.id}", "self_unlock_failed", None, now)
        else:
            count_failure(conn, row, now, "self_unlock_failed")
        return None
