"""kill -9 of a real `assistant serve` on SQLite (the default deployment), then a restart on the
same database: nobody's conversation is lost, and every case's team notification goes out
exactly once — whether it was waiting in the outbox or being delivered at the moment of the kill.

One scenario for the module (each server start loads the Rasa model): a server whose SMTP
server accepts connections and never answers, so notifications cannot go out; a person in the
middle of the eligibility check; two people confirming a handoff, the first one's notification
taken by the dispatcher (hanging on SMTP) when the server is killed, the second one's still
waiting. Then a restart with a working SMTP server.
"""
from __future__ import annotations

import datetime as dt
import signal
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from cryptography.fernet import Fernet
from processes import CHECK_STEPS, Serve, confirm, free_port, serve_env, to_preview, wait_until_sent
from smtp_inbox import Inbox
from sqlalchemy import create_engine, select

from handoff import CaseRepository, Cipher, Status
from handoff.orm import outbox

LEASE = 35  # seconds; must outlast the longest delivery attempt (30 s), the production default is 120
CHECK = CHECK_STEPS[:3]  # the person is killed / cut off before answering the third


class SilentSmtp:
    """A TCP server that accepts connections and never says a word (an SMTP server that hangs)."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connected = threading.Event()
        self.clients: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            self.clients.append(client)
            self.connected.set()

    def close(self):
        self.sock.close()
        for client in self.clients:
            client.close()


@dataclass
class AfterTheKill:
    server: Serve
    inbox: Inbox
    repo: CaseRepository
    engine: object
    in_flight: str  # reference whose notification the dispatcher had taken when killed
    waiting: str  # reference whose notification was still waiting in the outbox
    lease_expiry: dt.datetime  # when the killed dispatcher's hold on `in_flight` ends
    logs: list[Path]


@pytest.fixture(scope="module")
def after_the_kill(nlu_model, tmp_path_factory):
    var = tmp_path_factory.mktemp("faults-var")
    database = f"sqlite:///{var / 'assistant.db'}"
    key = Fernet.generate_key().decode()
    common = dict(
        DATABASE_URL=database, HANDOFF_KEYS=key, TEAM_EMAIL="equipe@exemple.fr", OUTBOX_LEASE_SECONDS=str(LEASE)
    )
    silent = SilentSmtp()
    first = Serve(
        serve_env(nlu_model, var, SMTP_HOST="127.0.0.1", SMTP_PORT=str(silent.port), **common), var / "first.log"
    )
    controller = second = None
    engine = create_engine(database, future=True)
    try:
        with first:
            first.replies("checking", "/start")
            first.replies("checking", "/start_check")
            for message, expected in CHECK[:2]:
                assert expected in first.replies("checking", message)[-1]["text"]
            to_preview(first, "in-flight", "Marie Curie", "06 12 34 56 78")
            to_preview(first, "waiting", "Pierre Curie", "07 12 34 56 78")
            in_flight = confirm(first, "in-flight")
            assert silent.connected.wait(15), "the dispatcher never tried to send the first notification"
            waiting = confirm(first, "waiting")  # the dispatcher is stuck on the first one
            first.kill()
            assert first.proc.returncode == -signal.SIGKILL
        with engine.connect() as conn:
            rows = {r.payload: r for r in conn.execute(select(outbox))}
        [taken] = [r for p, r in rows.items() if in_flight in p]
        [queued] = [r for p, r in rows.items() if waiting in p]
        assert (taken.status, taken.attempts) == ("pending", 0) and taken.locked_until is not None, (
            "not killed mid-delivery"
        )
        assert (queued.status, queued.locked_until) == ("pending", None)

        inbox = Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
        controller.start()
        second = Serve(
            serve_env(nlu_model, var, SMTP_HOST="127.0.0.1", SMTP_PORT=str(controller.port), **common),
            var / "second.log",
            port=first.port,
        )
        with second:
            yield AfterTheKill(
                second,
                inbox,
                CaseRepository(engine, Cipher([key])),
                engine,
                in_flight,
                waiting,
                taken.locked_until,
                [first.log, second.log],
            )
    finally:
        first.stop()
        if second is not None:
            second.stop()
        if controller is not None:
            controller.stop()
        silent.close()
        engine.dispose()


def test_a_person_killed_mid_check_continues_at_the_same_question_with_earlier_answers_kept(after_the_kill):
    server = after_the_kill.server
    message, expected = CHECK[2]  # the question pending when the server was killed was the sector
    assert expected in server.replies("checking", message)[-1]["text"]
    summary = server.replies("checking", "/summary")[-1]["text"]
    assert "Difficulté : Séparation" in summary and "Situation : Salarié(e)" in summary and "Secteur" in summary


def test_a_notification_waiting_in_the_outbox_at_the_kill_is_sent_after_restart(after_the_kill):
    k = after_the_kill
    [message] = k.inbox.wait_for(k.waiting, timeout=15)
    assert message["To"] == "equipe@exemple.fr"


def test_a_notification_being_delivered_at_the_kill_is_sent_once_the_lease_has_expired(after_the_kill):
    k = after_the_kill
    [message] = k.inbox.wait_for(k.in_flight, timeout=LEASE + 15)
    with k.engine.connect() as conn:
        [row] = [r for r in conn.execute(select(outbox)) if k.in_flight in r.payload]
    # Not taken before the lease expired (it could have been a live dispatcher's). On a slow
    # machine the restart alone outlasts the lease; tests/handoff/test_outbox.py checks "not
    # before" with a clock.
    assert row.status == "sent" and row.sent_at >= k.lease_expiry


def test_each_notification_arrives_exactly_once_and_both_cases_are_intact(after_the_kill):
    k = after_the_kill
    wait_until_sent(k.engine, timeout=LEASE + 15)  # a row marked sent is never sent again: the inbox is final
    assert len(k.inbox.about(k.waiting)) == 1 and len(k.inbox.about(k.in_flight)) == 1
    for reference, name, phone in (
        (k.in_flight, "Marie Curie", "+33612345678"),
        (k.waiting, "Pierre Curie", "+33712345678"),
    ):
        case = k.repo.get(reference)
        assert case is not None and case.status is Status.NEW
        assert (case.contact.name, case.contact.phone, case.region) == (name, phone, "Auvergne-Rhône-Alpes")
        assert [c.kind for c in case.consents] == ["data"]
    assert len(k.repo.queue(statuses=tuple(Status))) == 2
    logs = "".join(log.read_text(errors="replace") for log in k.logs)
    for marker in ("Marie Curie", "Pierre Curie", "12 34 56 78", "12345678"):
        assert marker not in logs
