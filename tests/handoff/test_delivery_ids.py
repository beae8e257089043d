"""At least once, deduplicated by id: a dispatcher process killed (SIGKILL) right after its
webhook delivery reached the receiver, before the row was marked sent, delivers it again once its
lease has expired — with the same `Idempotency-Key` / `X-Delivery-Id`, so the receiver counts one
delivery by id. E-mails carry the same id as their Message-ID. And each destination is delivered
in its own thread: a slow webhook no longer delays the e-mails. Real SQLite and PostgreSQL, a
real HTTP receiver, a real SMTP server."""
from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from test_repository import make_case

from handoff import CaseRepository
from handoff.mail import Mailer
from handoff.outbox import Dispatcher, EmailTransport, WebhookTransport

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def receiver():
    """A webhook receiver: every delivery's headers and the time it arrived; `delay` slows it."""
    deliveries: list[dict] = []
    settings = {"delay": 0.0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers["Content-Length"]))
            time.sleep(settings["delay"])
            deliveries.append({"id": self.headers.get("Idempotency-Key"), "x": self.headers.get("X-Delivery-Id"),
                               "at": time.monotonic()})
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/cases", deliveries, settings
    server.shutdown()


CHILD = """
import os, signal, sys
sys.path.insert(0, {tests!r})
from sqlalchemy import create_engine
from handoff.outbox import Dispatcher, WebhookTransport

class DiesRightAfter(WebhookTransport):
    def send(self, payload, delivery_id):
        super().send(payload, delivery_id)  # the receiver has it...
        os.kill(os.getpid(), signal.SIGKILL)  # ...and the process dies before marking it sent

engine = create_engine({url!r}, future=True)
Dispatcher(engine, {{"webhook": DiesRightAfter({hook!r}, "hook-secret")}}, lease=60).run_once()
"""


def test_a_delivery_repeated_after_a_kill_carries_the_same_id(engine, cipher, receiver):
    hook, deliveries, _ = receiver
    created = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    CaseRepository(engine, cipher).create(make_case(), now=created, webhook=True)
    script = CHILD.format(tests=str(Path(__file__).parent), url=engine.url.render_as_string(hide_password=False),
                          hook=hook)
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr[-500:]
    assert len(deliveries) == 1
    later = created + dt.timedelta(seconds=120)  # the killed dispatcher's lease (60 s) has expired
    assert Dispatcher(engine, {"webhook": WebhookTransport(hook, "hook-secret")}, clock=lambda: later).run_once() == 1
    assert len(deliveries) == 2  # at least once...
    assert len({d["id"] for d in deliveries}) == 1 and deliveries[0]["id"] == deliveries[0]["x"]  # ...one by id
    assert deliveries[0]["id"].startswith("outbox-")


def test_the_e_mail_s_message_id_is_the_delivery_id(engine, cipher, smtp):
    controller, inbox = smtp
    CaseRepository(engine, cipher).create(make_case())
    email = EmailTransport(Mailer("127.0.0.1", controller.port, "a@b.fr"), {}, "team@b.fr")
    assert Dispatcher(engine, {"email": email}).run_once() == 1
    message_id = inbox.messages[0][1]["Message-ID"]
    assert message_id.startswith("<outbox-") and message_id.endswith("@assistant-logement>")


def test_a_slow_webhook_no_longer_delays_the_e_mails(engine, cipher, smtp, receiver):
    controller, inbox = smtp
    hook, deliveries, settings = receiver
    settings["delay"] = 3.0
    repo = CaseRepository(engine, cipher)
    for _ in range(2):
        repo.create(make_case(), webhook=True)  # each: an e-mail and a webhook row
    email = EmailTransport(Mailer("127.0.0.1", controller.port, "a@b.fr"), {}, "team@b.fr")
    arrived = []
    original = inbox.handle_DATA

    async def handle(server, session, envelope):
        arrived.append(time.monotonic())
        return await original(server, session, envelope)

    inbox.handle_DATA = handle
    started = time.monotonic()
    sent = Dispatcher(engine, {"email": email, "webhook": WebhookTransport(hook, "s")}).run_once()
    assert sent == 4 and len(arrived) == 2 and len(deliveries) == 2
    assert max(arrived) - started < 2.0  # both e-mails out while the first webhook was still waiting
    assert max(d["at"] for d in deliveries) - started >= 6.0
