"""Logs are JSON lines on stderr and hold no personal data: the formatter itself, then a real
`assistant serve` process driven through a conversation, a handoff, the console and Telegram
with planted markers, none of which may reach its output."""
from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from processes import ELIGIBLE_STORY
from sqlalchemy import create_engine

from bot.logs import JsonFormatter, TextFormatter
from handoff.advisers import add_adviser

ROOT = Path(__file__).resolve().parents[2]
ASSISTANT = Path(sys.executable).parent / "assistant"
WEBHOOK = "/webhooks/rest/webhook"


def record_through(formatter: logging.Formatter, emit) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger(f"bot.test_logs.{uuid.uuid4().hex}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    emit(logger)
    return stream.getvalue()


def parse_phone(text: str) -> int:
    return int(text)


# --- the formatter -------------------------------------------------------------------------------


def test_a_record_is_one_json_line_with_utc_time_level_logger_message_and_extra_fields():
    out = record_through(JsonFormatter(), lambda log: log.warning("outbox %s #%d not delivered", "email", 7,
                                                                 extra={"reference": "ASD-7K3F9Q", "attempt": 2}))
    assert out.endswith("\n") and out.count("\n") == 1
    entry = json.loads(out)
    assert entry["level"] == "WARNING" and entry["logger"].startswith("bot.test_logs.")
    assert entry["message"] == "outbox email #7 not delivered"
    assert entry["reference"] == "ASD-7K3F9Q" and entry["attempt"] == 2
    assert entry["ts"].endswith("Z")
    logged_at = dt.datetime.fromisoformat(entry["ts"].removesuffix("Z") + "+00:00")
    assert abs((dt.datetime.now(dt.timezone.utc) - logged_at).total_seconds()) < 5


def test_an_exception_is_logged_as_its_type_and_code_lines_never_its_message():
    typed, name = "06 47 21 93 58", "Quetzalcoatlia Marquise"  # what a person wrote: in variables, not in code

    def fail(log):
        try:
            try:
                parse_phone(typed)
            except ValueError as exc:
                raise RuntimeError(f"contact of {name} not saved") from exc
        except RuntimeError:
            log.exception("handoff failed")

    out = record_through(JsonFormatter(), fail)
    entry = json.loads(out)
    assert entry["message"] == "handoff failed" and entry["exc_type"] == "RuntimeError"
    assert "in parse_phone" in entry["traceback"] and "return int(text)" in entry["traceback"]
    assert "ValueError (message not logged)" in entry["traceback"]
    assert "06 47" not in out and "Quetzalcoatlia" not in out


def test_our_configuration_errors_keep_their_words():
    from handoff.crypto import Cipher, KeyError_

    def fail(log):
        try:
            Cipher(["not-a-key"])
        except KeyError_:
            log.critical("cannot start", exc_info=True)

    entry = json.loads(record_through(JsonFormatter(), fail))
    assert "not a valid Fernet key" in entry["traceback"]


def test_the_text_format_is_a_readable_line_with_the_same_care_for_exceptions():
    typed = "06 47 21 93 58"

    def fail(log):
        try:
            parse_phone(typed)
        except ValueError:
            log.error("could not read a phone number", exc_info=True, extra={"reference": "ASD-7K3F9Q"})

    out = record_through(TextFormatter(), fail)
    first = out.splitlines()[0]
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ERROR bot\.test_logs\.\w+: could not read a phone number "
                    r"reference=ASD-7K3F9Q$", first)
    assert "ValueError (message not logged)" in out and "06 47" not in out


@pytest.mark.parametrize("variable, value, complaint", [("LOG_FORMAT", "xml", "LOG_FORMAT must be json or text"),
                                                         ("LOG_LEVEL", "trace", "LOG_LEVEL must be one of")])
def test_the_command_refuses_an_unknown_log_format_or_the_trace_level(variable, value, complaint):
    result = subprocess.run([str(ASSISTANT), "keys", "generate"], capture_output=True, text=True, timeout=60,
                            env={**os.environ, variable: value})
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("assistant: ") and complaint in result.stderr


# --- a real server ---------------------------------------------------------------------------------

