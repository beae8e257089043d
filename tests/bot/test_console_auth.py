"""Every console route refuses whoever has no valid session: the routes are read from the console
app itself, so a route added later is checked without anyone thinking of it; forged, tampered
and expired session cookies are refused like no cookie at all."""
from __future__ import annotations

import base64
import datetime as dt
import json
import re
import time

import httpx
import pytest
import second_factor
from itsdangerous import TimestampSigner
from sqlalchemy import create_engine, text
from starlette.routing import Route

from bot.web import create_app
from handoff.advisers import add_adviser
from handoff.repository import CaseDesk
from handoff.service import Draft

NAME, PHONE, EMAIL = "Philomène Quenouillard", "+33698761234", "philomene.quenouillard@exemple.fr"
NOTE = "rappeler Bérangerine-Astrid lundi"
# Public by design: the login form must be reachable without a session. Every other route, logout
# included (it only redirects), must refuse an anonymous request.
PUBLIC = {("/login", "GET"), ("/login", "POST"),
          # An adviser locked out opens their account with both factors at once (no session yet).
          ("/unlock", "GET"), ("/unlock", "POST")}
WEBHOOK_PATH = "/webhooks/rest/webhook"
# The values of path parameters: a real case, and every action the console knows (plus one it does not).
ACTIONS = ("claim", "release", "contacted", "closed", "withdrawn", "erase", "note", "message", "attempt", "close",
           "reassign", "unknown")


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


@pytest.fixture
def console(settings, parser, running_server):
    """A running server with one case in Île-de-France, a note on it, and a supervisor."""
    app = create_app(settings, parser)
    services = app.state.deployment
    with running_server(app) as server:
        case = services.handoff.submit(Draft(
            facts={"situation": "salarie"}, reasons=[], outcome="eligible", rules_version="2022-06-15", urgent=False,
            name=NAME, phone=PHONE, email=EMAIL, postcode="75011", preferred_means="phone", slots=["any"],
            consent_at=dt.datetime(2026, 11, 25, 9, 0), sensitive_consent=None, channel="web", address="web:someone"))
        supervisor = add_adviser(create_engine(settings.database_url, future=True), "sophie", "correct-horse-battery",
                                 "supervisor", [])
        second_factor.enrol(services.cases.engine, services.cipher, supervisor.id)
        CaseDesk(services.cases).add_note(case.reference, supervisor.id, NOTE)
        yield server, services, case.reference


def login(server, password="correct-horse-battery") -> httpx.Client:
    client = httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)
    page = client.get("/console/login")
    response = client.post("/console/login", data={"csrf": csrf_of(page.text), "login": "sophie", "password": password})
    assert response.status_code == 303 and response.headers["location"] == "/console/second-factor"
    response = second_factor.complete(client, response)
    assert response.status_code == 303 and response.headers["location"] == "/console/"
    return client


def console_requests(services, reference):
    """(method, path) for every method of every console route, path parameters filled in."""
    for route in services.console.app.routes:
        assert isinstance(route, Route), f"{route!r}: a new kind of route, check it by hand and extend this test"
        for method in sorted(route.methods):
            if (route.path, method) in PUBLIC:
                continue
            paths = [route.path.replace("{reference}", reference).replace("{login}", "sophie")
                     .replace("{topic}", "confidentialite_employeur").replace("{version:int}", "1")
                     .replace("{name:path}", "questions.yml")]
            if "{action}" in route.path:
                paths = [paths[0].replace("{action}", action) for action in ACTIONS]
            assert all("{" not in p for p in paths), f"{route.path}: a new path parameter, give it a value here"
            for path in paths:
                yield method, "/console" + path


def assert_refused(response, secrets) -> None:
    where = f"{response.request.method} {response.request.url.path}"
    if response.status_code in (302, 303, 307):
        assert response.headers["location"].endswith("/console/login"), where
    else:
        assert response.status_code in (401, 403), (where, response.status_code)
    for secret in secrets:
        assert secret not in response.text, (where, secret)


def test_the_public_routes_listed_here_exist(console):
    _, services, _ = console
    routes = {(r.path, m) for r in services.console.app.routes for m in r.methods}
    assert routes >= PUBLIC


