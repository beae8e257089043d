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


# --- three speeds ---------------------------------------------------------------------------------
# unit: the code alone, fakes for the NLU and the channels, SQLite files (milliseconds each);
# integration: one real part at a time (the trained Rasa model, PostgreSQL, a CLI in a subprocess);
# e2e: whole deployments (`assistant serve` processes, a real browser, Telegram's library against
# the fake Bot API over HTTP). `uv run pytest -m unit` for the quick loop; `uv run pytest` runs all.
# A test may say its tier with a marker; otherwise it is given one from what it uses.
TIERS = ("unit", "integration", "e2e")
E2E_MODULES = {"test_browser", "test_xss", "test_telegram", "test_serve", "test_workers", "test_faults",
               "test_faults_database", "test_faults_nlu"}
REAL_PARTS = {"nlu_model", "rasa_server"}  # fixtures that bring the trained model


def tier_of(item: pytest.Item) -> str:
    module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
    if module in E2E_MODULES or "browser" in item.fixturenames or "rasa_server" in item.fixturenames:
        return "e2e"
    params = getattr(getattr(item, "callspec", None), "params", {})
    if REAL_PARTS & set(item.fixturenames) or "postgresql" in params.values() or \
            (item.module is not None and "subprocess" in vars(item.module)):
        return "integration"
    return "unit"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if not any(item.get_closest_marker(tier) for tier in TIERS):
            item.add_marker(getattr(pytest.mark, tier_of(item)))
