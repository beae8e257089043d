"""Bad input never breaks a conversation: whatever a person (or a script, or a forged button)
sends, the engine and the web endpoint answer, and the conversation still works afterwards.
Oversized bodies get a 413, long texts a polite request to shorten them, floods a polite wait."""
from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from processes import ELIGIBLE_STORY
from sqlalchemy import create_engine, text

import nlu
import rules_adapter
from bot.config import session_secret
from bot.dialogue import Dialogue
from bot.ratelimit import RateLimiter
from bot.replies import parse_payload
from bot.service import Assistant
from bot.state import IDLE, SUMMARY, State
from bot.store import pseudonym
from bot.web import MAX_BODY

WEBHOOK = "/webhooks/rest/webhook"
COMMANDS = ("start", "menu", "ask_question", "start_check", "answer", "why", "back", "edit", "result", "summary", "faq",
            "resume", "ask_human", "handoff", "consent", "consent_refuse", "hset", "skip", "hedit", "confirm_handoff",
            "cancel_handoff", "export", "withdraw", "withdraw_confirm", "restart", "help", "language", "erase_data",
            "erase_confirm", "status")
FIELDS = ("name", "phone", "email", "postcode", "means", "slot", "sensitive", "budget_offer", "income", "salary", "")
ODD_VALUES = ("", "x" * 600, "1e999", "-1", "-0", "NaN", "Infinity", "0x10", "3.7", "99999999999999999999999",
              "2026-13-45|am", "2026-01-01|night", "a|b|c", "any", "yes", "no", "true", "phone", "en", "de",
              "<script>window.__xss=1</script>", "\x00", "😀")

# --- what a person, a script or a forger may send -------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-10**30, max_value=10**30) | st.floats() | st.text(max_size=20)
    | st.sampled_from(ODD_VALUES),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
known_values = st.sampled_from(
    [*rules_adapter.ASKING_ORDER, "postcode", "occupancy", "salary", "", *FIELDS, "confidentialite_employeur",
     "urgence_violences", "no_such_topic", *ODD_VALUES])


@st.composite
def forged_payloads(draw) -> str:
    """`/command{json}` with known or unknown commands, real or absurd arguments."""
    name = draw(st.sampled_from(COMMANDS) | st.from_regex(r"[a-z_]{1,12}", fullmatch=True))
    args = draw(
        st.dictionaries(
            st.sampled_from(["fact", "value", "topic", "field", "locale", "urgent"]) | st.text(max_size=4),
            json_values | known_values,
            max_size=3,
        )
    )
    return f"/{name}{json.dumps(args, ensure_ascii=draw(st.booleans()))}" if args else f"/{name}"


