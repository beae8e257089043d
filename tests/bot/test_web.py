"""The web channel over real HTTP: Rasa's REST protocol, bad input, ordering, persistence."""
from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import create_engine, text

from bot.config import session_secret
from bot.store import pseudonym
from bot.web import create_app
from handoff.repository import CaseDesk

WEBHOOK = "/webhooks/rest/webhook"


def post(server, sender, message, **extra):
    return httpx.post(server.url + WEBHOOK, json={"sender": sender, "message": message, **extra}, timeout=30)


def test_rest_protocol_shape(web_server):
    response = post(web_server, "alice", "bonjour")
    assert response.status_code == 200
    messages = response.json()
    assert isinstance(messages, list) and messages
    for m in messages:
        assert m["recipient_id"] == "alice" and isinstance(m["text"], str)
        assert set(m) <= {"recipient_id", "text", "buttons"}
        for b in m.get("buttons", []):
            assert set(b) == {"title", "payload"}
    payload = next(b["payload"] for m in messages for b in m.get("buttons", []) if "start_check" in b["payload"])
    answered = post(web_server, "alice", payload).json()
    assert any("Question 1" in m["text"] for m in answered)


def test_locale_from_accept_language_or_metadata(web_server):
    english = httpx.post(web_server.url + WEBHOOK, json={"sender": "bob", "message": "hi"},
                         headers={"Accept-Language": "en-GB,en;q=0.9"}).json()
    assert "free and confidential" in english[0]["text"]
    french = post(web_server, "carla", "hi", metadata={"locale": "fr"}).json()
    assert "gratuit et confidentiel" in french[0]["text"]


@pytest.mark.parametrize("body, reason", [
    (b"not json", "JSON"),
    (b"[]", "object"),
    (b'{"message": "x"}', "sender"),
    (b'{"sender": "", "message": "x"}', "sender"),
    (b'{"sender": "a", "message": 3}', "message must be a string"),
    (b'{"sender": "a", "message": "x", "metadata": []}', "metadata"),
])
def test_bad_requests_get_a_400_with_a_reason(web_server, body, reason):
    response = httpx.post(web_server.url + WEBHOOK, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert reason in response.json()["error"]


def test_health_and_pages(web_server):
    assert httpx.get(web_server.url + "/health").json()["status"] == "ok"
    page = httpx.get(web_server.url + "/", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and '<html lang="en">' in page.text and "Quick exit" in page.text
    assert "employeur n'est jamais informé" in httpx.get(web_server.url + "/confidentialite").text


def test_messages_of_one_conversation_sent_together_are_handled_in_order(web_server):
    async def burst():
        async with httpx.AsyncClient(base_url=web_server.url, timeout=60) as client:
            # Three connections open beforehand: a burst's later message must not overtake an
            # earlier one still setting up its connection (the server sees arrival, not sending).
            await asyncio.gather(*(client.get("/health") for _ in range(3)))
            await client.post(WEBHOOK, json={"sender": "dana", "message": "/start_check"})
            steps = [
                '/answer{"fact":"difficulties","value":"separation"}',
                '/answer{"fact":"situation","value":"salarie"}',
                '/answer{"fact":"sector","value":"prive_non_agricole"}',
            ]
            tasks = []
            for step in steps:
                tasks.append(asyncio.create_task(client.post(WEBHOOK, json={"sender": "dana", "message": step})))
                await asyncio.sleep(0.02)
            return [(await t).json() for t in tasks]

    results = asyncio.run(burst())
    assert "situation professionnelle" in results[0][-1]["text"]
    assert "secteur" in results[1][-1]["text"]
    assert "Combien de salariés" in results[2][-1]["text"]


def test_a_restarted_server_continues_the_conversation_at_the_same_question(settings, parser, running_server):
    with running_server(create_app(settings, parser)) as first:
        post(first, "eve", "/start_check")
        post(first, "eve", '/answer{"fact":"difficulties","value":"impayes_loyer"}')
    with running_server(create_app(settings, parser)) as second:
        replies = post(second, "eve", "salarié").json()
    assert "secteur" in replies[-1]["text"]


def test_erasing_removes_the_conversation_from_the_database(web_server, settings):
    post(web_server, "frank", "/start_check")
    post(web_server, "frank", "/erase_confirm")
    engine = create_engine(settings.database_url, future=True)
    with engine.connect() as conn:
        keys = [row[0] for row in conn.execute(text("select key from conversations"))]
    assert pseudonym(session_secret(settings), "web:frank") not in keys


def test_user_text_never_reaches_the_logs(web_server, caplog, capfd):
    import logging

    caplog.set_level(logging.DEBUG)
    post(web_server, "gina", "je m'appelle Zorglubette Marquise, 06 12 34 56 78")
    out, err = capfd.readouterr()
    for marker in ("Zorglubette", "06 12 34 56 78"):
        assert marker not in caplog.text and marker not in out + err


def test_purge_deletes_conversations_left_for_30_days(web_server, settings):
    import datetime as dt

    from bot.maintenance import run_purge

    post(web_server, "henri", "/start_check")
    post(web_server, "iris", "/start_check")
    engine = create_engine(settings.database_url, future=True)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE conversations SET updated_at = :old WHERE key = :key"),
            {"old": dt.datetime(2026, 1, 1), "key": pseudonym(session_secret(settings), "web:henri")},
        )
    report = run_purge(settings, now=dt.datetime(2026, 2, 15))
    assert report.conversations == 1
    with engine.connect() as conn:
        keys = [row[0] for row in conn.execute(text("select key from conversations"))]
    assert pseudonym(session_secret(settings), "web:henri") not in keys
    assert pseudonym(session_secret(settings), "web:iris") in keys


def test_metrics_count_without_any_text(web_server):
    post(web_server, "jules", "mon employeur sera-t-il prévenu Zorglub ?")
    post(web_server, "jules", "/start_check")
    body = httpx.get(web_server.url + "/metrics").text
    assert 'assistant_messages_total{channel="web",kind="text"}' in body
    assert 'assistant_messages_total{channel="web",kind="button"}' in body
    assert "assistant_message_seconds_bucket" in body and "assistant_nlu_confidence_bucket" in body
    assert 'assistant_outbox{status="pending"}' in body
    assert "Zorglub" not in body and "jules" not in body


def test_nlu_server_down_gives_a_fallback_with_the_phone_within_5_seconds(settings, monkeypatch, running_server):
    import socket
    import time

    from bot.config import load_settings

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]
    monkeypatch.setenv("RASA_URL", f"http://127.0.0.1:{dead_port}")
    with running_server(create_app(load_settings())) as server:
        post(server, "kim", "/start")
        started = time.monotonic()
        replies = post(server, "kim", "bonjour, mon employeur va savoir ?").json()
        assert time.monotonic() - started < 5
        assert "09 70 800 800" in replies[0]["text"]
        buttons = post(server, "kim", "/start_check").json()  # buttons need no NLU
        assert any("Question 1" in m["text"] for m in buttons)