def test_every_console_route_refuses_an_anonymous_request_and_shows_no_case_data(console):
    server, services, reference = console
    requests = list(console_requests(services, reference))
    assert len(requests) >= 15  # queue, stats, case, export, logout, every action, with HEAD
    with httpx.Client(base_url=server.url, follow_redirects=False, timeout=30) as anonymous:
        for method, path in requests:
            data = {"csrf": "guessed", "body": "x"} if method == "POST" else None
            assert_refused(anonymous.request(method, path, data=data), [NAME, PHONE, EMAIL, NOTE, reference])

    # Nothing changed: the case is still new, unclaimed, with its one note (seen by the supervisor).
    supervisor = login(server)
    page = supervisor.get(f"/console/cases/{reference}")
    assert page.status_code == 200 and NAME in page.text and NOTE in page.text
    assert "Prendre en charge" in page.text and page.text.count(NOTE) == 1


def forged_cookie(session: dict, secret: str, *, signed_at: float | None = None) -> str:
    """A cookie as Starlette's SessionMiddleware writes it: base64 JSON, timestamped and signed."""
    signer = TimestampSigner(secret)
    if signed_at is not None:
        signer.get_timestamp = lambda: int(signed_at)
    return signer.sign(base64.b64encode(json.dumps(session).encode())).decode()


def test_forged_tampered_or_expired_session_cookies_are_refused(console, settings):
    server, services, reference = console
    supervisor = login(server)
    genuine = supervisor.cookies["console_session"]
    assert reference in supervisor.get("/console/", params={"status": "all"}).text  # the genuine cookie works

    session = json.loads(base64.b64decode(genuine.split(".")[0]))
    real_secret = str(settings.session_secret or "") or (settings.var_dir / "session.key").read_text().strip()
    payload, timestamp, signature = genuine.rsplit(".", 2)
    tampered_signature = f"{payload}.{timestamp}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    # The cookie names a session kept on the server: another id is no session at all.
    other_payload = base64.b64encode(json.dumps({**session, "sid": session["sid"][:-2] + "xx"}).encode()).decode()
    cookies = {
        "tampered signature": tampered_signature,
        "payload changed, signature kept": f"{other_payload}.{timestamp}.{signature}",
        "signed with another secret": forged_cookie(session, "not-the-secret-" + "x" * 40),
        "unsigned": base64.b64encode(json.dumps(session).encode()).decode(),
        "a guessed session id, well signed": forged_cookie({**session, "sid": "guessed"}, real_secret),
        "expired (signed 9 hours ago)": forged_cookie(session, real_secret, signed_at=time.time() - 9 * 3600),
    }
    for what, cookie in cookies.items():
        with httpx.Client(base_url=server.url, follow_redirects=False, timeout=30,
                          cookies={"console_session": cookie}) as client:
            for path in ("/console/", f"/console/cases/{reference}", f"/console/cases/{reference}/export.json"):
                response = client.get(path)
                assert response.status_code in (303, 401, 403), (what, path, response.status_code)
                assert NAME not in response.text and NOTE not in response.text, (what, path)
    # The forger's recipe is right: signed with the real secret and fresh, the same session is accepted.
    fresh = forged_cookie(session, real_secret)
    with httpx.Client(base_url=server.url, timeout=30, cookies={"console_session": fresh}) as client:
        assert NAME in client.get(f"/console/cases/{reference}").text


def test_every_failed_sign_in_costs_the_same_one_verification_locked_unknown_or_wrong(tmp_path, monkeypatch):
    """A locked account used to answer in 5 ms and an unknown login in 490: an oracle. Now each
    attempt verifies one argon2 hash, whatever the login."""
    from handoff import advisers
    from handoff.migrate import upgrade

    engine = create_engine(f"sqlite:///{tmp_path / 'advisers.db'}", future=True)
    upgrade(engine)
    add_adviser(engine, "lea", "correct-horse-battery", "adviser", ["Bretagne"])
    calls = []
    real = advisers._verifies  # one argon2 verification
    monkeypatch.setattr(advisers, "_verifies", lambda h, p: calls.append(1) or real(h, p))
    attempts = [("nobody", "whatever-it-is-123")] + [("lea", "wrong-password-123")] * advisers.MAX_FAILURES
    attempts += [("lea", "correct-horse-battery")]  # locked now: refused, and verified all the same
    for login_, password in attempts:
        assert advisers.authenticate(engine, login_, password) is None
    assert len(calls) == len(attempts)