broken_payloads = st.sampled_from(
    [
        "/",
        "//",
        "/ start",
        "/answer{",
        '/answer{"fact":',
        "/answer{'fact': 'situation'}",
        "/answer[]",
        '/answer"x"',
        "/answer{}trailing",
        '/answer{"fact":"situation","value":"salarie"',
        "/start_check{{}}",
        "/" + "a" * 600,
        '/answer{"fact":"company_size","value":NaN}',
        '/answer{"fact":"company_size","value":1e999}',
        "/\x00",
        "/😀",
    ]
)
ordinary_texts = st.sampled_from(
    [
        "bonjour",
        "mon employeur sera-t-il au courant ?",
        "CDD de 6 mois",
        "on est 200 dans la boîte",
        "75011",
        "97400",
        "je suis salarié",
        "oui",
        "non",
        "retour",
        "annuler",
        "effacer mes données",
        "voir mes données",
        "où en est ma demande ?",
        "ASD-7K3F9Q",
        "Camille Martin",
        "06 12 34 56 78",
        "camille@exemple.fr",
        "1 450 €",
        "il me frappe",
        "je dors dans ma voiture",
        "english please",
        "hello",
        "I can't pay my rent",
    ]
)
markup_texts = st.sampled_from(
    [
        "<script>window.__xss=1</script>",
        '<img src=x onerror="window.__xss=1">',
        "**gras** _italique_ `code`",
        "[lien](javascript:alert(1))",
        "# titre\n- liste",
        "&lt;&amp;&gt;",
        "{{ 7*7 }} {% if %}",
        "${jndi:ldap://x}",
        "'; DROP TABLE conversations; --",
        "%s%s%s%n",
    ]
)
numbers = (
    st.integers(min_value=-(10**40), max_value=10**40).map(str)
    | st.floats(allow_nan=True, allow_infinity=True).map(str)
    | st.sampled_from(["1e999", "-0", "0000000", "٣٤٥", "½", "10⁹", "1,5", "9" * 300])
)
huge_texts = st.builds(
    lambda unit, n: unit * n,
    st.sampled_from(["a", "é ", "😀", "<b>x</b>", "\x00", "mot "]),
    st.integers(min_value=2001, max_value=100_000),
)
any_text = (
    st.text(max_size=60)  # every script, emoji, control characters
    | st.text(alphabet=st.characters(whitelist_categories=("Cc", "Cf", "Zs", "Zl", "Zp", "Mn")), max_size=20)
)
messages = (
    st.just("")
    | st.just("   \n\t ")
    | any_text
    | ordinary_texts
    | markup_texts
    | numbers
    | huge_texts
    | forged_payloads()
    | broken_payloads
)
# Starting points where forged buttons hurt most: the check, an eligible result, an urgent handoff.
ELIGIBLE = ELIGIBLE_STORY
openings = st.sampled_from(
    [
        [],
        ["/start_check"],
        ELIGIBLE,
        ELIGIBLE + ["/handoff", "/consent"],
        ['/handoff{"urgent":true}', "/consent"],
        ['/handoff{"urgent":true}', "/consent", "Camille Martin"],
    ]
)
conversations = st.tuples(openings, st.lists(messages, min_size=1, max_size=6)).map(lambda t: t[0] + t[1])


def assert_a_proper_answer(replies, said) -> None:
    assert replies, f"no reply to {said[:80]!r}"
    for reply in replies:
        assert isinstance(reply.text, str) and reply.text.strip(), f"an empty reply to {said[:80]!r}"
        for button in reply.buttons:
            assert button.title.strip() and parse_payload(button.payload) is not None, button


def assert_it_still_works(replies_to_start_check, replies_to_an_answer) -> None:
    texts = [r.text for r in replies_to_start_check]
    assert any("Question 1 sur" in t or "Question 1 of" in t for t in texts), texts
    texts = [r.text for r in replies_to_an_answer]
    assert any("Question 2 sur" in t or "Question 2 of" in t for t in texts), texts


# --- the dialogue engine, with the real NLU model -------------------------------------------------


@pytest.fixture(scope="module")
def dialogue(parser, tmp_path_factory):
    from cryptography.fernet import Fernet

    from bot.store import make_engine
    from handoff import CaseRepository, Cipher
    from handoff.migrate import upgrade
    from handoff.service import HandoffService

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 'fuzz.db'}")
    upgrade(engine)
    handoff = HandoffService(CaseRepository(engine, Cipher([Fernet.generate_key().decode()])))
    return Dialogue(parser, nlu.FaqContent(), handoff=handoff)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(conversation=conversations)
