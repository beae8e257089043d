"""Conversation tests in YAML, run through the real dialogue engine, NLU model and SQLite."""
from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
import yaml

import nlu
from bot.dialogue import Dialogue
from bot.service import Assistant
from bot.store import ConversationStore, make_engine

HERE = Path(__file__).parent / "conversations"
CASES = [(f.stem, case) for f in sorted(HERE.glob("*.yml")) for case in yaml.safe_load(f.read_text(encoding="utf-8"))]


@pytest.fixture(scope="module")
def assistant(parser, tmp_path_factory):
    from cryptography.fernet import Fernet

    from handoff import CaseRepository, Cipher
    from handoff.migrate import upgrade
    from handoff.service import HandoffService

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}")
    upgrade(engine)
    cipher = Cipher([Fernet.generate_key().decode()])
    store = ConversationStore(engine, cipher, secret="test-pseudonyms")
    handoff = HandoffService(CaseRepository(engine, cipher))
    return Assistant(Dialogue(parser, nlu.FaqContent(), handoff=handoff), store)


@pytest.mark.parametrize("case", [c for _, c in CASES], ids=[f"{f}: {c['name']}" for f, c in CASES])
def test_conversation(assistant, case):
    sender = re.sub(r"\W+", "-", case["name"])[:100]

    async def run():
        for number, step in enumerate(case["steps"], start=1):
            replies = await assistant.handle("test", sender, step["say"], case.get("locale"))
            texts = [r.text for r in replies]
            titles = [b.title for r in replies for b in r.buttons]
            where = f"step {number} ({step['say']!r}) got {texts} {titles}"
            for pattern in step.get("expect", []):
                assert any(re.search(pattern, t, re.I) for t in texts), f"{pattern!r} missing at {where}"
            for pattern in step.get("buttons", []):
                assert any(re.search(pattern, t, re.I) for t in titles), f"button {pattern!r} missing at {where}"
            for pattern in step.get("not", []):
                assert not any(re.search(pattern, t, re.I) for t in texts + titles), f"{pattern!r} present at {where}"

    asyncio.run(run())