def test_sign_ins_are_throttled_per_address_and_do_not_stall_the_chat(console):
    """Twelve sign-ins at once from one address: ten are verified (argon2, in worker threads),
    the rest refused at once; a chat message sent meanwhile is answered before they are done."""
    import asyncio

    server, _, _ = console
    client = httpx.Client(base_url=server.url, follow_redirects=False, timeout=60)
    form = {"csrf": csrf_of(client.get("/console/login").text), "login": "sophie", "password": "wrong-password-1"}

    async def storm_and_chat():
        loop = asyncio.get_running_loop()
        done: dict[str, float] = {}

        async def timed(name, call):
            response = await call
            done[name] = max(done.get(name, 0.0), loop.time())
            return response

        async with httpx.AsyncClient(base_url=server.url, timeout=60, cookies=client.cookies) as storm, \
                httpx.AsyncClient(base_url=server.url, timeout=60) as chat:
            tries = [timed("sign-ins", storm.post("/console/login", data=form)) for _ in range(12)]
            said = timed("chat", chat.post(WEBHOOK_PATH, json={"sender": "x", "message": "/start"}))
            *results, reply = await asyncio.gather(*tries, said)
        return results, reply, done

    results, reply, done = asyncio.run(storm_and_chat())
    assert reply.status_code == 200 and "gratuit et confidentiel" in reply.json()[0]["text"]
    assert done["chat"] < done["sign-ins"]  # argon2 off the event loop: the chat did not wait for it
    codes = sorted(r.status_code for r in results)
    assert codes.count(429) >= 2 and set(codes) <= {401, 429}, codes
    assert "Trop de tentatives" in next(r.text for r in results if r.status_code == 429)


def _server_side_age(settings, **ages) -> None:
    """Age every console session on the server (as if it had been idle, or open, that long)."""
    from sqlalchemy import update

    from handoff.orm import console_sessions

    engine = create_engine(settings.database_url, future=True)
    with engine.begin() as conn:
        values = {}
        if "idle" in ages:
            values["last_seen_at"] = dt.datetime.utcnow() - ages["idle"]
        if "open" in ages:
            values["created_at"] = dt.datetime.utcnow() - ages["open"]
        conn.execute(update(console_sessions).values(**values))


def test_a_copy_of_the_cookie_stops_working_at_logout(console):
    server, _, reference = console
    supervisor = login(server)
    copy = supervisor.cookies["console_session"]
    page = supervisor.get("/console/")
    supervisor.post("/console/logout", data={"csrf": csrf_of(page.text)})
    with httpx.Client(base_url=server.url, follow_redirects=False, timeout=30,
                      cookies={"console_session": copy}) as thief:
        assert_refused(thief.get(f"/console/cases/{reference}"), [NAME, NOTE])


@pytest.mark.parametrize("ages", [{"idle": dt.timedelta(minutes=31)}, {"open": dt.timedelta(hours=8, minutes=1)}],
                         ids=["idle 31 minutes", "open 8 hours"])
def test_a_session_idle_too_long_or_open_too_long_stops_working(console, settings, ages):
    server, _, reference = console
    supervisor = login(server)
    assert NAME in supervisor.get(f"/console/cases/{reference}").text
    _server_side_age(settings, **ages)
    assert_refused(supervisor.get(f"/console/cases/{reference}"), [NAME, NOTE])


def test_a_session_used_within_the_idle_time_goes_on(console, settings):
    server, _, reference = console
    supervisor = login(server)
    _server_side_age(settings, idle=dt.timedelta(minutes=29))
    assert NAME in supervisor.get(f"/console/cases/{reference}").text


def test_a_password_change_and_a_supervisor_end_every_open_session_on_its_next_request(console, settings):
    from handoff.advisers import change_password

    server, _, reference = console
    engine = create_engine(settings.database_url, future=True)
    add_adviser(engine, "paul", "correct-horse-battery", "adviser", ["Île-de-France"])

    def paul():
        client = httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)
        page = client.get("/console/login")
        client.post("/console/login", data={"csrf": csrf_of(page.text), "login": "paul",
                                            "password": "correct-horse-battery"})
        assert client.get(f"/console/cases/{reference}").status_code == 200
        return client

    laptop, phone = paul(), paul()
    assert change_password(engine, "paul", "Tr0mbone-Velours-Agrume-9") == 2
    for client in (laptop, phone):
        assert_refused(client.get(f"/console/cases/{reference}"), [NAME])

    add_adviser(engine, "lea", "correct-horse-battery", "adviser", ["Île-de-France"])
    lea = httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)
    page = lea.get("/console/login")
    lea.post("/console/login", data={"csrf": csrf_of(page.text), "login": "lea", "password": "correct-horse-battery"})
    assert lea.get(f"/console/cases/{reference}").status_code == 200
    supervisor = login(server)
    accounts = supervisor.get("/console/advisers").text
    assert re.search(r"<td>lea</td>.*?<td>1</td>", accounts, re.S)
    supervisor.post("/console/advisers/lea/revoke", data={"csrf": csrf_of(accounts)})
    assert_refused(lea.get(f"/console/cases/{reference}"), [NAME])
    assert lea.get("/console/advisers").status_code in (303, 403)
    assert login(server).get("/console/advisers").status_code == 200  # the supervisor's own session goes on