def test_the_database_knows_conversations_by_a_pseudonym_only(web_server, settings):
    """A copy of the database must not say who wrote to the service: no sender id in clear."""
    post(web_server, "sender-7f3a9c", "/start_check")
    engine = create_engine(settings.database_url, future=True)
    with engine.connect() as conn:
        keys = [row[0] for row in conn.execute(text("select key from conversations"))]
    assert pseudonym(session_secret(settings), "web:sender-7f3a9c") in keys
    assert not any("sender-7f3a9c" in key for key in keys)


def test_conversations_stored_by_an_earlier_version_take_their_pseudonym(settings):
    import datetime as dt

    from cryptography.fernet import Fernet

    from bot.state import State
    from bot.store import ConversationStore, conversations, make_engine
    from handoff import Cipher

    engine = make_engine(settings.database_url)
    cipher = Cipher([Fernet.generate_key().decode()])
    ConversationStore(engine, cipher, "secret")  # creates the table
    state = State()
    state.facts["situation"] = "salarie"
    now = dt.datetime(2026, 11, 1)
    with engine.begin() as conn:
        conn.execute(
            conversations.insert().values(
                key="web:old-timer", state=cipher.encrypt_json(state.to_json()), created_at=now, updated_at=now
            )
        )
    store = ConversationStore(engine, cipher, "secret")
    with engine.connect() as conn:
        assert conn.execute(text("select key from conversations")).scalars().all() == [
            pseudonym("secret", "web:old-timer")
        ]
    assert store.load("web:old-timer").facts["situation"] == "salarie"


def test_every_response_carries_the_security_headers_and_the_pages_need_nothing_inline(web_server):
    from bot.middleware import CSP

    paths = ("/", "/confidentialite", "/health", "/metrics", "/console/login", "/static/chat.js",
             "/static/console.css", "/no-such-page")
    responses = [httpx.get(web_server.url + path) for path in paths]
    responses.append(httpx.post(web_server.url + "/webhooks/rest/webhook", json={"sender": "h", "message": "/start"}))
    responses.append(httpx.post(web_server.url + "/webhooks/rest/webhook", content=b"[1,2"))  # a 400
    for response in responses:
        headers = response.headers
        assert headers["content-security-policy"] == CSP, response.url
        assert "unsafe-inline" not in CSP and "frame-ancestors 'none'" in CSP
        assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer" and "camera=()" in headers["permissions-policy"]
        assert "strict-transport-security" not in headers  # http here; PUBLIC_URL in https adds it
    for page in responses[:2] + responses[4:5]:
        assert "<script>" not in page.text and "<style>" not in page.text and " style=" not in page.text


def test_hsts_only_when_the_service_is_public_over_https():
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from bot.middleware import SecurityHeaders

    for https in (False, True):
        app = Starlette(routes=[Route("/", lambda request: PlainTextResponse("x"))],
                        middleware=[Middleware(SecurityHeaders, https=https)])
        headers = TestClient(app).get("/").headers
        assert ("strict-transport-security" in headers) is https and headers["x-content-type-options"] == "nosniff"


def test_a_forged_urgent_handoff_makes_no_request_on_the_web(web_server):
    """The attack of the hardening issue: a fresh sender posts '/handoff{"urgent":true}' then the
    contact steps; nothing reaches the advisers' queue, let alone first."""
    sender = "forger-1"
    deployment = web_server.server.config.app.state.deployment
    before = sum(row[-1] for row in CaseDesk(deployment.cases).counts())
    said = []
    for message in ["/start", '/handoff{"urgent":true}', "/consent", "Camille Martin", "06 12 34 56 78", "/skip",
                    "75011", '/hset{"field":"means","value":"phone"}', '/hset{"field":"slot","value":"any"}',
                    '/hset{"field":"budget_offer","value":"no"}', "/confirm_handoff"]:
        response = httpx.post(web_server.url + "/webhooks/rest/webhook", json={"sender": sender, "message": message})
        said += [m["text"] for m in response.json()]
    assert not any("Votre référence" in text or "urgente" in text for text in said), said
    assert sum(row[-1] for row in CaseDesk(deployment.cases).counts()) == before  # no case made
