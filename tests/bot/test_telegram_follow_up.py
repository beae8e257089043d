"""The person's side on Telegram, for real over HTTP against the fake Bot API: a request made on
the web followed from Telegram with /suivi, its reference and its code; the adviser's message
pushed with a button to answer, in the person's language; the answer reaching the console; and a
button whose payload exceeds Telegram's 64 bytes sent as a short token that reads back."""
from __future__ import annotations

import asyncio
import re

import pytest
from test_console import advisers, confirmation_on_the_web, csrf_of, login  # noqa: F401 -- advisers is a fixture
from test_telegram import buttons_of, telegram_app  # noqa: F401 -- telegram_app is a fixture

from bot.replies import Button, Reply, payload

pytestmark = pytest.mark.e2e
CHAT = 515151


def _press_and_wait(api, chat, data, count):
    api.user_presses(chat, data)
    return api.wait_for(chat, count + 1)


def test_a_web_request_is_followed_on_telegram_and_the_adviser_and_the_person_write_to_each_other(
        telegram_app, fake_bot_api, advisers):  # noqa: F811
    confirmation = " ".join(confirmation_on_the_web(telegram_app, sender="web-first"))
    reference = re.search(r"ASD-[A-Z0-9]{6}", confirmation).group()
    code = re.search(r"Code de suivi : ([A-Z0-9]{5}-[A-Z0-9]{5})", confirmation).group(1)

    fake_bot_api.user_says(CHAT, "/suivi", language="en")
    texts = fake_bot_api.wait_for(CHAT, 2)  # the greeting, then the question
    assert "reference (ASD-…)" in texts[-1]
    fake_bot_api.user_says(CHAT, reference, language="en")
    assert "follow-up code" in fake_bot_api.wait_for(CHAT, 3)[-1]
    fake_bot_api.user_says(CHAT, code, language="en")
    texts = fake_bot_api.wait_for(CHAT, 5)
    assert "now followed in this conversation" in texts[-2] and reference in texts[-1]

    client, _ = login(telegram_app, "marie", "correct-horse-battery")
    csrf = csrf_of(client.get(f"/console/cases/{reference}").text)
    client.post(f"/console/cases/{reference}/claim", data={"csrf": csrf})
    client.post(f"/console/cases/{reference}/message", data={"csrf": csrf, "body": "Je vous appelle lundi."})
    texts = fake_bot_api.wait_for(CHAT, 6, timeout=20)
    assert texts[-1] == "Message from your adviser: Je vous appelle lundi."  # pushed, in the person's language
    pushed = [m for m in fake_bot_api.sent if int(m["chat_id"]) == CHAT][-1]
    assert [b["callback_data"] for b in buttons_of(pushed)] == ["/write_adviser"]

    assert "Write your message for your adviser" in _press_and_wait(fake_bot_api, CHAT, "/write_adviser", 6)[-1]
    fake_bot_api.user_says(CHAT, "Monday is fine, after 5 pm please.", language="en")
    assert "passed on to your adviser" in fake_bot_api.wait_for(CHAT, 8)[-1]
    page = client.get(f"/console/cases/{reference}").text
    assert "Monday is fine, after 5 pm please." in page and "de la personne" in page


def test_a_button_whose_payload_exceeds_64_bytes_travels_as_a_token_and_reads_back(
        telegram_app, fake_bot_api):  # noqa: F811
    deployment = telegram_app.server.config.app.state.deployment
    long_payload = payload("faq", topic="confidentialite_employeur", origin="un bouton au payload bien trop long")
    assert len(long_payload.encode()) > 64
    reply = Reply("Une question ?", (Button("Mon employeur le saura-t-il ?", long_payload),
                                     Button("Menu", payload("menu"))))
    chat = CHAT + 1
    asyncio.run_coroutine_threadsafe(deployment.telegram.send(chat, reply), deployment.loop).result(timeout=10)
    sent = fake_bot_api.wait_for(chat, 1)
    message = [m for m in fake_bot_api.sent if int(m["chat_id"]) == chat][-1]
    data = [b["callback_data"] for b in buttons_of(message)]
    assert len(data) == 2 and data[1] == "/menu"  # none removed
    assert data[0].startswith("/k:") and len(data[0].encode()) <= 64
    fake_bot_api.user_presses(chat, data[0])
    # The long payload's own answer (after the greeting: this chat is new), whatever came between.
    _wait_for_text(fake_bot_api, chat, "Le service est confidentiel vis-à-vis de votre employeur", after=len(sent))
    count = len(fake_bot_api.texts_to(chat))
    fake_bot_api.user_presses(chat, "/k:forgedtokenforged123")
    _wait_for_text(fake_bot_api, chat, "Je ne connais pas cette commande", after=count)