def test_a_supervisor_unlocks_an_account_locked_by_failed_sign_ins(console, settings):
    server, _, reference = console
    engine = create_engine(settings.database_url, future=True)
    add_adviser(engine, "paul", "correct-horse-battery", "adviser", ["Île-de-France"])

    def sign_in(password):
        client = httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)
        page = client.get("/console/login")
        return client, client.post("/console/login", data={"csrf": csrf_of(page.text), "login": "paul",
                                                           "password": password})

    for _ in range(5):  # someone else guessing: the account locks
        sign_in("not-the-password")
    assert sign_in("correct-horse-battery")[1].status_code == 401  # locked, even with the right password
    supervisor = login(server)
    accounts = supervisor.get("/console/advisers").text
    assert re.search(r"<td>paul</td>.*?<td>oui</td>", accounts, re.S)
    supervisor.post("/console/advisers/paul/unlock", data={"csrf": csrf_of(accounts)})
    client, response = sign_in("correct-horse-battery")
    assert response.status_code == 303 and client.get(f"/console/cases/{reference}").status_code == 200


def test_an_adviser_locked_out_by_someone_else_unlocks_with_both_factors_and_is_signed_in(console, settings):
    server, services, reference = console
    engine = create_engine(settings.database_url, future=True)
    paul = add_adviser(engine, "paul", "correct-horse-battery", "adviser", ["Île-de-France"])
    second_factor.enrol(engine, services.cipher, paul.id)
    client = httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)
    page = client.get("/console/login")
    assert 'href="/console/unlock"' in page.text
    for _ in range(5):  # someone else guessing: the account locks
        client.post("/console/login", data={"csrf": csrf_of(page.text), "login": "paul", "password": "guess-123456"})

    def unlock(login_, password, code):
        form = client.get("/console/unlock")
        return client.post("/console/unlock", data={"csrf": csrf_of(form.text), "login": login_,
                                                    "password": password, "code": code})

    failures = [unlock("paul", "correct-horse-battery", "000000"),  # the right password alone
                unlock("paul", "guess-123456", second_factor.code()),  # the right code alone
                unlock("nobody", "correct-horse-battery", second_factor.code())]
    assert {r.status_code for r in failures} == {401} and len({r.text.replace(csrf_of(r.text), "")
                                                               for r in failures}) == 1  # nothing told apart
    assert_refused(client.get(f"/console/cases/{reference}"), [NAME])
    opened = unlock("paul", "correct-horse-battery", second_factor.code())
    assert opened.status_code == 303 and opened.headers["location"] == "/console/"
    assert client.get(f"/console/cases/{reference}").status_code == 200  # signed in: unlocked
    with engine.connect() as conn:
        actions = list(conn.execute(text("SELECT action FROM audit_events WHERE actor = :actor ORDER BY id"),
                                    {"actor": f"adviser:{paul.id}"}).scalars())
    assert actions.count("self_unlock_failed") == 2 and actions[-2:] == ["adviser_unlocked_by_second_factor",
                                                                          "case_viewed"]


def test_without_a_second_factor_an_account_is_not_unlocked_from_the_page_and_failures_there_count(console, settings):
    server, _, _ = console
    engine = create_engine(settings.database_url, future=True)
    add_adviser(engine, "nina", "correct-horse-battery", "adviser", ["Bretagne"])
    client = httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)
    form = client.get("/console/unlock")
    for _ in range(5):  # not locked yet: each wrong try counts as a failed sign-in
        assert client.post("/console/unlock", data={"csrf": csrf_of(form.text), "login": "nina",
                                                    "password": "correct-horse-battery", "code": "123456"}
                           ).status_code == 401
    page = client.get("/console/login")
    right = client.post("/console/login", data={"csrf": csrf_of(page.text), "login": "nina",
                                                "password": "correct-horse-battery"})
    assert right.status_code == 401  # locked by the five tries: a supervisor opens it


