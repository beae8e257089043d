"""A lost follow-up code, on real SQLite and PostgreSQL, delivered through the outbox to a real
local SMTP server (aiosmtpd) or a real HTTP SMS gateway: the new code opens the request and the
old one no longer does; the code is never in clear in the database; at most one per quarter of an
hour; nothing is sent to a person who said writing to them is not safe, nor for an unknown
reference."""
from __future__ import annotations

import datetime as dt
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import select, text
from test_outbox import free_port
from test_repository import make_case

from handoff import CaseRepository, Contact, Follow
from handoff.access_codes import KIND, RESEND_EVERY, AccessCodeTransport, resend
from handoff.follow import FollowDesk
from handoff.mail import Mailer
from handoff.orm import outbox
from handoff.outbox import Dispatcher

pytestmark = pytest.mark.integration
NOW = dt.datetime(2026, 11, 30, 12, 0)


def _case(repo, **changes):
    case = repo.create(make_case(**changes))
    old = FollowDesk(repo).issue_code(case.reference, NOW)
    return case.reference, old


@pytest.fixture
def sms_gateway():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            received.append((self.headers.get("Authorization"),
                             json.loads(self.rfile.read(int(self.headers["Content-Length"])))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/send", received
    server.shutdown()


def test_a_new_code_by_e_mail_opens_the_request_and_the_old_one_no_longer_does(engine, cipher, smtp):
    controller, inbox = smtp
    repo = CaseRepository(engine, cipher)
    reference, old = _case(repo)
    assert resend(repo, reference, NOW)
    with engine.connect() as conn:
        dump = " ".join(str(v) for row in conn.execute(text("SELECT * FROM outbox")) for v in row)
    transport = AccessCodeTransport(repo, cipher, Mailer("127.0.0.1", controller.port, "assistant@exemple.fr"))
    assert Dispatcher(engine, {KIND: transport}, clock=lambda: NOW).run_once() == 1
    (message,) = [m for _, m in inbox.messages]
    assert message["To"] == "zorglubette@exemple.fr" and message["Message-ID"]
    body = message.get_payload()
    new = re.search(r"[A-Z0-9]{5}-[A-Z0-9]{5}", body).group()
    assert new not in dump and new.replace("-", "") not in dump  # encrypted in the outbox
    assert "logement" not in body.lower() and "Zorglubette" not in body  # neutral
    desk = FollowDesk(repo)
    assert desk.open(reference, old, "web:x", NOW) is Follow.REFUSED
    assert desk.open(reference, new, "web:x", NOW) is Follow.OPENED


def test_without_an_e_mail_the_code_goes_by_sms_through_the_gateway(engine, cipher, sms_gateway):
    url, received = sms_gateway
    repo = CaseRepository(engine, cipher)
    reference, _ = _case(repo, contact=Contact("Camille Martin", "+33612345678", None, "69003", "sms", ("any",)),
                         locale="en")
    assert resend(repo, reference, NOW)
    transport = AccessCodeTransport(repo, cipher, sms_url=url, sms_token="secret-token")
    assert Dispatcher(engine, {KIND: transport}, clock=lambda: NOW).run_once() == 1
    ((authorization, sms),) = received
    assert authorization == "Bearer secret-token" and sms["to"] == "+33612345678"
    assert sms["text"].startswith(f"Request {reference}: your new follow-up code is ")  # the person's language


def test_at_most_one_code_per_quarter_of_an_hour_none_when_unsafe_none_for_an_unknown_reference(engine, cipher):
    repo = CaseRepository(engine, cipher)
    reference, _ = _case(repo)
    assert resend(repo, reference, NOW)
    assert not resend(repo, reference, NOW + dt.timedelta(minutes=5))
    assert resend(repo, reference, NOW + RESEND_EVERY + dt.timedelta(seconds=1))
    unsafe, _ = _case(repo, answers={"facts": {"difficulties": ["violences"]}, "safe_contact": "no"})
    assert not resend(repo, unsafe, NOW)
    assert not resend(repo, "ASD-ZZZZZZ", NOW)
    with engine.connect() as conn:
        kinds = conn.execute(select(outbox.c.kind, outbox.c.payload)).all()
    assert [k for k, p in kinds if k == KIND and unsafe in p] == []
