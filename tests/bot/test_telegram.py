"""The Telegram channel for real over HTTP: python-telegram-bot polls a fake Bot API server."""
from __future__ import annotations

import time

import httpx
import pytest

from bot.web import create_app

CHAT = 424242


@pytest.fixture
def telegram_app(settings, parser, fake_bot_api, monkeypatch, running_server):
    monkeypatch.setenv("TELEGRAM_TOKEN", "123:TEST")
    monkeypatch.setenv("TELEGRAM_API_URL", fake_bot_api.url)
    from bot.config import load_settings

    with running_server(create_app(load_settings(), parser)) as server:
        yield server


def buttons_of(message):
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def test_faq_and_check_with_inline_buttons(telegram_app, fake_bot_api):
    fake_bot_api.user_says(CHAT, "/start")
    texts = fake_bot_api.wait_for(CHAT, 1)
    assert "gratuit et confidentiel" in texts[0]
    greeting = fake_bot_api.sent[0]
    assert any(b["callback_data"] == "/start_check" for b in buttons_of(greeting))

    fake_bot_api.user_says(CHAT, "mon employeur sera-t-il au courant ?")
    assert "employeur" in fake_bot_api.wait_for(CHAT, 2)[-1]

    fake_bot_api.user_presses(CHAT, "/start_check")
    texts = fake_bot_api.wait_for(CHAT, 4)
    assert "Question 1 sur" in texts[-1]
    assert "answerCallbackQuery" in fake_bot_api.calls
    fake_bot_api.user_presses(CHAT, '/answer{"fact":"difficulties","value":"impayes_loyer"}')
    assert "situation professionnelle" in fake_bot_api.wait_for(CHAT, 5)[-1]
    fake_bot_api.user_says(CHAT, "je suis salarié")
    assert "secteur" in fake_bot_api.wait_for(CHAT, 6)[-1]
    for message in fake_bot_api.sent:
        for button in buttons_of(message):
            assert len(button["callback_data"].encode()) <= 64


def test_english_from_language_code(telegram_app, fake_bot_api):
    fake_bot_api.user_says(CHAT + 1, "/start", language="en")
    assert "free and confidential" in fake_bot_api.wait_for(CHAT + 1, 1)[0]


def test_the_same_update_delivered_twice_is_processed_once(telegram_app, fake_bot_api):
    update_id = fake_bot_api.user_says(CHAT + 2, "/start")
    fake_bot_api.wait_for(CHAT + 2, 1)
    fake_bot_api.redeliver(update_id)
    fake_bot_api.user_says(CHAT + 2, "/help")
    texts = fake_bot_api.wait_for(CHAT + 2, 2)
    time.sleep(0.5)
    assert len(fake_bot_api.texts_to(CHAT + 2)) == 2
    assert "Commandes" in texts[-1]


def test_a_stale_button_is_answered_without_breaking_the_conversation(telegram_app, fake_bot_api):
    fake_bot_api.user_says(CHAT + 3, "/start")
    fake_bot_api.wait_for(CHAT + 3, 1)
    fake_bot_api.user_presses(CHAT + 3, '/answer{"fact":"contract","value":"cdi"}')
    assert "plus valable" in fake_bot_api.wait_for(CHAT + 3, 2)[-1]


def test_429_with_retry_after_is_retried_without_loss_or_duplicate(telegram_app, fake_bot_api):
    fake_bot_api.too_many_requests = 3  # as many retries as the rate limiter is given (max_retries=3)
    fake_bot_api.user_says(CHAT + 4, "/help")  # a first message: the greeting, then the help
    fake_bot_api.user_says(CHAT + 6, "/start")
    texts = fake_bot_api.wait_for(CHAT + 4, 2, timeout=30)
    fake_bot_api.wait_for(CHAT + 6, 1, timeout=30)
    time.sleep(1.5)  # a duplicate would have come by now
    assert fake_bot_api.refused == 3
    assert len(fake_bot_api.texts_to(CHAT + 4)) == 2 and len(fake_bot_api.texts_to(CHAT + 6)) == 1
    assert "gratuit et confidentiel" in texts[0] and "Commandes" in texts[1]