def test_a_recovery_code_unlocks_once(tmp_path):
    from cryptography.fernet import Fernet

    from handoff import Cipher, twofactor
    from handoff.advisers import LOCKOUT, Adviser
    from handoff.migrate import upgrade
    from handoff.orm import advisers

    engine = create_engine(f"sqlite:///{tmp_path / 'advisers.db'}", future=True)
    upgrade(engine)
    cipher = Cipher([Fernet.generate_key().decode()])
    lea = add_adviser(engine, "lea", "correct-horse-battery", "adviser", ["Bretagne"])
    secret, _ = twofactor.start_enrolment(engine, cipher, Adviser(lea.id, "lea", "adviser", ("Bretagne",)))
    import pyotp

    codes = twofactor.finish_enrolment(engine, cipher, lea.id, pyotp.TOTP(secret).now())
    now = dt.datetime(2026, 11, 30, 12, 0)

    def lock() -> None:
        with engine.begin() as conn:
            conn.execute(advisers.update().values(locked_until=now + LOCKOUT))

    lock()
    assert twofactor.self_unlock(engine, cipher, "lea", "correct-horse-battery", codes[0], now=now).login == "lea"
    lock()
    assert twofactor.self_unlock(engine, cipher, "lea", "correct-horse-battery", codes[0], now=now) is None
    assert twofactor.self_unlock(engine, cipher, "lea", "correct-horse-battery", codes[1], now=now) is not None


def test_a_supervisor_disables_a_departed_account_and_enables_it_again_but_never_their_own(console, settings):
    server, _, reference = console
    engine = create_engine(settings.database_url, future=True)
    add_adviser(engine, "paul", "correct-horse-battery", "adviser", ["Île-de-France"])

    def sign_in():
        client = httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)
        page = client.get("/console/login")
        return client, client.post("/console/login", data={"csrf": csrf_of(page.text), "login": "paul",
                                                           "password": "correct-horse-battery"})

    paul, signed = sign_in()
    assert signed.status_code == 303 and paul.get(f"/console/cases/{reference}").status_code == 200
    supervisor = login(server)
    accounts = supervisor.get("/console/advisers").text
    supervisor.post("/console/advisers/paul/disable", data={"csrf": csrf_of(accounts)})
    assert_refused(paul.get(f"/console/cases/{reference}"), [NAME])  # the open session ended
    assert sign_in()[1].status_code == 401
    accounts = supervisor.get("/console/advisers").text
    assert re.search(r"<td>paul</td>.*?<td>non</td><td>oui</td>", accounts, re.S)  # not locked; disabled
    supervisor.post("/console/advisers/paul/enable", data={"csrf": csrf_of(accounts)})
    assert sign_in()[1].status_code == 303
    own = supervisor.post("/console/advisers/sophie/disable", data={"csrf": csrf_of(accounts)})
    assert own.status_code == 403 and supervisor.get("/console/").status_code == 200


