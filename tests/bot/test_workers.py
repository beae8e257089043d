"""Two `assistant serve` workers on one PostgreSQL: conversations move between them freely,
their state is shared, and messages of one conversation never overwrite each other."""
from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
WEBHOOK = "/webhooks/rest/webhook"
STEPS = [('/answer{"fact":"difficulties","value":"separation"}', "situation professionnelle"),
         ('/answer{"fact":"situation","value":"salarie"}', "secteur"),
         ('/answer{"fact":"sector","value":"prive_non_agricole"}', "Combien de salariés"),
         ('/answer{"fact":"company_size","value":"10"}', "contrat de travail"),
         ('/answer{"fact":"contract","value":"cdi"}', "Où se trouve votre logement")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def workers(nlu_model, tmp_path):
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("the two-worker test needs PostgreSQL at TEST_DATABASE_URL (.ci/run sets it)")
    engine = create_engine(url, future=True)
    with engine.begin() as conn:
        for table in ("conversations", "telegram_updates", "person_messages", "outbox", "audit_events", "status_history",
                      "notes", "consents", "contacts", "cases", "advisers", "alembic_version"):
            conn.execute(text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
    env = {**os.environ, "DATABASE_URL": url, "ASSISTANT_MODELS_DIR": str(nlu_model.parent),
           "ASSISTANT_VAR_DIR": str(tmp_path), "HANDOFF_KEYS": Fernet.generate_key().decode(),
           "SESSION_SECRET": "s" * 40}
    env.pop("RASA_URL", None)
    assistant = Path(sys.executable).parent / "assistant"
    ports = [free_port(), free_port()]
    procs = [subprocess.Popen([str(assistant), "serve", "--port", str(p)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for p in ports]
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        deadline = time.monotonic() + 240
        for u, proc in zip(urls, procs):
            while True:
                assert proc.poll() is None, "a worker died at start"
                try:
                    if httpx.get(u + "/health", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "workers not ready"
                time.sleep(0.5)
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
        with engine.begin() as conn:
            conn.execute(text('DROP TABLE IF EXISTS "conversations" CASCADE'))
        engine.dispose()


def test_interleaved_conversations_across_two_workers_keep_order_and_state(workers):
    async def conversation(client: httpx.AsyncClient, sender: str) -> list[str]:
        seen = []
        await client.post(workers[0] + WEBHOOK, json={"sender": sender, "message": "/start_check"})
        for i, (message, expected) in enumerate(STEPS):
            worker = workers[i % 2]  # every message goes to the other worker
            replies = (await client.post(worker + WEBHOOK, json={"sender": sender, "message": message})).json()
            seen.append(replies[-1]["text"])
            assert expected in replies[-1]["text"], (sender, i, replies)
        return seen

    async def main():
        async with httpx.AsyncClient(timeout=60) as client:
            return await asyncio.gather(*(conversation(client, f"worker-test-{n}") for n in range(4)))

    results = asyncio.run(main())
    assert len(results) == 4


def test_two_messages_of_one_conversation_at_two_workers_at_once_lose_nothing(workers):
    async def main():
        async with httpx.AsyncClient(timeout=60) as client:
            await client.post(workers[0] + WEBHOOK, json={"sender": "burst", "message": "/start_check"})
            first = client.post(workers[0] + WEBHOOK, json={"sender": "burst", "message": STEPS[0][0]})
            second = client.post(workers[1] + WEBHOOK, json={"sender": "burst", "message": STEPS[1][0]})
            await asyncio.gather(first, second)
            return (await client.post(workers[1] + WEBHOOK, json={"sender": "burst", "message": "/summary"})).json()

    summary = asyncio.run(main())[-1]["text"]
    assert "Difficulté : Séparation" in summary and "Situation : Salarié(e)" in summary
