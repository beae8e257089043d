"""The Rasa server behind RASA_URL hangs (accepts connections, never answers): written messages
get a reply with the phone number within 5 s, buttons keep working, and once Rasa answers again
the assistant understands free text again — without a restart.

A real `rasa run --enable-api` with the test model, behind a TCP proxy the test switches
between "forward" and "hang"; a real `assistant serve` with RASA_URL pointing at the proxy.
"""
from __future__ import annotations

import socket
import threading
import time

import pytest
from processes import Serve, serve_env

PHONE = "09 70 800 800"
CANNOT_READ = "Je ne peux pas lire les messages écrits"
FAQ_QUESTION = "mon employeur sera-t-il au courant ?"  # answered by the FAQ: the employer is never told


class SwitchableProxy:
    """A TCP proxy: in "forward" mode it relays bytes both ways; in "hang" mode it accepts
    connections and reads what comes but never forwards nor answers (also on connections opened
    while forwarding, so a kept-alive connection hangs too)."""

    def __init__(self, target_port: int):
        self.target = ("127.0.0.1", target_port)
        self.mode = "forward"
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self._sockets.append(client)
            threading.Thread(target=self._client_to_upstream, args=(client,), daemon=True).start()

    def _client_to_upstream(self, client: socket.socket) -> None:
        upstream = None
        try:
            while data := client.recv(65536):
                if self.mode == "hang":
                    continue  # swallowed: the client waits for an answer that never comes
                if upstream is None:
                    upstream = socket.create_connection(self.target)
                    self._sockets.append(upstream)
                    threading.Thread(target=self._upstream_to_client, args=(upstream, client), daemon=True).start()
                upstream.sendall(data)
        except OSError:
            pass
        finally:
            for s in (client, upstream):
                if s is not None:
                    s.close()

    @staticmethod
    def _upstream_to_client(upstream: socket.socket, client: socket.socket) -> None:
        try:
            while data := upstream.recv(65536):
                client.sendall(data)
        except OSError:
            pass
        finally:
            client.close()

    def close(self) -> None:
        self.listener.close()
        for s in self._sockets:
            s.close()


@pytest.fixture
def proxy(rasa_server):
    proxy = SwitchableProxy(int(rasa_server.rsplit(":", 1)[1]))
    yield proxy
    proxy.close()


@pytest.fixture
def assistant_behind_proxy(nlu_model, tmp_path, proxy):
    with Serve(serve_env(nlu_model, tmp_path / "var", RASA_URL=proxy.url), tmp_path / "serve.log") as server:
        yield server


def text_of(replies: list[dict]) -> str:
    return "\n".join(r["text"] for r in replies)


def test_a_hanging_nlu_server_gets_the_phone_number_within_5_s_buttons_work_and_text_recovers(
    assistant_behind_proxy, proxy
):
    server = assistant_behind_proxy
    server.replies("lou", "/start")
    assert "employeur" in text_of(server.replies("lou", FAQ_QUESTION))  # understood while Rasa answers

    proxy.mode = "hang"
    for _attempt in range(2):  # every written message, not just the first one
        started = time.monotonic()
        replies = server.replies("lou", FAQ_QUESTION)
        elapsed = time.monotonic() - started
        assert elapsed < 5, f"the fallback took {elapsed:.1f} s"
        assert CANNOT_READ in text_of(replies) and PHONE in text_of(replies), replies
    started = time.monotonic()
    assert "Question 1" in text_of(server.replies("lou", "/start_check"))  # buttons need no NLU
    assert time.monotonic() - started < 2
    assert "situation professionnelle" in text_of(
        server.replies("lou", '/answer{"fact":"difficulties","value":"impayes_loyer"}')
    )

    proxy.mode = "forward"
    replies = server.replies("lou", "je suis salarié")  # free text again: the answer to the pending question
    assert CANNOT_READ not in text_of(replies) and "secteur" in text_of(replies), replies
    replies = server.replies("lou", FAQ_QUESTION)
    assert CANNOT_READ not in text_of(replies) and "employeur" in text_of(replies), replies
