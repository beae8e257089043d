"""Follow-up over HTTP, with the real app, model and SQLite: the event stream an open page reads
(the adviser's message without the person writing; bad bodies refused with a reason), the /suivi
page, and a request followed, exported and erased from a new conversation after the one that
made it was purged."""
from __future__ import annotations

import datetime as dt
import json
import re

import httpx
import pytest
from sqlalchemy import create_engine, select
from test_console import confirmation_on_the_web, say

from handoff.orm import cases
from handoff.repository import CaseDesk

EVENTS = "/chat/events"


def _request(server, sender):
    confirmation = " ".join(confirmation_on_the_web(server, sender))
    reference = re.search(r"ASD-[A-Z0-9]{6}", confirmation).group()
    code = re.search(r"Code de suivi : ([A-Z0-9]{5}-[A-Z0-9]{5})", confirmation).group(1)
    return reference, code


@pytest.mark.parametrize("body, reason", [
    (b"pas du json", "JSON"), (b"[1, 2]", "sender"), (b'{"sender": ""}', "sender"), (b'{"sender": 5}', "sender"),
    (b'{"sender": "' + b"x" * 200 + b'"}', "sender"),
])
def test_the_event_stream_refuses_a_bad_body_with_a_reason(web_server, body, reason):
    response = httpx.post(web_server.url + EVENTS, content=body, timeout=10)
    assert response.status_code == 400 and reason in response.json()["error"]


def test_the_follow_up_page_opens_the_chat_on_the_reference_and_code(web_server):
    page = httpx.get(web_server.url + "/suivi", timeout=10)
    assert page.status_code == 200 and 'data-start="/follow"' in page.text
    assert 'data-start=""' in httpx.get(web_server.url + "/", timeout=10).text


def test_an_open_page_receives_the_adviser_s_message_without_writing(web_server):
    reference, _ = _request(web_server, "waiting-page")
    deployment = web_server.server.config.app.state.deployment
    from handoff.advisers import add_adviser

    adviser = add_adviser(deployment.cases.engine, "lea", "Tr0mbone-Velours-Agrume", "adviser",
                          ["Auvergne-Rhône-Alpes"])
    CaseDesk(deployment.cases).send_message(reference, adviser.id, "Je vous rappelle à 14 h.")
    with httpx.stream("POST", web_server.url + EVENTS, json={"sender": "waiting-page"}, timeout=20) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("data:"):
                event = json.loads(line[5:])
                break
    assert event["text"] == "Message de votre conseiller : Je vous rappelle à 14 h."
    assert [b["payload"] for b in event["buttons"]] == ["/write_adviser"]
    assert not any("Je vous rappelle" in t for t in say(web_server, "waiting-page", "/status"))  # shown once


def test_after_the_conversation_is_purged_a_new_one_follows_exports_and_erases_the_request(web_server, settings):
    from bot.maintenance import run_purge

    reference, code = _request(web_server, "old-tab")
    run_purge(settings, now=dt.datetime.now() + dt.timedelta(days=31))  # the conversation is gone
    assert "Je ne trouve aucune demande" in " ".join(say(web_server, "old-tab", "/status"))
    texts = say(web_server, "new-phone", f"{reference} {code}")
    assert any("maintenant suivie" in t for t in texts)
    exported = " ".join(say(web_server, "new-phone", "voir mes données"))
    assert reference in exported and "Zorglubette Marquise" in exported
    say(web_server, "new-phone", "/erase_data")
    say(web_server, "new-phone", "/erase_confirm")
    engine = create_engine(settings.database_url, future=True)
    with engine.connect() as conn:
        assert conn.execute(select(cases).where(cases.c.reference == reference)).first() is None


def test_requests_from_one_address_are_bounded_per_hour_and_the_burst_counted(settings, parser, running_server,
                                                                              monkeypatch):
    """Rotating sender ids does not multiply requests: the client address is what is bounded
    (CASES_PER_HOUR, 1 here); past it, the person is told to call, their draft kept."""
    from bot.config import load_settings
    from bot.web import create_app

    def bursts(server) -> float:
        found = re.search(r'assistant_case_bursts_total\{channel="web"\} ([0-9.e+]+)',
                          httpx.get(server.url + "/metrics", timeout=10).text)
        return float(found.group(1)) if found else 0.0

    monkeypatch.setenv("CASES_PER_HOUR", "1")
    with running_server(create_app(load_settings(), parser)) as server:
        before = bursts(server)  # the metrics are the process's: other tests count too
        assert any("C'est transmis" in t for t in confirmation_on_the_web(server, "rotating-1"))
        second = " ".join(confirmation_on_the_web(server, "rotating-2"))
        assert "Beaucoup de demandes sont parties de cette connexion" in second and "09 70 800 800" in second
        assert "C'est transmis" not in second
        again = " ".join(say(server, "rotating-2", "/confirm_handoff"))  # the draft is kept: the same answer
        assert "Beaucoup de demandes" in again
        assert bursts(server) - before == 2  # each refusal counted
        deployment = server.server.config.app.state.deployment
        assert len(deployment.cases.queue()) == 1
