"""PostgreSQL stopped for a while under a running `assistant serve`: messages meanwhile get a short
"momentarily unavailable" reply (HTTP 200, never an error page; on Telegram too), a handoff
confirmed during the outage leaves no half-written case, and once PostgreSQL is back — without
restarting the assistant — conversations go on from where they were and exactly the confirmed
cases exist, each notified once. The outage begins while a confirmation is between its case
(committed) and the save of its conversation: sent again, it finds its case, not a second one.

The test runs its own PostgreSQL cluster (initdb into /tmp, a free port), never the machine's
shared server: stopping that one would break everybody else's tests.
"""
from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from cryptography.fernet import Fernet
from fake_bot_api import FakeBotApi
from processes import CHECK_STEPS, Serve, app_in_thread, confirm, free_port, serve_env, to_preview, wait_until_sent
from smtp_inbox import Inbox
from sqlalchemy import create_engine, func, select, text

from bot.store import pseudonym
from handoff import CaseRepository, Cipher
from handoff.orm import cases, contacts, outbox

UNAVAILABLE = "momentanément indisponible"
CHAT = 515151  # a Telegram chat
CHECK = CHECK_STEPS[:3]  # the person is killed / cut off before answering the third


def postgres_bin() -> Path | None:
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(os.path.realpath(on_path)).parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[-3]))
    return Path(found[-1]).parent if found else None