FREE_TEXT = "merci beaucoup, ma voisine Ornithorynquette m'a aidée à écrire"
NAME, PHONE, PHONE_E164 = "Quetzalcoatlia Marquise", "06 47 21 93 58", "+33647219358"
EMAIL = "quetzal.marquise@exemple.fr"
NOTE, ADVISER_MESSAGE, PASSWORD = (
    "rappeler Vercingetorixa jeudi",
    "Bonjour Zanzibarette, je vous appelle demain",
    "cheval-batterie-agrafe",
)
CHAT_ID = 7301994215
TELEGRAM_TEXT = "bonjour je m'appelle Cunegondine et je dors dans ma voiture"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_healthy(url: str, proc: subprocess.Popen, stderr: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert proc.poll() is None, stderr.read_text()
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError("server not ready within 180 s")


def say(url: str, sender: str, message: str) -> list[str]:
    response = httpx.post(url + WEBHOOK, json={"sender": sender, "message": message}, timeout=30)
    assert response.status_code == 200, response.text
    return [m["text"] for m in response.json()]


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


@pytest.fixture
def served(tmp_path, nlu_model, fake_bot_api):
    """`assistant serve` as in production (JSON logs by default), here at the debug level with
    every secret set to a marker; its stdout and stderr go to files read at the end."""
    secrets = {
        "HANDOFF_KEYS": Fernet.generate_key().decode(),
        "SESSION_SECRET": f"session-{uuid.uuid4().hex}",
        "TELEGRAM_TOKEN": f"987654:tok{uuid.uuid4().hex}",
        "CASE_WEBHOOK_SECRET": f"hook-{uuid.uuid4().hex}",
    }
    port = free_port()
    env = {
        **os.environ,
        **secrets,
        "ASSISTANT_VAR_DIR": str(tmp_path / "var"),
        "ASSISTANT_MODELS_DIR": str(nlu_model.parent),
        "LOG_LEVEL": "debug",
        "TELEGRAM_API_URL": fake_bot_api.url,
        "CASE_WEBHOOK_URL": f"http://127.0.0.1:{free_port()}/nobody-listens",
    }  # a delivery that fails and is logged
    # TF_CPP_MIN_LOG_LEVEL: jax, imported by this test process, sets it to 1 in our environment;
    # a deployment does not have it, and `assistant` then keeps TensorFlow's native notices out.
    for name in ("DATABASE_URL", "RASA_URL", "LOG_FORMAT", "SMTP_HOST", "TELEGRAM_WEBHOOK_URL", "TF_CPP_MIN_LOG_LEVEL"):
        env.pop(name, None)
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen(
            [str(ASSISTANT), "serve", "--port", str(port)], cwd=ROOT, env=env, stdout=stdout, stderr=stderr
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, proc, err)
        yield url, secrets, tmp_path / "var" / "assistant.db", proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_a_served_conversation_leaves_only_json_lines_without_personal_data_or_secrets(served, fake_bot_api, tmp_path):
    url, secrets, database, proc = served
    sender = f"sender-{uuid.uuid4().hex}"

    # The web chat: a handoff with a name, a phone number and an e-mail address.
    for message in [
        "/start",
        *ELIGIBLE_STORY,
        "/handoff",
        "/consent",
        NAME,
        PHONE,
        EMAIL,
        '/hset{"field":"means","value":"phone"}',
        '/hset{"field":"slot","value":"any"}',
        '/hset{"field":"budget_offer","value":"no"}',
    ]:
        say(url, sender, message)
    reference = re.search(r"ASD-[A-Z0-9]{6}", " ".join(say(url, sender, "/confirm_handoff"))).group()

    # The console: an adviser reads the case, writes a note and messages the person.
    engine = create_engine(f"sqlite:///{database}", future=True)
    add_adviser(engine, "marie", PASSWORD, "adviser", ["Auvergne-Rhône-Alpes"])
    engine.dispose()
    with httpx.Client(base_url=url, follow_redirects=True, timeout=30) as console:
        page = console.post(
            "/console/login",
            data={"csrf": csrf_of(console.get("/console/login").text), "login": "marie", "password": PASSWORD},
        )
        assert reference in page.text
        case = console.get(f"/console/cases/{reference}")
        assert NAME in case.text and EMAIL in case.text
        csrf = csrf_of(case.text)
        console.post(f"/console/cases/{reference}/claim", data={"csrf": csrf})
        assert NOTE in console.post(f"/console/cases/{reference}/note", data={"csrf": csrf, "body": NOTE}).text
        console.post(f"/console/cases/{reference}/message", data={"csrf": csrf, "body": ADVISER_MESSAGE})
    assert any(ADVISER_MESSAGE in text for text in say(url, sender, FREE_TEXT))  # free text, read by the NLU

    # Telegram, polled from the fake Bot API with the token in every request's URL.
    fake_bot_api.user_says(CHAT_ID, "/start")
    fake_bot_api.user_says(CHAT_ID, TELEGRAM_TEXT)
    fake_bot_api.wait_for(CHAT_ID, 2, timeout=60)

    # The outbox's delivery to the webhook nobody listens to fails, and is logged (every 5 s).
    deadline = time.monotonic() + 20
    while '"handoff.outbox"' not in (tmp_path / "stderr").read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    proc.terminate()
    proc.wait(timeout=30)

    stderr = (tmp_path / "stderr").read_text()
    entries = [json.loads(line) for line in stderr.splitlines() if line.strip()]
    assert all({"ts", "level", "logger", "message"} <= entry.keys() for entry in entries)
    loggers = {entry["logger"] for entry in entries}
    assert "uvicorn.error" in loggers and "uvicorn.access" not in loggers
    assert any(entry["logger"] == "handoff.outbox" and entry["level"] == "WARNING" for entry in entries), loggers
    everything = stderr + (tmp_path / "stdout").read_text()
    markers = [
        sender,
        "Ornithorynquette",
        NAME,
        "Quetzalcoatlia",
        PHONE,
        PHONE.replace(" ", ""),
        PHONE_E164,
        EMAIL,
        NOTE,
        "Vercingetorixa",
        ADVISER_MESSAGE,
        "Zanzibarette",
        PASSWORD,
        str(CHAT_ID),
        "Cunegondine",
        *secrets.values(),
        secrets["TELEGRAM_TOKEN"].split(":")[1],
    ]
    assert [marker for marker in markers if marker in everything] == []


def test_an_error_nobody_awaited_is_logged_without_its_message(caplog):
    import asyncio
    import logging

    from bot.tasks import log_loop_exception

    caplog.set_level(logging.DEBUG)

    async def fails():
        raise ValueError("Zorglubette Marquise 06 12 34 56 78")

    async def main():
        asyncio.get_running_loop().set_exception_handler(log_loop_exception)
        task = asyncio.ensure_future(fails())
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        del task  # never awaited: asyncio reports it when the task is collected

    asyncio.run(main())
    import gc

    gc.collect()
    assert "ValueError" in caplog.text
    assert "Zorglubette" not in caplog.text