def test_a_supervisor_enrols_a_second_factor_then_needs_it_and_a_recovery_code_works_once(console, settings):
    import pyotp

    server, services, reference = console
    engine = create_engine(settings.database_url, future=True)
    add_adviser(engine, "claire", "correct-horse-battery", "supervisor", [])
    client = httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)

    def password():
        page = client.get("/console/login")
        return client.post("/console/login", data={"csrf": csrf_of(page.text), "login": "claire",
                                                   "password": "correct-horse-battery"})

    assert password().headers["location"] == "/console/enrol"  # no second factor yet: enrol first
    assert_refused(client.get(f"/console/cases/{reference}"), [NAME])  # the password alone opens nothing
    enrol = client.get("/console/enrol")
    assert 'src="data:image/svg+xml;base64,' in enrol.text
    secret = re.search(r'<code id="secret">([A-Z2-7]+)</code>', enrol.text).group(1)
    assert client.get("/console/enrol").text.count(secret) == 1  # a reload shows the same secret
    wrong = client.post("/console/enrol", data={"csrf": csrf_of(enrol.text), "code": "000000"})
    assert wrong.status_code == 400 and "ne correspond pas" in wrong.text
    done = client.post("/console/enrol", data={"csrf": csrf_of(enrol.text), "code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<li><code>([0-9a-f]{8}-[0-9a-f]{8})</code></li>", done.text)
    assert len(codes) == 8 and client.get(f"/console/cases/{reference}").status_code == 200
    with engine.connect() as conn:
        stored = " ".join(str(v) for t in ("advisers", "recovery_codes")
                          for row in conn.exec_driver_sql(f"SELECT * FROM {t}") for v in row)
    assert secret not in stored and not any(c in stored for c in codes)  # encrypted, hashed

    client.cookies.clear()
    assert password().headers["location"] == "/console/second-factor"
    page = client.get("/console/second-factor")
    assert client.post("/console/second-factor",
                       data={"csrf": csrf_of(page.text), "code": codes[0]}).headers["location"] == "/console/"
    client.cookies.clear()
    password()
    page = client.get("/console/second-factor")
    reused = client.post("/console/second-factor", data={"csrf": csrf_of(page.text), "code": codes[0]})
    assert reused.status_code == 401  # once only
    assert client.post("/console/second-factor", data={"csrf": csrf_of(page.text),
                                                       "code": pyotp.TOTP(secret).now()}).status_code == 303


def test_wrong_second_factor_codes_lock_the_account(console, settings):
    server, _, reference = console
    client = httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)
    page = client.get("/console/login")
    client.post("/console/login", data={"csrf": csrf_of(page.text), "login": "sophie",
                                        "password": "correct-horse-battery"})
    form = client.get("/console/second-factor")
    for _ in range(5):
        assert client.post("/console/second-factor", data={"csrf": csrf_of(form.text), "code": "123456"}
                           ).status_code == 401
    locked = client.post("/console/second-factor", data={"csrf": csrf_of(form.text), "code": second_factor.code()})
    assert locked.status_code == 401  # locked: even the right code


def test_advisers_need_a_second_factor_only_when_configured(settings, parser, running_server, monkeypatch):
    def first_step(server):
        client = httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)
        page = client.get("/console/login")
        return client.post("/console/login", data={"csrf": csrf_of(page.text), "login": "paul",
                                                   "password": "correct-horse-battery"}).headers["location"]

    engine = create_engine(settings.database_url, future=True)
    with running_server(create_app(settings, parser)) as server:
        add_adviser(engine, "paul", "correct-horse-battery", "adviser", ["Bretagne"])
        assert first_step(server) == "/console/"
    monkeypatch.setenv("TOTP_FOR_ADVISERS", "true")
    from bot.config import load_settings

    with running_server(create_app(load_settings(), parser)) as server:
        assert first_step(server) == "/console/enrol"


def test_a_supervisor_sees_the_failed_notifications_without_content_and_sends_them_again(console, settings):
    import json

    from sqlalchemy import insert, select

    from handoff.orm import outbox

    server, _, reference = console
    engine = create_engine(settings.database_url, future=True)
    now = dt.datetime(2026, 11, 30, 12, 0)
    with engine.begin() as conn:
        conn.execute(outbox.delete())
        for status in ("failed", "failed", "sent"):
            conn.execute(insert(outbox).values(kind="email", payload=json.dumps({"reference": "ASD-ZORGLB"}),
                                               status=status, attempts=8, next_attempt_at=now, created_at=now,
                                               last_error="SMTPAuthenticationError"))
        ids = list(conn.execute(select(outbox.c.id).order_by(outbox.c.id)).scalars())
    supervisor = login(server)
    assert "/console/outbox" in supervisor.get("/console/").text
    page = supervisor.get("/console/outbox")
    assert page.status_code == 200 and "SMTPAuthenticationError" in page.text and "e-mail à l’équipe" in page.text
    assert "ASD-ZORGLB" not in page.text and page.text.count("Relancer</button>") == 2  # the sent one is not there
    one = supervisor.post("/console/outbox/retry", data={"csrf": csrf_of(page.text), "id": str(ids[0])})
    assert one.status_code == 303 and "1 envoi(s) relancé(s)" in supervisor.get(one.headers["location"]).text
    supervisor.post("/console/outbox/retry", data={"csrf": csrf_of(page.text)})
    with engine.connect() as conn:
        assert [r.status for r in conn.execute(select(outbox.c.status).order_by(outbox.c.id))] == [
            "pending", "pending", "sent"]
    adviser_only = httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)
    add_adviser(engine, "paul", "correct-horse-battery", "adviser", ["Île-de-France"])
    form = adviser_only.get("/console/login")
    adviser_only.post("/console/login", data={"csrf": csrf_of(form.text), "login": "paul",
                                              "password": "correct-horse-battery"})
    assert adviser_only.get("/console/outbox").status_code == 403
