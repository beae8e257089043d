"""Two `assistant serve` workers on one PostgreSQL: conversations move between them freely,
their state is shared, and messages of one conversation never overwrite each other."""
from __future__ import annotations

import asyncio
import os

import httpx
import pytest
from cryptography.fernet import Fernet
from postgres_reset import reset
from processes import CHECK_STEPS as STEPS
from processes import WEBHOOK, Serve, serve_env, start_all
from sqlalchemy import create_engine


@pytest.fixture
def workers(nlu_model, tmp_path):
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("the two-worker test needs PostgreSQL at TEST_DATABASE_URL (.ci/run sets it)")
    engine = create_engine(url, future=True)
    reset(engine)  # every migrated table, so that the workers migrate from nothing
    env = serve_env(nlu_model, tmp_path, DATABASE_URL=url, HANDOFF_KEYS=Fernet.generate_key().decode())
    servers = [Serve(env, tmp_path / f"worker-{n}.log") for n in range(2)]
    try:
        start_all(servers)
        yield [server.url for server in servers]
    finally:
        for server in servers:
            server.stop()
        reset(engine)
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
