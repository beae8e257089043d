from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Models trained by the tests are kept between runs, keyed by the data's fingerprint: the
# real model is trained once per data change, not once per test session.
TEST_MODELS = ROOT / "var" / "test-models"


@pytest.fixture(scope="session")
def nlu_model() -> Path:
    import nlu

    path, _ = nlu.train(TEST_MODELS)
    return path


@pytest.fixture(scope="session")
def parser(nlu_model):
    from nlu.parsing import InProcessParser

    return InProcessParser(nlu_model)


@pytest.fixture(scope="session")
def rasa_server(nlu_model, tmp_path_factory) -> str:
    """Rasa's own server (`rasa run --enable-api`) on the test model, once per session (about
    30 s and 1 GB to start): the URL of what RASA_URL points at in a deployment."""
    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path_factory.mktemp("rasa") / "rasa.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(Path(sys.executable).parent / "rasa"), "run", "--enable-api", "-m", str(nlu_model),
                                 "--port", str(port)],
                                stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path_factory.mktemp("rasa-cwd"))
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
            try:
                if httpx.get(f"{url}/status", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "rasa server not ready in 180 s"
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)
