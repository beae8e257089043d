"""An adviser's work on a case, on SQLite and PostgreSQL: contact attempts with the next step
(encrypted), the first that reaches the person marks the case contacted; closure with a reason;
reassignment to a colleague of the region only; finding a case by reference, postcode (keyed
hash) or département; attempts and the postcode's hash go with erasure and anonymisation."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select, text, update
from test_repository import MARKERS, add_advisers, make_case

from handoff import CaseRepository, Status
from handoff.casework import Casework
from handoff.orm import advisers, cases, contact_attempts
from handoff.retention import Retention, purge_cases
from handoff.service import HandoffService


def setup(engine, cipher):
    repo = CaseRepository(engine, cipher)
    add_advisers(engine, 2)
    with engine.begin() as conn:  # a colleague of another region, and a supervisor
        conn.execute(insert(advisers).values(id=3, login="bretagne", password_hash="x", role="adviser",
                                             regions="Bretagne", failed_logins=0, created_at=dt.datetime(2026, 1, 1)))
        conn.execute(insert(advisers).values(id=4, login="chef", password_hash="x", role="supervisor",
                                             regions="", failed_logins=0, created_at=dt.datetime(2026, 1, 1)))
    return repo, Casework(repo)


def test_attempts_are_logged_with_their_next_step_and_the_first_reached_marks_the_case_contacted(engine, cipher):
    repo, work = setup(engine, cipher)
    case = repo.create(make_case())
    repo.claim(case.reference, 1)
    assert work.log_attempt(case.reference, 1, "no_answer", "Rappeler Zorglubette jeudi matin")
    assert repo.get(case.reference).status is Status.CLAIMED
    assert work.log_attempt(case.reference, 1, "reached")
    assert repo.get(case.reference).status is Status.CONTACTED
    assert not work.log_attempt(case.reference, 1, "teleported")
    assert [(a["outcome"], a["next_step"], a["by"]) for a in work.attempts(case.reference)] == [
        ("Pas de réponse", "Rappeler Zorglubette jeudi matin", "adviser1"), ("Appel abouti", "", "adviser1")]
    with engine.connect() as conn:
        stored = " ".join(str(v) for row in conn.execute(select(contact_attempts)) for v in row)
    assert "Zorglubette" not in stored  # the next step is encrypted
    assert set(work.last_attempts([case.reference])) == {case.reference}


def test_a_case_closes_with_a_reason_and_withdrawal_is_its_own_status(engine, cipher):
    repo, work = setup(engine, cipher)
    first, second = repo.create(make_case()), repo.create(make_case())
    for case in (first, second):
        repo.claim(case.reference, 1)
    assert not work.close(first.reference, 1, "bored")
    assert work.close(first.reference, 1, "oriented")
    assert repo.get(first.reference).status is Status.CLOSED and work.closure(first.reference) == \
        "Orienté vers un partenaire"
    assert work.close(second.reference, 1, "withdrawn") and repo.get(second.reference).status is Status.WITHDRAWN


def test_a_case_is_reassigned_only_to_a_colleague_who_covers_its_region(engine, cipher):
    repo, work = setup(engine, cipher)
    case = repo.create(make_case())
    assert [a.login for a in work.colleagues(case.region)] == ["adviser1", "adviser2", "chef"]
    assert work.reassign(case.reference, "bretagne", 4) is not None  # another region
    assert work.reassign(case.reference, "adviser2", 4) is None
    moved = repo.get(case.reference)
    assert moved.claimed_by == 2 and moved.status is Status.CLAIMED  # a new case is claimed for them
    with engine.begin() as conn:
        conn.execute(update(advisers).where(advisers.c.id == 1).values(disabled_at=dt.datetime(2026, 1, 2)))
    assert work.reassign(case.reference, "adviser1", 2) is not None  # a disabled account takes nothing


def test_a_case_is_found_by_reference_postcode_or_departement(engine, cipher):
    repo, work = setup(engine, cipher)
    case = repo.create(make_case())
    other = repo.create(make_case())
    assert work.find(case.reference.lower().replace("-", " ")) == [case.reference]
    assert set(work.find(MARKERS["postcode"])) == {case.reference, other.reference}
    assert set(work.find("69")) == {case.reference, other.reference}
    assert work.find("75011") == [] and work.find("hello") is None
    with engine.connect() as conn:
        hashes = list(conn.execute(select(cases.c.postcode_hash)).scalars())
    assert all(h and MARKERS["postcode"] not in h for h in hashes)  # a keyed hash, not the postcode


def test_cases_made_before_the_index_get_their_postcode_hash_once(engine, cipher):
    repo, work = setup(engine, cipher)
    case = repo.create(make_case())
    with engine.begin() as conn:
        conn.execute(update(cases).values(postcode_hash=None))
    assert work.find(MARKERS["postcode"]) == []
    assert work.index_postcodes() == 1 and work.index_postcodes() == 0
    assert work.find(MARKERS["postcode"]) == [case.reference]


def test_attempts_and_the_postcode_hash_go_with_erasure_and_anonymisation(engine, cipher):
    repo, work = setup(engine, cipher)
    erased, kept = repo.create(make_case()), repo.create(make_case(created_at=dt.datetime(2024, 1, 10)))
    for case in (erased, kept):
        repo.claim(case.reference, 1)
        work.log_attempt(case.reference, 1, "message_left", "Zorglubette rappelle")
    assert HandoffService(repo).erase(erased.reference, erased.address)
    work.close(kept.reference, 1, "accompaniment")
    with engine.begin() as conn:
        conn.execute(update(cases).values(updated_at=dt.datetime(2024, 1, 10)))
    purge_cases(engine, cipher, dt.datetime(2026, 6, 1), Retention())
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM contact_attempts")).scalar() == 0
        assert conn.execute(select(cases.c.postcode_hash)).scalars().all() == [None]


def test_the_partner_e_mail_of_seed_001_says_alr_or_vi_and_nothing_of_the_employer(engine, cipher):
    from urllib.parse import parse_qs, urlsplit

    from handoff.casework import referral_mail

    repo, _ = setup(engine, cipher)
    facts = {"situation": "salarie", "sector": "prive_non_agricole", "company_size": 40, "contract": "cdi",
             "difficulties": ["violences", "impayes_loyer"]}
    case = repo.get(repo.create(make_case(answers={"facts": facts})).reference)
    link = urlsplit(referral_mail(case))
    assert link.scheme == "mailto"
    fields = {k: v[0] for k, v in parse_qs(link.query).items()}
    assert fields["subject"] == "Accompagnement social des salariés / VI"
    body = fields["body"]
    assert MARKERS["name"] in body and "06 98 76 54 32" in body and MARKERS["postcode"] in body
    assert "Violences intrafamiliales : oui" in body and "A la rue : non" in body and case.reference in body
    assert "Impayés de loyer" in body or "loyer" in body.lower()
    for employer_word in ("Entreprise privée", "prive_non_agricole", "40", "CDI", "employeur"):
        assert employer_word not in body, employer_word


def test_a_case_is_found_by_the_day_it_came_in_paris_time(engine, cipher):
    repo, work = setup(engine, cipher)
    late_evening = repo.create(make_case(created_at=dt.datetime(2026, 11, 29, 23, 30)))  # 00:30 on the 30th in Paris
    morning = repo.create(make_case(created_at=dt.datetime(2026, 11, 30, 9, 0)))
    repo.create(make_case(created_at=dt.datetime(2026, 11, 30, 23, 30)))  # the 1st of December in Paris
    assert set(work.find("30/11/2026")) == {late_evening.reference, morning.reference}
    assert set(work.find("2026-11-30")) == {late_evening.reference, morning.reference}
    assert work.find("31/11/2026") is None  # no such day: the hint
