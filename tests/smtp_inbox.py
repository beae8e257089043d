"""A real SMTP server's handler (aiosmtpd) for the tests: what the team notifications delivered."""
from __future__ import annotations

import time
from email import message_from_bytes


class Inbox:
    """What a real SMTP server (aiosmtpd) received: the team notifications."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"

    def about(self, reference: str) -> list:
        return [m for _, m in self.messages if reference in m["Subject"]]

    def wait_for(self, reference: str, timeout: float) -> list:
        deadline = time.monotonic() + timeout
        while not self.about(reference):
            assert time.monotonic() < deadline, f"no notification for {reference} in {timeout:.0f} s"
            time.sleep(0.2)
        return self.about(reference)