def test_webhook_mode_checks_the_secret_token(settings, parser, fake_bot_api, monkeypatch, running_server):
    monkeypatch.setenv("TELEGRAM_TOKEN", "123:TEST")
    monkeypatch.setenv("TELEGRAM_API_URL", fake_bot_api.url)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "https://assistant.example/webhooks/telegram")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "s3cret-token")
    from bot.config import load_settings

    with running_server(create_app(load_settings(), parser)) as server:
        assert "setWebhook" in fake_bot_api.calls
        update = {"update_id": 9001, "message": {"message_id": 1, "date": 0, "text": "/start",
                  "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                  "chat": {"id": CHAT + 5, "type": "private"},
                  "from": {"id": CHAT + 5, "is_bot": False, "first_name": "T", "language_code": "fr"}}}
        url = server.url + "/webhooks/telegram"
        assert httpx.post(url, json=update).status_code == 403
        assert httpx.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}).status_code == 403
        ok = httpx.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}, timeout=30)
        assert ok.status_code == 200
        assert "gratuit et confidentiel" in fake_bot_api.wait_for(CHAT + 5, 1)[0]
        # Anything that is not an update object is a 400 with its reason, never a 500.
        secret = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
        for body in (b"[1,2]", b'"x"', b"null", b"{}", b'{"update_id": "x"}', b"[" * 5000 + b"]" * 5000,
                     b'{"update_id": 9002, "message": [1]}', b"{not json", "\u00e9".encode("latin-1")):
            refused = httpx.post(url, content=body, headers={**secret, "Content-Type": "application/json"}, timeout=30)
            assert refused.status_code == 400 and refused.json() == {"error": "not a Telegram update"}, body[:40]


@pytest.mark.parametrize("language, pushed", [
    ("fr", "Message de votre conseiller : Je vous appelle demain matin."),
    ("en", "Message from your adviser: Je vous appelle demain matin."),  # the person's language, the adviser's words
])
def test_handoff_on_telegram_and_the_adviser_s_message_is_pushed(telegram_app, fake_bot_api, settings, language,
                                                                  pushed):
    import re

    from sqlalchemy import create_engine

    from handoff.advisers import add_adviser

    chat = CHAT + 7 + (100 if language == "en" else 0)
    steps = ["/start", "je suis en CDI et j'ai des impayés de loyer"]
    presses = ['/answer{"fact":"situation","value":"salarie"}', '/answer{"fact":"sector","value":"prive_non_agricole"}',
               '/answer{"fact":"company_size","value":"50"}']
    count = 0
    for text in steps:
        fake_bot_api.user_says(chat, text)
        count = len(fake_bot_api.wait_for(chat, count + 1))
    for data in presses:
        fake_bot_api.user_presses(chat, data)
        count = len(fake_bot_api.wait_for(chat, count + 1))
    for action, value in [
        ("say", "33000"),
        ("press", "/result"),
        ("press", "/handoff"),
        ("press", "/consent"),
        ("say", "Camille Martin"),
        ("say", "07 12 34 56 78"),
        ("press", "/skip"),
        ("press", '/hset{"field":"means","value":"phone"}'),
        ("press", '/hset{"field":"slot","value":"any"}'),
        ("press", '/hset{"field":"budget_offer","value":"no"}'),
        *([("press", '/language{"locale":"en"}')] if language == "en" else []),  # switched at the preview
        ("press", "/confirm_handoff"),
    ]:
        (fake_bot_api.user_says if action == "say" else fake_bot_api.user_presses)(chat, value)
        count = len(fake_bot_api.wait_for(chat, count + 1))
        time.sleep(0.2)
        count = len(fake_bot_api.texts_to(chat))
    reference = re.search(r"ASD-[A-Z0-9]{6}", " ".join(fake_bot_api.texts_to(chat)[-2:])).group()  # then its code

    engine = create_engine(settings.database_url, future=True)
    adviser = add_adviser(engine, "lea", "correct-horse-battery", "adviser", ["Nouvelle-Aquitaine"])
    from handoff import CaseRepository, Cipher
    from handoff.repository import CaseDesk

    repo = CaseRepository(engine, Cipher.from_config(None, settings.var_dir))
    assert repo.claim(reference, adviser.id)
    CaseDesk(repo).send_message(reference, adviser.id, "Je vous appelle demain matin.")
    texts = fake_bot_api.wait_for(chat, count + 1, timeout=20)
    assert texts[-1] == pushed