class PrivatePostgres:
    """A throwaway PostgreSQL cluster: initdb in a temporary directory, its own port, trust
    authentication on 127.0.0.1. As root, the server runs as the `postgres` user (runuser)."""

    def __init__(self):
        self.bin = postgres_bin()
        if self.bin is None or not (self.bin / "initdb").exists():
            pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
        self.prefix: list[str] = []
        owner = None
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            runuser = shutil.which("runuser")
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                owner = None
            if runuser is None or owner is None:
                pytest.skip("running as root needs runuser and a postgres user to start a private PostgreSQL")
            self.prefix = [runuser, "-u", "postgres", "--"]
        self.dir = Path(tempfile.mkdtemp(prefix="assistant-pg-"))  # /tmp: reachable by the postgres user
        if owner is not None:
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
        self.data = self.dir / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/assistant"

    def _run(self, *args: str) -> None:
        result = subprocess.run([*self.prefix, *args], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"{args[0]} failed:\n{result.stdout}\n{result.stderr}"

    def init(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        self.start()
        self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "assistant")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.dir / "server.log"),
                  "-w", "-t", "60", "start")

    def stop(self, mode: str = "immediate") -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                [*self.prefix, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"],
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(self.dir, ignore_errors=True)


def timed(server: Serve, sender: str, message: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = server.say(sender, message, timeout=60)
    return response, time.monotonic() - started


@dataclass
class Outage:
    server: Serve
    pid: int  # the assistant's process: the same before, during and after the outage
    repo: CaseRepository
    inbox: Inbox
    telegram: FakeBotApi
    confirmed_before: str
    interrupted: tuple[httpx.Response, float] | None = None  # the confirmation the outage cut in two
    during: dict[str, tuple[httpx.Response, float]] = field(default_factory=dict)
    telegram_during: str = ""
    cases_right_after: dict[str, str] = field(default_factory=dict)  # reference -> conversation address
    contacts_right_after: int = 0
    outbox_right_after: int = 0


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout:.0f} s"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def outage(nlu_model, tmp_path_factory):
    """Before: one case confirmed and notified, a person in the middle of the check, two at the
    handoff preview, a Telegram chat. The outage (PostgreSQL stopped, immediate) begins while
    one of the two confirms: their case is committed, the save of their conversation waits on a
    row lock the test holds. During it: the person in the check answers, the other one confirms,
    a newcomer says hello, the Telegram chat writes, the dispatcher runs. Then PostgreSQL again."""
    postgres = PrivatePostgres()
    var = tmp_path_factory.mktemp("outage-var")
    key = Fernet.generate_key().decode()
    inbox, telegram = Inbox(), FakeBotApi()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    engine = server = None
    try:
        postgres.init()
        controller.start()
        engine = create_engine(postgres.url, future=True)
        with contextlib.ExitStack() as stack:
            telegram.url = stack.enter_context(app_in_thread(telegram.app))
            env = serve_env(
                nlu_model,
                var,
                DATABASE_URL=postgres.url,
                HANDOFF_KEYS=key,
                SMTP_HOST="127.0.0.1",
                SMTP_PORT=str(controller.port),
                TELEGRAM_TOKEN="123:TEST",
                TELEGRAM_API_URL=telegram.url,
            )
            server = stack.enter_context(Serve(env, var / "serve.log"))
            found = Outage(server, server.proc.pid, CaseRepository(engine, Cipher([key])), inbox, telegram, "")
            to_preview(server, "before", "Marie Curie", "06 12 34 56 78")
            found.confirmed_before = confirm(server, "before")
            inbox.wait_for(found.confirmed_before, timeout=15)
            server.replies("checking", "/start")
            server.replies("checking", "/start_check")
            for message, expected in CHECK[:2]:
                assert expected in server.replies("checking", message)[-1]["text"]
            to_preview(server, "interrupted", "Jeanne Martin", "06 98 76 54 32")
            to_preview(server, "confirming", "Pierre Curie", "07 12 34 56 78")
            telegram.user_says(CHAT, "/start")
            telegram.wait_for(CHAT, 1)

            locker = engine.connect()
            locker.begin()
            locker.execute(
                text("SELECT key FROM conversations WHERE key = :key FOR UPDATE"),
                {"key": pseudonym(env["SESSION_SECRET"], "web:interrupted")},
            )
            with ThreadPoolExecutor(1) as pool:
                pending = pool.submit(timed, server, "interrupted", "/confirm_handoff")

                def saving_waits() -> bool:
                    with engine.connect() as conn:
                        return (
                            conn.execute(
                                text(
                                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                                    " AND query LIKE 'INSERT INTO conversations%'"
                                )
                            ).scalar_one()
                            == 1
                        )

                wait_until(saving_waits, 30, "the confirmation's save waiting on the row lock")
                postgres.stop("immediate")
                found.interrupted = pending.result(timeout=60)
            with contextlib.suppress(Exception):
                locker.close()
            engine.dispose()  # the test's own connections died with the server

            found.during["answer"] = timed(server, "checking", CHECK[2][0])
            found.during["confirm"] = timed(server, "confirming", "/confirm_handoff")
            found.during["newcomer"] = timed(server, "newcomer", "bonjour")
            telegram.user_says(CHAT, "bonjour")
            found.telegram_during = telegram.wait_for(CHAT, 2, timeout=20)[-1]
            wait_until(lambda: "outbox dispatch failed" in server.output(), 10, "the dispatcher meeting the outage")
            found.health_during = httpx.get(server.url + "/health", timeout=10)
            postgres.start()
            wait_until(
                lambda: httpx.get(server.url + "/health", timeout=10).status_code == 200,
                30,
                "/health back to 200 once PostgreSQL is back",
            )
            with engine.connect() as conn:
                found.cases_right_after = {
                    r.reference: found.repo.get(r.reference).address for r in conn.execute(select(cases.c.reference))
                }
                found.contacts_right_after = conn.execute(select(func.count()).select_from(contacts)).scalar_one()
                found.outbox_right_after = conn.execute(select(func.count()).select_from(outbox)).scalar_one()
            yield found
    finally:
        if server is not None:
            server.stop()
        if engine is not None:
            engine.dispose()
        controller.stop()
        postgres.destroy()


def test_messages_during_the_outage_get_a_short_unavailable_reply_with_the_phone(outage):
    replies = dict(outage.during, interrupted_confirmation=outage.interrupted)
    for what, (response, _elapsed) in replies.items():
        assert response.status_code == 200, (what, response.status_code, response.text[:300])
        [reply] = response.json()
        assert UNAVAILABLE in reply["text"] and "09 70 800 800" in reply["text"], (what, reply)
        assert "Traceback" not in response.text and "Error" not in response.text
    for what, (_response, elapsed) in outage.during.items():
        assert elapsed < 5, f"{what}: {elapsed:.1f} s"


def test_health_says_the_database_is_unavailable_during_the_outage(outage):
    # A load balancer stops sending new conversations to a worker that cannot keep them.
    assert outage.health_during.status_code == 503
    assert outage.health_during.json() == {"status": "database unavailable"}


def test_telegram_messages_during_the_outage_are_answered_too(outage):
    assert UNAVAILABLE in outage.telegram_during


def test_a_handoff_confirmed_during_the_outage_leaves_no_case(outage):
    # Two cases: the one confirmed before, and the one whose transaction committed just before
    # the outage began (the person was not told: the save of their conversation failed).
    assert sorted(outage.cases_right_after.values()) == ["web:before", "web:interrupted"]
    assert (outage.contacts_right_after, outage.outbox_right_after) == (2, 2)


def test_after_the_outage_the_conversation_goes_on_where_it_was_without_restarting(outage):
    server = outage.server
    assert server.proc.poll() is None and server.proc.pid == outage.pid
    message, expected = CHECK[2]  # the answer that got "unavailable", sent again
    assert expected in server.replies("checking", message)[-1]["text"]
    summary = server.replies("checking", "/summary")[-1]["text"]
    assert "Difficulté : Séparation" in summary and "Situation : Salarié(e)" in summary
    outage.telegram.user_says(CHAT, "/aide")
    assert "Commandes" in outage.telegram.wait_for(CHAT, 3, timeout=20)[-1]


def test_a_confirmation_cut_by_the_outage_sent_again_finds_its_case_instead_of_making_another(outage):
    [interrupted] = [ref for ref, address in outage.cases_right_after.items() if address == "web:interrupted"]
    assert confirm(outage.server, "interrupted") == interrupted


def test_after_the_outage_exactly_the_confirmed_cases_exist_each_notified_once(outage):
    server = outage.server
    server.replies("interrupted", "/confirm_handoff")  # sent again (a second time if the test above ran)
    confirmed_after = confirm(server, "confirming")  # the preview survived the outage
    with outage.repo.engine.connect() as conn:
        addresses = sorted(outage.repo.get(ref).address for ref in conn.execute(select(cases.c.reference)).scalars())
        references = list(conn.execute(select(cases.c.reference)).scalars())
        queued = [r.payload for r in conn.execute(select(outbox.c.payload))]
    assert addresses == ["web:before", "web:confirming", "web:interrupted"]
    assert confirmed_after in references
    for reference in references:
        assert sum(reference in payload for payload in queued) == 1
    wait_until_sent(outage.repo.engine, timeout=20)  # a row marked sent is never sent again: the inbox is final
    for reference in references:
        assert len(outage.inbox.about(reference)) == 1, reference
    assert outage.repo.get(confirmed_after).contact.name == "Pierre Curie"


def test_the_outage_is_logged_without_any_personal_data(outage):
    log = outage.server.output()
    assert "conversation store unavailable" in log and "OperationalError" in log
    for marker in ("Marie Curie", "Pierre Curie", "Jeanne Martin", "12 34 56 78", "12345678", "98 76 54 32", "bonjour"):
        assert marker not in log
