"""Sending e-mail (the team's notifications, a person's lost follow-up code) through the
deployment's SMTP server: a local relay on port 25, or a provider's submission port with
STARTTLS (587) or TLS from the start (465), and authentication.

A password never crosses the network in clear: a user name without STARTTLS or TLS is refused
when the settings are read, and the server's certificate is verified (against the system's
authorities, or `ca_file`).
"""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

SECURITIES = ("none", "starttls", "tls")


def security_for(security: str | None, port: int, user: str | None) -> str:
    """The connection's security: as set, else TLS on 465, STARTTLS on 587 or with a user name,
    none otherwise (a local relay). Raises ValueError for an unknown value or a user name that
    would be sent in clear."""
    chosen = (security or "").strip().lower()
    if not chosen:
        chosen = "tls" if port == 465 else "starttls" if port == 587 or user else "none"
    if chosen not in SECURITIES:
        raise ValueError(f"SMTP_SECURITY must be one of {', '.join(SECURITIES)}, not {security!r}")
    if user and chosen == "none":
        raise ValueError("SMTP_USER needs SMTP_SECURITY=starttls or tls: the password would cross the network in clear")
    return chosen


@dataclass(frozen=True)
class Mailer:
    host: str
    port: int = 25
    sender: str = "assistant-logement@localhost"
    security: str = "none"  # none | starttls | tls (see `security_for`)
    user: str | None = None
    password: str | None = None
    ca_file: str | None = None  # authorities to verify the server with, instead of the system's
    timeout: float = 10.0

    def __post_init__(self):
        security_for(self.security, self.port, self.user)  # the same refusals for a Mailer built in code

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file)

    def send(self, message: EmailMessage) -> None:
        """Send `message` from `sender`; any failure raises (the outbox retries)."""
        if "From" not in message:
            message["From"] = self.sender
        smtp: smtplib.SMTP
        if self.security == "tls":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self._context())
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with smtp:
            if self.security == "starttls":
                # Raises SMTPNotSupportedError if the server does not offer it: never falls back to clear.
                smtp.starttls(context=self._context())
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(message)