@example(conversation=["FRAPPE"])  # a fact told before the check: it starts past it
@example(conversation=["je suis en CDI dans une boîte de 300 salariés à Lyon, loyers impayés"])
def test_any_sequence_of_messages_gets_answers_and_leaves_a_working_conversation(dialogue, conversation):
    async def run():
        state = State()
        address = f"fuzz:{uuid.uuid4()}"
        for message in conversation:
            turn = await dialogue.handle(message, state, None, address=address)
            assert_a_proper_answer(turn.replies, message)
            # What the store will write: plain JSON (no NaN, no object), and read back the same.
            stored = json.loads(json.dumps(state.to_json(), allow_nan=False))
            state = State.from_json(stored)
            assert state.to_json() == stored
        # Facts the person told before the check (a story, a word like "loyer") are its first
        # answers: the check then starts past them, and goes on one question at a time.
        from rules_adapter import ASKING_ORDER

        noted = len([f for f in state.answered if f in ASKING_ORDER]) if state.mode == IDLE else 0
        started = (await dialogue.handle("/start_check", state, None, address=address)).replies
        if not noted:
            answer = "I can't pay my rent" if state.locale == "en" else "j'ai des impayés de loyer"
            answered = (await dialogue.handle(answer, state, None, address=address)).replies
            assert_it_still_works(started, answered)
            return
        texts = [r.text for r in started]
        if state.mode == SUMMARY:  # everything needed was told already
            assert any("Voici vos réponses" in t or "Here are your answers" in t for t in texts), texts
            return
        assert state.question not in state.answered
        asked = next(r for r in started if re.search(r"Question \d+ (sur|of) ", r.text))
        position = int(re.search(r"Question (\d+)", asked.text).group(1))
        assert position == noted + 1, texts
        answered = (await dialogue.handle(asked.buttons[0].payload, state, None, address=address)).replies
        texts = [r.text for r in answered]
        assert any(
            f"Question {position + 1} " in t
            or "Voici vos réponses" in t
            or "Here are your answers" in t
            or "préciser" in t
            or "say a few words" in t
            for t in texts
        ), texts

    asyncio.run(run())


def test_the_engine_reads_a_100_kb_text_without_breaking(dialogue):
    async def run():
        state = State()
        await dialogue.handle("/start_check", state)
        huge = "j'ai des impayés de loyer " + "blabla " * 15_000
        replies = (await dialogue.handle(huge, state)).replies
        assert replies and "Question 2 sur" in replies[-1].text  # its first 2000 characters were read

    asyncio.run(run())


# --- the web endpoint, over real HTTP -------------------------------------------------------------


def post(server, sender, message, **extra):
    return httpx.post(server.url + WEBHOOK, json={"sender": sender, "message": message, **extra}, timeout=60)


def texts_of(response) -> list[str]:
    assert response.status_code == 200, (response.status_code, response.text[:300])
    replies = response.json()
    assert isinstance(replies, list) and replies
    assert all(isinstance(r["text"], str) and r["text"].strip() for r in replies)
    return [r["text"] for r in replies]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(conversation=conversations)
