"""Supervisors need a second factor: the tests enrol theirs with a known TOTP secret, and sign in
with its current code."""
from __future__ import annotations

import re

import pyotp
from sqlalchemy import update

from handoff.orm import advisers
from handoff.repository import utcnow

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def enrol(engine, cipher, adviser_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(update(advisers).where(advisers.c.id == adviser_id).values(
            totp_secret_enc=cipher.encrypt(SECRET), totp_enrolled_at=utcnow()))


def code() -> str:
    return pyotp.TOTP(SECRET).now()


def complete(client, response):
    """After the password: the second factor's form, filled with the current code."""
    if "/console/second-factor" not in str(response.url) and response.headers.get("location") != \
            "/console/second-factor":
        return response
    page = client.get("/console/second-factor")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return client.post("/console/second-factor", data={"csrf": token, "code": code()})


def sign_in_page(page, url: str, login: str, password: str = "correct-horse-battery") -> None:
    """In a browser page: the console's sign-in, then the second factor's current code."""
    page.goto(url + "/console/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="Se connecter").click()
    page.fill("input[name=code]", code())
    page.get_by_role("button", name="Valider").click()
