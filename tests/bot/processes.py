"""Real `assistant serve` processes for the tests that need one (several workers, crashes,
outages): started with a given environment, waited for until /health answers, killed for sure.

Each start loads the Rasa model (10-20 s, ~900 MB): tests start as few as they can.
"""
from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import uvicorn

ROOT = Path(__file__).resolve().parents[2]
ASSISTANT = Path(sys.executable).parent / "assistant"
WEBHOOK = "/webhooks/rest/webhook"
RATE_LIMITED = "beaucoup de messages d'un coup"  # the per-conversation limit's reply
# What the developer's environment may hold and a test must choose for itself.
DEPLOYMENT_VARIABLES = ("DATABASE_URL", "RASA_URL", "TELEGRAM_TOKEN", "TELEGRAM_WEBHOOK_URL", "TELEGRAM_WEBHOOK_SECRET",
                        "TELEGRAM_API_URL", "SMTP_HOST", "SMTP_PORT", "SMTP_FROM", "TEAM_EMAIL", "TEAM_EMAILS",
                        "CASE_WEBHOOK_URL", "CASE_WEBHOOK_SECRET", "HANDOFF_KEYS", "SESSION_SECRET", "PUBLIC_URL",
                        "OUTBOX_LEASE_SECONDS", "HOST", "PORT")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_env(nlu_model: Path, var_dir: Path, **variables: str) -> dict[str, str]:
    """The environment of a test server: the cached test model, its own var/ directory, and only
    the deployment variables given here (e.g. DATABASE_URL=..., SMTP_HOST=...)."""
    env = {k: v for k, v in os.environ.items() if k not in DEPLOYMENT_VARIABLES}
    env.update({"ASSISTANT_MODELS_DIR": str(nlu_model.parent), "ASSISTANT_VAR_DIR": str(var_dir),
                "SESSION_SECRET": "s" * 40, "LOG_LEVEL": "info"})
    env.update(variables)
    return env


class Serve:
    """One `assistant serve` subprocess; its output goes to `log` (read it to check what it wrote)."""

    def __init__(self, env: dict[str, str], log: Path, port: int | None = None):
        self.env = env
        self.log = log
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Serve:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen([str(ASSISTANT), "serve", "--port", str(self.port)], cwd=ROOT, env=self.env,
                                         stdout=out, stderr=subprocess.STDOUT)
        return self

    def wait_ready(self, timeout: float = 240) -> Serve:
        deadline = time.monotonic() + timeout
        while True:
            assert self.proc is not None and self.proc.poll() is None, (
                f"assistant serve died at start:\n{self.output()[-3000:]}"
            )
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, (
                f"assistant serve not ready in {timeout:.0f} s:\n{self.output()[-3000:]}"
            )
            time.sleep(0.3)

    def kill(self) -> None:
        """kill -9: no shutdown handler, no flush, no goodbye."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        """A normal stop (SIGTERM), then kill -9 if it does not end in time. Safe to call twice."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def say(self, sender: str, message: str, timeout: float = 60, **body: Any) -> httpx.Response:
        """POST the message; a scripted conversation goes faster than a person, so a message the
        per-conversation rate limit turned away (unprocessed) is sent again a second later."""
        for _attempt in range(30):
            response = httpx.post(
                self.url + WEBHOOK, json={"sender": sender, "message": message, **body}, timeout=timeout
            )
            if response.status_code != 200 or not any(RATE_LIMITED in r.get("text", "") for r in response.json()):
                return response
            time.sleep(1.1)
        raise AssertionError(f"{sender}: still rate-limited after 30 attempts")

    def replies(self, sender: str, message: str, **body: Any) -> list[dict[str, Any]]:
        response = self.say(sender, message, **body)
        assert response.status_code == 200, (response.status_code, response.text[:500])
        return response.json()

    def __enter__(self) -> Serve:
        return self.start().wait_ready()

    def __exit__(self, *exc) -> None:
        self.stop()


@contextlib.contextmanager
def app_in_thread(app: Any) -> Iterator[str]:
    """A small ASGI app (a fake Bot API...) under uvicorn in a thread of the test process; its URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the in-thread server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def start_all(servers: list[Serve], timeout: float = 240) -> list[Serve]:
    """Start several servers together (their model loads overlap), then wait for each."""
    for server in servers:
        server.start()
    for server in servers:
        server.wait_ready(timeout)
    return servers


def wait_until_sent(engine: Any, timeout: float) -> None:
    """Until every outbox row is marked sent (a row is marked after its delivery succeeded)."""
    from sqlalchemy import select

    from handoff.orm import outbox

    deadline = time.monotonic() + timeout
    while True:
        with engine.connect() as conn:
            statuses = list(conn.execute(select(outbox.c.status)).scalars())
        if statuses and all(status == "sent" for status in statuses):
            return
        assert time.monotonic() < deadline, f"outbox not all sent in {timeout:.0f} s: {statuses}"
        time.sleep(0.2)


# --- a person's way to a handoff, over the REST webhook (as in conversations/handoff.yml) ---------

REFERENCE = re.compile(r"ASD-[2-9A-HJKMNP-Z]{6}")
# The eligibility check answered with buttons: each answer, and what the next question asks.
# An eligible check: a story in one message, three buttons, a postcode (CDI, unpaid rent, a
# private company of 50 employees, Lyon), then the result.
ELIGIBLE_STORY = [
    "je suis en CDI et j'ai des impayés de loyer",
    '/answer{"fact":"situation","value":"salarie"}',
    '/answer{"fact":"sector","value":"prive_non_agricole"}',
    '/answer{"fact":"company_size","value":"50"}',
    "69003",
    "/result",
]
CHECK_STEPS = [
    ('/answer{"fact":"difficulties","value":"separation"}', "situation professionnelle"),
    ('/answer{"fact":"situation","value":"salarie"}', "secteur"),
    ('/answer{"fact":"sector","value":"prive_non_agricole"}', "Combien de salariés"),
    ('/answer{"fact":"company_size","value":"10"}', "contrat de travail"),
    ('/answer{"fact":"contract","value":"cdi"}', "Où se trouve votre logement"),
]


def to_preview(server: Serve, sender: str, name: str, phone: str) -> None:
    """An eligible check (CDI, unpaid rent, private company of 50, Lyon), the information notice
    and consent, contact details, then the preview of what the adviser will receive."""
    steps = [
        ("/start", "confidentiel"),
        ("je suis en CDI et j'ai des impayés de loyer", ""),
        ('/answer{"fact":"situation","value":"salarie"}', ""),
        ('/answer{"fact":"sector","value":"prive_non_agricole"}', ""),
        ('/answer{"fact":"company_size","value":"50"}', ""),
        ("69003", ""),
        ("/result", "peut vous aider"),
        ("/handoff", "uniquement les conseillers sociaux"),
        ("/consent", "Quel nom"),
        (name, "numéro de téléphone"),
        (phone, "e-mail"),
        ("/skip", "Comment préférez-vous"),
        ('/hset{"field":"means","value":"phone"}', "disponible"),
        ('/hset{"field":"slot","value":"any"}', "budget"),
        ('/hset{"field":"budget_offer","value":"no"}', "exactement ce que le conseiller recevra"),
    ]
    for message, expected in steps:
        texts = "\n".join(r["text"] for r in server.replies(sender, message))
        assert expected in texts, (message, texts)


def confirm(server: Serve, sender: str) -> str:
    """Confirm the previewed handoff; the case's reference."""
    texts = "\n".join(r["text"] for r in server.replies(sender, "/confirm_handoff"))
    found = REFERENCE.search(texts)
    assert found, texts
    return found.group()