def test_workers_without_a_configured_webhook_secret_agree_on_one(settings, parser, monkeypatch):
    """Telegram pushes to whichever worker the proxy picks, with the secret the last worker
    registered: each worker must accept it."""
    monkeypatch.setenv("TELEGRAM_TOKEN", "123:TEST")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "https://assistant.example/webhooks/telegram")
    monkeypatch.delenv("TELEGRAM_WEBHOOK_SECRET", raising=False)
    monkeypatch.setenv("SESSION_SECRET", "shared-by-every-worker-" * 2)
    from bot.config import load_settings

    secrets = []
    for _ in range(2):  # two workers: two processes' worth of wiring from the same environment
        services = create_app(load_settings(), parser).state.deployment
        services.ready(parser)
        secrets.append(services.telegram.webhook_secret)
    assert secrets[0] == secrets[1]
    assert "shared-by-every-worker" not in secrets[0]  # derived, not the session secret itself


@pytest.mark.parametrize("value, numbers", [("violences", ("17 ou le 112", "3919")), ("sans_logement", ("115",))])
def test_danger_chosen_by_button_shows_the_numbers_at_once_on_telegram(telegram_app, fake_bot_api, value, numbers):
    chat = CHAT + (20 if value == "violences" else 21)
    fake_bot_api.user_says(chat, "/start")
    fake_bot_api.wait_for(chat, 1)
    fake_bot_api.user_presses(chat, "/start_check")
    fake_bot_api.wait_for(chat, 3)
    question = fake_bot_api.sent[-1]
    ticked = next(b["callback_data"] for b in buttons_of(question) if f'"{value}"' in b["callback_data"])
    fake_bot_api.user_taps_in(question, ticked)  # ticked among the difficulties: the numbers at once
    danger = fake_bot_api.wait_for(chat, 4)[3]
    confirm = next(b["callback_data"] for b in buttons_of(question) if b["text"] == "Valider")
    fake_bot_api.user_taps_in(question, confirm)
    texts = fake_bot_api.wait_for(chat, 6)
    following = texts[-1]
    for number in numbers:
        assert number in danger
    assert "situation professionnelle" in following  # the questionnaire goes on
    assert any("Salarié" in b["text"] for b in buttons_of(fake_bot_api.sent[-1]))


def test_no_dead_end_unknown_commands_stickers_and_the_privacy_command(telegram_app, fake_bot_api):
    chat = CHAT + 40
    fake_bot_api.user_says(chat, "/start")
    greeting = fake_bot_api.wait_for(chat, 1)[0]
    assert "http://127.0.0.1:8000/confidentialite" in greeting  # a link, not a bare "/confidentialite" command
    fake_bot_api.user_says(chat, "/fly_me_to_the_moon")
    assert "Commandes" in fake_bot_api.wait_for(chat, 2)[-1]  # the help
    fake_bot_api.user_sends_a_sticker(chat)
    assert "messages écrits" in fake_bot_api.wait_for(chat, 3)[-1]
    fake_bot_api.user_says(chat, "/confidentialite")
    assert "effacement" in fake_bot_api.wait_for(chat, 4)[-1] and "/confidentialite" in fake_bot_api.texts_to(chat)[-1]
    fake_bot_api.user_sends_a_sticker(chat, language="en")
    assert "written messages" in fake_bot_api.wait_for(chat, 5)[-1]


def test_a_group_chat_gets_a_polite_refusal_and_nothing_of_the_conversation(telegram_app, fake_bot_api):
    group = -(CHAT + 41)
    fake_bot_api.user_says(group, "/start", chat_type="group")
    fake_bot_api.user_says(group, "mon conjoint me frappe, j'ai des impayés de loyer", chat_type="group")
    texts = fake_bot_api.wait_for(group, 2)
    time.sleep(0.5)
    texts = fake_bot_api.texts_to(group)
    assert len(texts) == 2 and all("conversation privée" in t for t in texts), texts


def test_a_forged_urgent_handoff_button_is_neither_urgent_nor_a_request_on_telegram(telegram_app, fake_bot_api):
    """A client may send any callback data: '/handoff{"urgent":true}' from a fresh chat gets the
    phone line and the check, no notice, no urgent request (urgency is computed on the server)."""
    chat = CHAT + 50
    fake_bot_api.user_says(chat, "/start")
    fake_bot_api.wait_for(chat, 1)
    fake_bot_api.user_presses(chat, '/handoff{"urgent":true}')
    reply = fake_bot_api.wait_for(chat, 2)[-1]
    assert "09 70 800 800" in reply and "urgente" not in reply and "uniquement les conseillers sociaux" not in reply
    fake_bot_api.user_presses(chat, "/consent")  # the next forged step finds no notice to consent to
    assert "Que souhaitez-vous faire" in fake_bot_api.wait_for(chat, 3)[-1]