def test_the_web_endpoint_answers_any_sequence_with_a_200_and_a_reply(web_server, conversation):
    sender = str(uuid.uuid4())
    for message in conversation:
        body = json.dumps({"sender": sender, "message": message}, ensure_ascii=False).encode()
        response = httpx.post(
            web_server.url + WEBHOOK, content=body, headers={"Content-Type": "application/json"}, timeout=60
        )
        if len(body) > MAX_BODY:
            assert response.status_code == 413 and response.json()["error"]
        else:
            texts_of(response)
    started = texts_of(post(web_server, sender, "/start_check"))
    answered = texts_of(post(web_server, sender, '/answer{"fact":"difficulties","value":"impayes_loyer"}'))
    asked = [int(m.group(1)) for t in started for m in [re.search(r"Question (\d+) (?:sur|of) ", t)] if m]
    if asked == [1]:  # nothing told before: the check from its first question, then the second
        assert any("Question 2 sur" in t or "Question 2 of" in t for t in answered), answered
        return
    # A fact told in the sequence ("FRAPP": violence) is the check's first answer, as in the
    # engine's test above: the check starts past it, or at the summary, and still moves on.
    summary = re.compile(r"Voici vos réponses|Here are your answers")
    assert (asked and asked[0] > 1) or any(summary.search(t) for t in started), started
    assert any(re.search(r"Question \d+ (sur|of) ", t) or summary.search(t) for t in answered), answered


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    body=json_values
    | st.dictionaries(st.sampled_from(["sender", "message", "metadata"]), json_values, max_size=3)
    | st.fixed_dictionaries(
        {
            "sender": json_values | st.text(max_size=140),
            "message": json_values | st.text(max_size=40),
            "metadata": json_values | st.dictionaries(st.just("locale"), json_values),
        }
    )
)
def test_any_json_body_gets_an_answer_or_a_400_with_a_reason_never_a_500(web_server, body):
    response = httpx.post(
        web_server.url + WEBHOOK,
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert response.status_code in (200, 400), (response.status_code, response.text[:300])
    if response.status_code == 400:
        assert isinstance(response.json()["error"], str) and "Traceback" not in response.text
    else:
        assert response.json() and all(m["text"] for m in response.json())


def test_a_sender_with_control_characters_gets_a_400(web_server):
    response = post(web_server, "abc\x00def", "bonjour")
    assert response.status_code == 400 and "printable" in response.json()["error"]


# --- sizes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [WEBHOOK, "/webhooks/telegram", "/console/login"])
def test_a_body_over_the_limit_gets_a_413_with_a_reason(web_server, path):
    big = json.dumps({"sender": "big", "message": "x" * MAX_BODY}).encode()
    response = httpx.post(web_server.url + path, content=big, headers={"Content-Type": "application/json"}, timeout=60)
    assert response.status_code == 413
    assert str(MAX_BODY) in response.json()["error"]


@pytest.mark.parametrize(
    "path, content_type, start, end",
    [
        (WEBHOOK, "application/json", b'{"sender": "streamer", "message": "', b'"}'),
        ("/console/login", "application/x-www-form-urlencoded", b"csrf=x&login=marie&password=", b""),
    ],
)
def test_a_streamed_body_without_content_length_is_counted_and_refused_over_the_limit(
    web_server, path, content_type, start, end
):
    def chunks():  # httpx sends a generator as Transfer-Encoding: chunked, without Content-Length
        yield start
        for _ in range(MAX_BODY // 4096 + 2):
            yield b"x" * 4096
        yield end

    response = httpx.post(web_server.url + path, content=chunks(), headers={"Content-Type": content_type}, timeout=60)
    assert response.status_code == 413
    assert str(MAX_BODY) in response.json()["error"]


def test_a_streamed_body_under_the_limit_is_read(web_server):
    def chunks():
        yield b'{"sender": "small-streamer", '
        yield b'"message": "bonjour"}'

    response = httpx.post(
        web_server.url + WEBHOOK, content=chunks(), headers={"Content-Type": "application/json"}, timeout=60
    )
    assert "gratuit et confidentiel" in " ".join(texts_of(response))


def test_a_text_too_long_is_answered_politely_in_the_conversation_s_language_and_changes_nothing(web_server, settings):
    post(web_server, "talkative", "/start_check")
    post(web_server, "talkative", '/language{"locale":"en"}')
    engine = create_engine(settings.database_url, future=True)
    row = {"key": pseudonym(session_secret(settings), "web:talkative")}
    with engine.connect() as conn:
        before = conn.execute(text("SELECT state, updated_at FROM conversations WHERE key = :key"), row).one()

    texts = texts_of(post(web_server, "talkative", "my whole story, " * 6000))  # ~100 KB, under the body limit

    assert len(texts) == 1 and "too long" in texts[0] and "2,000" in texts[0]
    with engine.connect() as conn:
        after = conn.execute(text("SELECT state, updated_at FROM conversations WHERE key = :key"), row).one()
    assert after == before
    answered = texts_of(post(web_server, "talkative", '/answer{"fact":"difficulties","value":"separation"}'))
    assert "Question 2 of" in answered[-1]


def test_a_first_message_too_long_stores_no_conversation(web_server, settings):
    texts = texts_of(post(web_server, "newcomer", "x" * 2001))
    assert "trop long" in texts[0] and "2\u202f000" in texts[0]
    engine = create_engine(settings.database_url, future=True)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM conversations")).scalar() == 0


def test_a_long_telegram_message_gets_the_same_polite_answer(
    settings, parser, fake_bot_api, monkeypatch, running_server
):
    from bot.config import load_settings
    from bot.web import create_app

    monkeypatch.setenv("TELEGRAM_TOKEN", "123:TEST")
    monkeypatch.setenv("TELEGRAM_API_URL", fake_bot_api.url)
    chat = 777001
    with running_server(create_app(load_settings(), parser)):
        fake_bot_api.user_says(chat, "/start")
        count = len(fake_bot_api.wait_for(chat, 1))
        fake_bot_api.user_says(chat, "Voici toute mon histoire. " * 150)  # 3 900 characters: Telegram allows 4 096
        texts = fake_bot_api.wait_for(chat, count + 1)
    assert "trop long" in texts[-1]


# --- floods ---------------------------------------------------------------------------------------


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_bucket_lets_a_burst_through_then_one_message_per_second():
    clock = Clock()
    limiter = RateLimiter(burst=15, per_second=1.0, clock=clock)
    assert all(limiter.allow("web:a") for _ in range(15))
    assert not limiter.allow("web:a")
    assert limiter.allow("web:b")  # each conversation has its own bucket
    clock.now += 1.0
    assert limiter.allow("web:a") and not limiter.allow("web:a")
    clock.now += 60
    assert all(limiter.allow("web:a") for _ in range(15))


def test_the_buckets_take_bounded_memory_whatever_the_traffic():
    clock = Clock()
    limiter = RateLimiter(burst=15, per_second=1.0, clock=clock)
    sizes = []
    for n in range(20_000):  # 20 000 messages in 20 s: 2 000 conversations of 10 quick messages
        clock.now += 0.001
        limiter.allow(f"web:{n // 10}")
        sizes.append(len(limiter))
    # A bucket is forgotten once full again, 10 s after its conversation's 10th message: about
    # the last 1 000 conversations are remembered, never all 2 000.
    assert max(sizes) <= 1001 and sizes[-1] <= 1001
    capped = RateLimiter(burst=15, per_second=1.0, max_keys=100, clock=clock)
    for n in range(5000):  # all at the same instant: nothing is idle, the cap holds
        capped.allow(f"web:{n}")
    assert len(capped) == 100


def test_a_flood_from_one_sender_is_answered_politely_and_counted(web_server):
    async def flood():
        async with httpx.AsyncClient(base_url=web_server.url, timeout=60) as client:
            return await asyncio.gather(
                *(client.post(WEBHOOK, json={"sender": "flooder", "message": "/menu"}) for _ in range(60))
            )

    responses = asyncio.run(flood())  # 60 at once; the bucket holds 30
    assert {r.status_code for r in responses} == {200}
    polite = [r for r in responses if "patientez quelques secondes" in r.json()[0]["text"]]
    assert len(polite) >= 20 and all(len(r.json()) == 1 for r in polite)
    assert "confidentiel" in " ".join(texts_of(post(web_server, "someone-else", "/menu")))
    metrics = httpx.get(web_server.url + "/metrics").text
    assert 'assistant_messages_refused_total{channel="web",reason="rate_limited"}' in metrics
    assert "flooder" not in metrics


def test_the_rate_limit_is_per_conversation_on_every_channel(parser, tmp_path):
    from cryptography.fernet import Fernet

    from bot.store import ConversationStore, make_engine
    from handoff import Cipher

    store = ConversationStore(
        make_engine(f"sqlite:///{tmp_path / 'c.db'}"), Cipher([Fernet.generate_key().decode()]), "test-pseudonyms"
    )
    assistant = Assistant(Dialogue(parser, nlu.FaqContent()), store, burst=3, per_second=0.01)

    async def run():
        first = [await assistant.handle("telegram", "42", "/menu", "en") for _ in range(4)]
        other = await assistant.handle("web", "42", "/menu")
        return first, other

    first, other = asyncio.run(run())
    assert "wait a few seconds" in first[3][0].text and len(first[3]) == 1
    assert "confidentiel" in other[0].text


# --- logs -----------------------------------------------------------------------------------------


@pytest.fixture
def server_with_secrets(settings, parser, monkeypatch, running_server):
    """A server whose encryption key and session secret are markers to look for. Started here,
    before the test captures the output (uvicorn configures its logging when it starts)."""
    from cryptography.fernet import Fernet

    from bot.config import load_settings
    from bot.web import create_app

    secrets = {"HANDOFF_KEYS": Fernet.generate_key().decode(), "SESSION_SECRET": f"session-{uuid.uuid4().hex}"}
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    with running_server(create_app(load_settings(), parser)) as server:
        yield server, list(secrets.values())


def test_bad_input_leaves_no_text_sender_or_secret_in_the_logs(server_with_secrets, caplog, capfd):
    """The refusals (too long, too many, too big, malformed) log no more than the conversations do;
    a whole conversation and handoff through `assistant serve` is checked in test_logs.py."""
    import logging

    server, secrets = server_with_secrets
    caplog.set_level(logging.DEBUG)
    sender, word, phone = f"sender-{uuid.uuid4().hex}", "Brocéliandine", "06 11 22 33 44"
    url = server.url + WEBHOOK
    texts_of(post(server, sender, f"je suis {word}, " * 300))  # too long
    for _ in range(35):  # a flood
        post(server, sender, f"{word} {phone}")
    httpx.post(
        url,
        content=json.dumps({"sender": sender, "message": word * 30_000}).encode(),
        headers={"Content-Type": "application/json"},
        timeout=60,
    )  # too big
    httpx.post(url, content=f'{{"sender": "{sender}", "message": "{word}', timeout=60)  # not JSON
    post(server, f"{sender}-2", f'/answer{{"fact":"company_size","value":"1e999","x":"{word}"}}')
    post(server, f"{sender}-2", f'/hset{{"field":"slot","value":"{word}|am"}}')
    post(server, f"{sender}-2", f"/{word}{{")
    httpx.post(server.url + "/console/login", data={"csrf": word, "login": word, "password": word}, timeout=30)
    out, err = capfd.readouterr()
    logged = caplog.text + out + err
    assert [m for m in (sender, word, phone, *secrets) if m in logged] == []


def test_a_long_text_pasted_in_the_chat_gets_the_polite_reply_not_an_error(web_server):
    """The input field does not cut a pasted text silently: the assistant says it is too long."""
    import shutil
    from pathlib import Path

    from playwright.sync_api import sync_playwright

    if not Path("/usr/bin/chromium").exists() and not shutil.which("chromium"):
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_context(locale="fr-FR").new_page()
        page.goto(web_server.url + "/")
        page.wait_for_selector("text=gratuit et confidentiel")
        page.fill("#message", "Voici toute mon histoire depuis le début. " * 60)  # 2 520 characters
        page.keyboard.press("Enter")
        page.wait_for_selector("text=trop long pour moi")
        assert page.locator("#error").is_hidden()
        browser.close()


@pytest.fixture
def quick_body_timeout(settings, parser, running_server, monkeypatch):
    """The app with a 1 s body read timeout (10 s in production)."""
    import bot.middleware
    from bot.web import create_app

    monkeypatch.setattr(bot.middleware, "BODY_SECONDS", 1.0)
    with running_server(create_app(settings, parser)) as server:
        yield server


def _unfinished(server, path: str, declared: int, sent: bytes):
    import socket

    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {declared}\r\n\r\n".encode() + sent)
    return sock


@pytest.mark.parametrize("path", [WEBHOOK, "/chat/events"])  # routes that answer before reading, answer at once
def test_an_unfinished_body_gets_a_408_with_a_reason_and_no_error_in_the_log(quick_body_timeout, path, caplog,
                                                                             capfd):
    import time

    started = time.monotonic()
    sock = _unfinished(quick_body_timeout, path, 200, b'{"sender": "slow')
    answer = b""
    while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
        chunk = sock.recv(4096)
        if not chunk:
            break
        answer += chunk
    sock.close()
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"did not arrive within 1 s" in answer and time.monotonic() - started < 5
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "Traceback" not in capfd.readouterr().err


def test_a_client_gone_mid_body_is_an_info_line_not_an_error(quick_body_timeout, caplog, capfd):
    import time

    caplog.set_level(logging.INFO)
    sock = _unfinished(quick_body_timeout, WEBHOOK, 200, b'{"sender": "gone", "message": "Zorglub')
    time.sleep(0.2)
    sock.close()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any("went away" in r.getMessage() for r in caplog.records):
        time.sleep(0.05)
    assert any(r.levelno == logging.INFO and "went away" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not any("Zorglub" in r.getMessage() for r in caplog.records)
    printed = capfd.readouterr()
    assert "Traceback" not in printed.err and "Exception in ASGI application" not in printed.err  # uvicorn's own log
