"""RASA_URL: the same door, answered by Rasa's own server (`rasa run --enable-api`)."""
from __future__ import annotations

import asyncio
import socket
import time

import pytest

from nlu import NluUnavailable
from nlu.parsing import HttpParser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_rasa_server_gives_the_same_answer_as_the_model_in_process(rasa_server, parser):
    remote = HttpParser(rasa_server)

    async def both(text):
        try:
            return await remote.parse(text, "fr"), await parser.parse(text, "fr")
        finally:
            await remote.close()

    over_http, in_process = asyncio.run(both("je suis en CDD de 6 mois, mon employeur va le savoir ?"))
    assert over_http.intent == in_process.intent
    assert over_http.confidence == pytest.approx(in_process.confidence, abs=1e-3)
    assert [e.name for e in over_http.entities] == [e.name for e in in_process.entities]


def test_an_unreachable_server_raises_quickly():
    remote = HttpParser(f"http://127.0.0.1:{free_port()}", timeout=2)

    async def go():
        try:
            await remote.parse("bonjour", "fr")
        finally:
            await remote.close()

    started = time.monotonic()
    with pytest.raises(NluUnavailable):
        asyncio.run(go())
    assert time.monotonic() - started < 5
