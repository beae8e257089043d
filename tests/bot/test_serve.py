"""`assistant serve` starts a real server process that answers its health check."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_starts_and_reports_health(tmp_path, nlu_model):
    port = free_port()
    env = {**os.environ, "ASSISTANT_VAR_DIR": str(tmp_path / "var"), "ASSISTANT_MODELS_DIR": str(nlu_model.parent)}
    assistant = Path(sys.executable).parent / "assistant"
    proc = subprocess.Popen([str(assistant), "serve", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                if response.status_code == 200:
                    break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read().decode()
                time.sleep(0.3)
        else:
            raise AssertionError("server not ready within 180 s")
        assert response.status_code == 200
        assert response.json()["status"] == "ok"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_cli_rejects_an_unknown_command_in_one_line():
    assistant = Path(sys.executable).parent / "assistant"
    result = subprocess.run([str(assistant), "launch"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("assistant: ") and "Traceback" not in result.stderr


def test_a_busy_port_is_said_at_once_before_training_or_touching_the_database(tmp_path):
    """No model in the models directory: without the check, serve would train one (minutes)
    before uvicorn found the port taken."""
    assistant = Path(sys.executable).parent / "assistant"
    env = {**os.environ, "ASSISTANT_VAR_DIR": str(tmp_path / "var"), "ASSISTANT_MODELS_DIR": str(tmp_path / "no-model")}
    env.pop("DATABASE_URL", None)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        result = subprocess.run([str(assistant), "serve", "--port", str(port)], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip() == f"assistant: cannot listen on 127.0.0.1:{port}: address already in use"
    assert time.monotonic() - started < 20  # the CLI's start, nothing more
    assert not (tmp_path / "no-model").exists() and not (tmp_path / "var").exists()
