"""Following a case from anywhere with its reference and follow-up code, on real SQLite and
PostgreSQL: the code is kept only as a keyed hash, five wrong codes lock the follow-up for a
while, every try is audited (never the code), and the person's messages reach the advisers."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select, text
from test_repository import make_case

from handoff import CaseRepository, Follow, Status
from handoff.domain import FOLLOW_LOCK, FOLLOW_TRIES, new_access_code, normalize_access_code
from handoff.follow import FollowDesk
from handoff.orm import audit_events, cases, person_messages
from handoff.repository import CaseDesk
from handoff.retention import Retention, purge_cases
from handoff.service import HandoffService

pytestmark = pytest.mark.integration
NOW = dt.datetime(2026, 11, 30, 12, 0)


def _case(engine, cipher):
    repo = CaseRepository(engine, cipher)
    case = repo.create(make_case(address="web:first-tab"))
    code = FollowDesk(repo).issue_code(case.reference, NOW)
    return repo, case.reference, code


def _actions(engine, reference=None):
    with engine.connect() as conn:
        query = select(audit_events.c.action, audit_events.c.case_reference).order_by(audit_events.c.id)
        return [(a, r) for a, r in conn.execute(query) if reference is None or r in (reference, None)]


def test_codes_are_long_random_and_read_back_however_typed():
    codes = {new_access_code() for _ in range(2000)}
    assert len(codes) == 2000
    code = next(iter(codes))
    assert len(code) == 11 and code[5] == "-"
    assert normalize_access_code(f" {code.lower().replace('-', ' ')} ") == code
    assert normalize_access_code("ABCDE-FGHI") is None  # one short
    assert normalize_access_code("0OIL1-23456") is None  # letters of no code


def test_the_right_code_moves_the_case_to_the_new_conversation_and_the_old_one_loses_it(engine, cipher):
    repo, reference, code = _case(engine, cipher)
    service = HandoffService(repo)
    assert service.status(reference, "web:first-tab") is Status.NEW
    assert service.follow(reference, code.lower().replace("-", " "), "telegram:4242") is Follow.OPENED
    assert service.status(reference, "telegram:4242") is Status.NEW
    assert service.status(reference, "web:first-tab") is None  # a shared computer's tab no longer shows it
    assert repo.get(reference).channel == "telegram"
    assert ("follow_up_opened", reference) in _actions(engine)


def test_the_code_is_kept_only_as_a_keyed_hash(engine, cipher):
    _, reference, code = _case(engine, cipher)
    with engine.connect() as conn:
        stored = conn.execute(select(cases.c.access_hash).where(cases.c.reference == reference)).scalar_one()
        dump = " ".join(str(v) for row in conn.execute(text("SELECT * FROM cases")) for v in row)
        dump += " ".join(str(v) for row in conn.execute(text("SELECT * FROM audit_events")) for v in row)
    assert stored and len(stored) == 64
    for form in (code, code.replace("-", "")):
        assert form not in dump
    import hashlib
    assert hashlib.sha256(f"{reference}:{code}".encode()).hexdigest() != stored  # keyed, not a plain hash


def test_five_wrong_codes_lock_the_follow_up_even_with_the_right_one_and_each_try_is_audited(engine, cipher):
    repo, reference, code = _case(engine, cipher)
    desk = FollowDesk(repo)
    wrong = new_access_code()
    results = [desk.open(reference, wrong, "web:attacker", NOW) for _ in range(FOLLOW_TRIES)]
    assert results == [Follow.REFUSED] * (FOLLOW_TRIES - 1) + [Follow.LOCKED]
    assert desk.open(reference, code, "web:attacker", NOW + dt.timedelta(minutes=1)) is Follow.LOCKED
    actions = [a for a, _ in _actions(engine, reference)]
    assert actions.count("follow_up_refused") == FOLLOW_TRIES
    assert "follow_up_locked" in actions and "follow_up_while_locked" in actions
    assert repo.get(reference).address == "web:first-tab"  # nothing moved
    later = NOW + FOLLOW_LOCK + dt.timedelta(seconds=1)
    assert desk.open(reference, code, "web:second-device", later) is Follow.OPENED


def test_an_unknown_reference_and_a_wrong_code_get_the_same_answer(engine, cipher):
    _, reference, _ = _case(engine, cipher)
    service = HandoffService(CaseRepository(engine, cipher))
    assert service.follow("ASD-ZZZZZZ", new_access_code(), "web:x") is Follow.REFUSED
    assert service.follow(reference, new_access_code(), "web:x") is Follow.REFUSED
    assert service.follow(reference, "pas un code", "web:x") is Follow.REFUSED


def test_wrong_codes_in_parallel_all_count(engine, cipher):
    repo, reference, _ = _case(engine, cipher)
    desk = FollowDesk(repo)
    results = []
    start = threading.Barrier(FOLLOW_TRIES * 2)

    def attempt():
        start.wait()
        results.append(desk.open(reference, new_access_code(), "web:attacker", NOW))

    threads = [threading.Thread(target=attempt) for _ in range(FOLLOW_TRIES * 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Follow.LOCKED in results
    assert results.count(Follow.REFUSED) <= FOLLOW_TRIES - 1 + FOLLOW_TRIES  # never an unbounded run of tries


def test_a_new_code_replaces_the_old_one(engine, cipher):
    repo, reference, old = _case(engine, cipher)
    desk = FollowDesk(repo)
    new = desk.issue_code(reference, NOW)
    assert desk.open(reference, old, "web:x", NOW) is Follow.REFUSED
    assert desk.open(reference, new, "web:x", NOW) is Follow.OPENED


def test_submitting_gives_a_code_that_opens_the_case_and_submitting_again_a_new_one(engine, cipher):
    from handoff.service import Draft

    service = HandoffService(CaseRepository(engine, cipher))
    draft = Draft(
        facts={"situation": "salarie"}, reasons=[], outcome="eligible", rules_version="2022-06-15", urgent=False,
        name="Camille Martin", phone="+33698765432", email=None, postcode="69003", preferred_means="phone",
        slots=["any"], consent_at=NOW, sensitive_consent=None, channel="web", address="web:tab", reference="ASD-23456Z",
    )
    first = service.submit(draft)
    again = service.submit(draft)  # the confirmation's answer was lost: sent again, the same case
    assert first.reference == again.reference and first.access_code != again.access_code
    assert service.follow(first.reference, first.access_code, "web:other") is Follow.REFUSED
    assert service.follow(first.reference, again.access_code, "web:other") is Follow.OPENED


def test_the_persons_reply_reaches_the_case_unread_until_an_adviser_opens_it(engine, cipher):
    repo, reference, code = _case(engine, cipher)
    service = HandoffService(repo)
    desk = FollowDesk(repo)
    assert not service.reply(reference, "web:someone-else", "bonjour")
    assert service.reply(reference, "web:first-tab", "Je suis joignable après 18 h.")
    assert desk.unread([reference]) == {reference: 1}
    thread = CaseDesk(repo).messages(reference)
    assert thread[-1]["direction"] == "in" and thread[-1]["body"] == "Je suis joignable après 18 h."
    with engine.connect() as conn:
        raw = conn.execute(select(person_messages.c.body_enc)).scalars().all()
    assert all("18 h" not in body for body in raw)  # encrypted at rest
    assert service.pending_messages(reference, "web:first-tab") == []  # the person's own message is not echoed
    desk.mark_read(reference)
    assert desk.unread([reference]) == {}
    exported = service.export(reference, "web:first-tab")
    assert exported["messages"][-1] == {"body": "Je suis joignable après 18 h.", "at": exported["messages"][-1]["at"],
                                        "from": "person"}


def test_erasure_removes_both_directions_and_anonymising_forgets_the_code(engine, cipher):
    repo, reference, code = _case(engine, cipher)
    service = HandoffService(repo)
    service.reply(reference, "web:first-tab", "message de la personne")
    CaseDesk(repo).send_message(reference, _adviser(engine), "message du conseiller")
    CaseDesk(repo).transition(reference, Status.WITHDRAWN, "person")
    purge_cases(engine, cipher, dt.datetime.now() + dt.timedelta(days=800), Retention())
    assert FollowDesk(repo).open(reference, code, "web:x", NOW) is Follow.REFUSED
    with engine.connect() as conn:
        assert conn.execute(select(person_messages)).all() == []


def _adviser(engine) -> int:
    from handoff.advisers import add_adviser

    return add_adviser(engine, "conseil1", "Tr0mbone-Velours-Agrume", "adviser", ["Auvergne-Rhône-Alpes"]).id
