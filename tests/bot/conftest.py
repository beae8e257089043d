from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest
import uvicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RunningServer:
    """The real Starlette app under uvicorn on a free port, in a thread of the test process
    (sharing the session's NLU model instead of loading it again)."""

    def __init__(self, app):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", ws="none", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError("server not ready")

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def settings(tmp_path, monkeypatch):
    from bot.config import load_settings

    monkeypatch.setenv("ASSISTANT_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("RASA_URL", raising=False)
    return load_settings()


@pytest.fixture
def web_server(settings, parser):
    from bot.web import create_app

    with RunningServer(create_app(settings, parser)) as server:
        yield server


@pytest.fixture
def running_server():
    """Start the app under uvicorn: `with running_server(app) as server: ...`."""
    return RunningServer


@pytest.fixture
def fake_bot_api():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from fake_bot_api import FakeBotApi

    api = FakeBotApi()
    with RunningServer(api.app) as server:
        api.url = server.url
        yield api


CHROMIUM = "/usr/bin/chromium"  # Debian's: Playwright never downloads a browser here


@pytest.fixture
def browser():
    """Debian's Chromium, headless, driven by Playwright (a test using it is of the e2e tier)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
        ])
        yield browser
        browser.close()
