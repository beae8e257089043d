"""RASA_URL: the same door, answered by Rasa's own server (`rasa run --enable-api`)."""
from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from nlu import NluUnavailable
from nlu.parsing import HttpParser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def rasa_server(nlu_model, tmp_path_factory):
    port = free_port()
    rasa = Path(sys.executable).parent / "rasa"
    log = tmp_path_factory.mktemp("rasa") / "rasa.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(rasa), "run", "--enable-api", "-m", str(nlu_model), "--port", str(port)],
                                stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path_factory.mktemp("cwd"))
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
            try:
                if httpx.get(f"{url}/status", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        else:
            raise AssertionError("rasa server not ready in 180 s")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


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
