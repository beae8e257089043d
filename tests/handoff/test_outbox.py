"""Notifications through the outbox, delivered to a real local SMTP server (aiosmtpd) and a real
HTTP webhook receiver; retries, backoff, a visible failure, and a crash between the case and its
notification."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import signal
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select
from test_repository import MARKERS, make_case

from handoff import CaseRepository
from handoff.mail import Mailer
from handoff.orm import outbox
from handoff.outbox import Dispatcher, EmailTransport, WebhookTransport

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def transport(controller) -> EmailTransport:
    return EmailTransport(Mailer("127.0.0.1", controller.port, "assistant@exemple.fr"),
                          {"Auvergne-Rhône-Alpes": "ara@exemple.fr"}, "national@exemple.fr")


def test_notification_email_reaches_the_regional_team_without_personal_data(engine, cipher, smtp):
    controller, inbox = smtp
    repo = CaseRepository(engine, cipher, console_url="https://console.exemple.fr/console")
    case = repo.create(make_case())
    assert Dispatcher(engine, {"email": transport(controller)}).run_once() == 1
    [(recipients, message)] = inbox.messages
    assert recipients == ["ara@exemple.fr"]
    assert message["Subject"] == f"Accompagnement social {case.reference} / VI"
    body = message.get_payload(decode=True).decode()
    assert case.reference in body and "URGENTE" in body and f"/console/cases/{case.reference}" in body
    for marker in MARKERS.values():
        assert marker not in body and marker not in message["Subject"]
    assert Dispatcher(engine, {"email": transport(controller)}).run_once() == 0  # sent once


def test_failed_delivery_is_retried_with_backoff_then_marked_failed(engine, cipher):
    created = dt.datetime(2026, 11, 25, 12, 0)
    CaseRepository(engine, cipher).create(make_case(), now=created)
    clock = [created]
    dead = EmailTransport(Mailer("127.0.0.1", free_port(), "a@b.fr", timeout=2), {}, "team@b.fr")
    dispatcher = Dispatcher(engine, {"email": dead}, clock=lambda: clock[0], max_attempts=3, base_delay=60)
    assert dispatcher.run_once() == 0
    with engine.connect() as conn:
        row = conn.execute(select(outbox)).one()
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 1, clock[0] + dt.timedelta(seconds=60))
    assert dispatcher.run_once() == 0  # not due yet
    for minutes in (1, 3):
        clock[0] += dt.timedelta(minutes=minutes)
        dispatcher.run_once()
    with engine.connect() as conn:
        row = conn.execute(select(outbox)).one()
    assert (row.status, row.attempts) == ("failed", 3)
    assert row.last_error and "@" not in row.last_error
    assert dispatcher.backlog() == {"failed": 1}


def test_signed_webhook(engine, cipher):
    received = []
    secret = "hook-secret"

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.headers["X-Assistant-Signature"], body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        case = CaseRepository(engine, cipher).create(make_case(), webhook=True)
        hook = WebhookTransport(f"http://127.0.0.1:{server.server_port}/cases", secret)
        assert Dispatcher(engine, {"webhook": hook}).run_once() == 1
    finally:
        server.shutdown()
    [(signature, body)] = received
    assert signature == "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert json.loads(body)["reference"] == case.reference
    for marker in MARKERS.values():
        assert marker.encode() not in body


CHILD = """
import os, signal, sys
sys.path.insert(0, {tests!r})
from cryptography.fernet import Fernet
from sqlalchemy import create_engine
from handoff import CaseRepository, Cipher
from test_repository import make_case
engine = create_engine({url!r}, future=True)
case = CaseRepository(engine, Cipher([{key!r}])).create(make_case())
print(case.reference, flush=True)
os.kill(os.getpid(), signal.SIGKILL)  # dies before any notification could be sent
"""


def test_a_process_killed_after_creating_a_case_still_gets_it_notified(engine, cipher, smtp, tmp_path):
    from cryptography.fernet import Fernet

    controller, inbox = smtp
    key = Fernet.generate_key().decode()
    url = engine.url.render_as_string(hide_password=False)
    script = CHILD.format(tests=str(Path(__file__).parent), url=url, key=key)
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert child.returncode == -signal.SIGKILL
    reference = child.stdout.strip()
    assert reference.startswith("ASD-")
    assert Dispatcher(engine, {"email": transport(controller)}).run_once() == 1
    assert reference in inbox.messages[0][1]["Subject"]


class Killed(BaseException):
    """The process dies in the middle of a delivery (nothing after it runs)."""


class DiesWhileSending:
    timeout = 10.0

    def send(self, payload, delivery_id):
        raise Killed


def test_a_notification_taken_by_a_dispatcher_that_died_is_sent_once_its_lease_has_expired(engine, cipher, smtp):
    controller, inbox = smtp
    taken_at = dt.datetime(2026, 11, 25, 12, 0)
    CaseRepository(engine, cipher).create(make_case(), now=taken_at)
    with pytest.raises(Killed):
        Dispatcher(engine, {"email": DiesWhileSending()}, clock=lambda: taken_at, lease=60).run_once()
    clock = [taken_at + dt.timedelta(seconds=59)]
    after_restart = Dispatcher(engine, {"email": transport(controller)}, clock=lambda: clock[0], lease=60)
    assert after_restart.run_once() == 0  # the dead dispatcher's lease still holds it
    clock[0] = taken_at + dt.timedelta(seconds=61)
    assert after_restart.run_once() == 1
    assert after_restart.run_once() == 0 and len(inbox.messages) == 1


def test_a_notification_is_leased_from_when_it_is_taken_not_from_when_the_run_began(engine, cipher):
    start = dt.datetime(2026, 11, 25, 12, 0)
    repo = CaseRepository(engine, cipher)
    references = [repo.create(make_case(), now=start).reference for _ in range(2)]
    clock = [start]
    leases = {}

    class SlowTransport:
        timeout = 10.0

        def send(self, payload, delivery_id):
            with engine.connect() as conn:
                leases[payload["reference"]] = next(r.locked_until for r in conn.execute(select(outbox))
                                                    if payload["reference"] in r.payload)
            clock[0] += dt.timedelta(seconds=150)  # slower than a lease, e.g. many rows before it

    Dispatcher(engine, {"email": SlowTransport()}, clock=lambda: clock[0], lease=120).run_once()
    assert leases[references[0]] == start + dt.timedelta(seconds=120)
    assert leases[references[1]] == start + dt.timedelta(seconds=150 + 120)  # not an already expired lease


def test_a_lease_shorter_than_a_delivery_attempt_is_refused(engine):
    slow = EmailTransport(Mailer("127.0.0.1", 25, "a@b.fr", timeout=10), {}, "team@b.fr")
    with pytest.raises(ValueError, match="lease"):
        Dispatcher(engine, {"email": slow}, lease=10)