def _wait_for_text(api, chat, needle, after=0, timeout=30.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(needle in text for text in api.texts_to(chat)[after:]):
            return
        time.sleep(0.05)
    raise AssertionError(f"{needle!r} never sent to {chat}: {api.texts_to(chat)[after:]}")


def test_the_web_to_telegram_deep_link_carries_the_conversation_and_the_case_over_once(
        telegram_app, fake_bot_api, advisers):  # noqa: F811
    import httpx
    from test_console import say

    reference = re.search(r"ASD-[A-Z0-9]{6}",
                          " ".join(confirmation_on_the_web(telegram_app, sender="web-to-tg"))).group()
    status = httpx.post(telegram_app.url + "/webhooks/rest/webhook",
                        json={"sender": "web-to-tg", "message": "/status"}, timeout=30).json()
    assert "/continue_telegram" in [b["payload"] for m in status for b in m.get("buttons", [])]
    link = re.search(r"https://t\.me/assistant_test_bot\?start=([A-Za-z0-9_-]+)",
                     " ".join(say(telegram_app, "web-to-tg", "/continue_telegram")))
    assert link, "no deep link"
    chat = CHAT + 2
    fake_bot_api.user_says(chat, f"/start {link.group(1)}")
    texts = fake_bot_api.wait_for(chat, 2)
    assert f"Votre demande {reference} vous suit" in texts[0] and "gratuit et confidentiel" not in " ".join(texts)
    assert "Je ne trouve aucune demande" in " ".join(say(telegram_app, "web-to-tg", "/status"))  # moved, not copied

    fake_bot_api.user_says(chat + 1, f"/start {link.group(1)}")  # the same link again, elsewhere
    assert "plus valable" in fake_bot_api.wait_for(chat + 1, 1)[-1]

    client, _ = login(telegram_app, "marie", "correct-horse-battery")
    csrf = csrf_of(client.get(f"/console/cases/{reference}").text)
    client.post(f"/console/cases/{reference}/claim", data={"csrf": csrf})
    client.post(f"/console/cases/{reference}/message", data={"csrf": csrf, "body": "Bien reçu sur Telegram ?"})
    assert fake_bot_api.wait_for(chat, len(texts) + 1, timeout=20)[-1] == (
        "Message de votre conseiller : Bien reçu sur Telegram ?")

    # And back: from Telegram, a one-time link to the web.
    count = len(fake_bot_api.texts_to(chat))
    fake_bot_api.user_presses(chat, "/continue_web")
    back = re.search(r"/\?reprise=([A-Za-z0-9_-]+)", fake_bot_api.wait_for(chat, count + 1)[-1]).group(1)
    texts = say(telegram_app, "web-again", f'/handover{{"token":"{back}"}}')
    assert f"Votre demande {reference} vous suit" in texts[0]
    assert f"Votre demande {reference} : prise en charge par un conseiller" in " ".join(
        say(telegram_app, "web-again", "/status"))


def test_several_difficulties_are_ticked_in_place_then_sent_together_on_telegram(
        telegram_app, fake_bot_api):  # noqa: F811
    import time

    chat = CHAT + 5
    fake_bot_api.user_says(chat, "/start")
    fake_bot_api.wait_for(chat, 1)
    fake_bot_api.user_presses(chat, "/start_check")
    deadline = time.monotonic() + 20
    while "Cochez-en une ou plusieurs" not in fake_bot_api.texts_to(chat)[-1] and time.monotonic() < deadline:
        time.sleep(0.05)
    shown = len(fake_bot_api.texts_to(chat))
    question = [m for m in fake_bot_api.sent if int(m["chat_id"]) == chat][-1]
    titles = [b["text"] for b in buttons_of(question)]
    assert "☐ Loyers impayés" in titles and "Valider" in titles

    def tap(title):
        edits = len(fake_bot_api.edits)
        button = next(b for b in buttons_of(question) if b["text"].endswith(title))
        fake_bot_api.user_taps_in(question, button["callback_data"])
        deadline = time.monotonic() + 10
        while len(fake_bot_api.edits) == edits and time.monotonic() < deadline:
            time.sleep(0.05)

    for title in ("Loyers impayés", "Surendettement", "Surendettement"):  # the last unticks
        tap(title)
    assert len(fake_bot_api.texts_to(chat)) == shown  # ticking sends nothing
    tap("Violences")
    assert "3919" in fake_bot_api.wait_for(chat, shown + 1)[-1]  # but a danger ticked shows its numbers at once
    titles = [b["text"] for b in buttons_of(question)]
    assert "☑ Loyers impayés" in titles and "☑ Violences" in titles and "☐ Surendettement" in titles
    shown += 1
    tap("Surendettement")
    confirm = next(b for b in buttons_of(question) if b["text"] == "Valider")
    assert confirm["callback_data"].startswith("/k:")  # three values: past 64 bytes, a token
    fake_bot_api.user_taps_in(question, confirm["callback_data"])
    texts = fake_bot_api.wait_for(chat, shown + 2)
    assert "3919" in texts[shown] and "situation professionnelle" in texts[-1]
    deployment = telegram_app.server.config.app.state.deployment
    state = deployment.store.load(f"telegram:{chat}")
    assert state.facts["difficulties"] == ["impayes_loyer", "surendettement", "violences"]  # in the question's order


def test_the_langue_and_suivi_commands_are_handled(telegram_app, fake_bot_api):  # noqa: F811
    chat = CHAT + 9
    fake_bot_api.user_says(chat, "/start")
    fake_bot_api.wait_for(chat, 1)
    fake_bot_api.user_says(chat, "/langue")
    assert "I'll continue in English" in " ".join(fake_bot_api.wait_for(chat, 2)[1:])
    count = len(fake_bot_api.texts_to(chat))
    fake_bot_api.user_says(chat, "/suivi")
    assert "reference (ASD-…)" in fake_bot_api.wait_for(chat, count + 1)[-1]
