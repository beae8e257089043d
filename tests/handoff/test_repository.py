"""Cases on real SQLite and PostgreSQL: encryption at rest, outbox in the same transaction,
exactly-one-wins claims under real concurrency, nothing about the employer."""
from __future__ import annotations

import contextlib
import datetime as dt
import threading

from sqlalchemy import inspect, select, text

from handoff import Case, CaseRepository, Consent, Contact, Priority, Status, flags_for, new_reference
from handoff.orm import cases, outbox

MARKERS = {
    "name": "Zorglubette Marquise",
    "phone": "+33698765432",
    "email": "zorglubette@exemple.fr",
    "postcode": "69003",
}


def make_case(**changes) -> Case:
    now = dt.datetime(2026, 11, 25, 10, 0)
    facts = {"situation": "salarie", "contract": "cdi", "difficulties": ["violences", "impayes_loyer"]}
    values = dict(
        reference=new_reference(),
        status=Status.NEW,
        priority=Priority.URGENT,
        flags=flags_for(facts),
        departement="69",
        region="Auvergne-Rhône-Alpes",
        outcome="eligible",
        rules_version="2022-06-15",
        answers={"facts": facts},
        budget={"debt_ratio_percent": 52},
        channel="web",
        address="web:session-xyz",
        created_at=now,
        consents=(Consent("data", "2026-11", now), Consent("sensitive", "2026-11", now)),
        contact=Contact(
            MARKERS["name"], MARKERS["phone"], MARKERS["email"], MARKERS["postcode"], "phone", ("2026-11-26 matin",)
        ),
    )
    values.update(changes)
    return Case(**values)


def test_a_case_round_trips_decrypted(engine, cipher):
    repo = CaseRepository(engine, cipher)
    stored = repo.create(make_case())
    loaded = repo.get(stored.reference)
    assert loaded.contact == stored.contact
    assert loaded.answers == stored.answers and loaded.flags == ("VI",)
    assert [c.kind for c in loaded.consents] == ["data", "sensitive"]


def test_contact_data_is_unreadable_in_the_database(engine, cipher):
    repo = CaseRepository(engine, cipher)
    repo.create(make_case())
    repo.create(make_case())
    with engine.connect() as conn:
        dump = []
        for table in inspect(engine).get_table_names():
            dump += [str(v) for row in conn.execute(text(f'SELECT * FROM "{table}"')) for v in row]
    blob = "\n".join(dump)
    for marker in MARKERS.values():
        assert marker not in blob
    assert "violences" not in blob
    if engine.db_file is not None:
        raw = engine.db_file.read_bytes()
        for marker in MARKERS.values():
            assert marker.encode() not in raw
    # randomised: the same name twice gives two different ciphertexts
    with engine.connect() as conn:
        names = [r[0] for r in conn.execute(text("SELECT name_enc FROM contacts"))]
    assert len(set(names)) == 2


def test_nothing_about_the_employer_exists_in_the_schema(engine):
    columns = [c["name"] for t in inspect(engine).get_table_names() for c in inspect(engine).get_columns(t)]
    assert not [
        c for c in columns if any(w in c.lower() for w in ("employer", "employeur", "company", "entreprise", "siret"))
    ]


def test_creating_a_case_queues_its_notification_in_the_same_transaction(engine, cipher):
    repo = CaseRepository(engine, cipher, console_url="https://console.example")
    case = repo.create(make_case())
    with engine.connect() as conn:
        rows = conn.execute(select(outbox.c.kind, outbox.c.payload, outbox.c.status)).all()
    assert len(rows) == 1 and rows[0].status == "pending"
    payload = rows[0].payload
    assert case.reference in payload and "urgent" in payload and "VI" in payload
    for marker in MARKERS.values():
        assert marker not in payload


def test_a_failed_creation_leaves_neither_case_nor_notification(engine, cipher):
    repo = CaseRepository(engine, cipher)
    broken = make_case(contact=None)
    with contextlib.suppress(AttributeError):
        repo.create(broken)
    with engine.connect() as conn:
        assert conn.execute(select(cases.c.id)).all() == []
        assert conn.execute(select(outbox.c.id)).all() == []


def test_queue_orders_urgent_first_then_by_age(engine, cipher):
    repo = CaseRepository(engine, cipher)
    old_normal = repo.create(make_case(priority=Priority.NORMAL, created_at=dt.datetime(2026, 11, 1)))
    new_urgent = repo.create(make_case(created_at=dt.datetime(2026, 11, 20)))
    old_urgent = repo.create(make_case(created_at=dt.datetime(2026, 11, 10)))
    other_region = repo.create(make_case(region="Bretagne", departement="35"))
    queue = repo.queue(regions=["Auvergne-Rhône-Alpes"])
    assert [c["reference"] for c in queue] == [old_urgent.reference, new_urgent.reference, old_normal.reference]
    assert other_region.reference not in [c["reference"] for c in queue]
    # Nothing of the person in a queue row; who holds the case (an adviser's id) for "mine".
    assert set(queue[0]) == {"reference", "status", "priority", "region", "flags", "created_at", "claimed_by"}


def add_advisers(engine, count: int) -> None:
    from sqlalchemy import insert

    from handoff.orm import advisers

    with engine.begin() as conn:
        for i in range(1, count + 1):
            conn.execute(
                insert(advisers).values(
                    id=i,
                    login=f"adviser{i}",
                    password_hash="x",
                    role="adviser",
                    regions="Auvergne-Rhône-Alpes",
                    failed_logins=0,
                    created_at=dt.datetime(2026, 1, 1),
                )
            )


def test_two_advisers_claiming_at_the_same_moment_exactly_one_wins(engine, cipher):
    repo = CaseRepository(engine, cipher)
    add_advisers(engine, 4)
    for _round in range(5):
        case = repo.create(make_case())
        barrier = threading.Barrier(4)
        results: list[bool] = []

        def claim(adviser_id: int, barrier: threading.Barrier, results: list[bool], reference: str) -> None:
            barrier.wait()
            results.append(repo.claim(reference, adviser_id))

        threads = [threading.Thread(target=claim, args=(i, barrier, results, case.reference)) for i in range(1, 5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == [False, False, False, True]
        assert repo.get(case.reference).status is Status.CLAIMED


def test_the_same_case_submitted_again_from_its_conversation_is_one_case_with_one_notification(engine, cipher):
    repo = CaseRepository(engine, cipher)
    first = repo.create(make_case(reference="ASD-7K3F9Q"))
    again = repo.create(make_case(reference="ASD-7K3F9Q"))  # its answer was lost: the person confirms again
    assert again.reference == first.reference and again.id == first.id
    with engine.connect() as conn:
        assert len(conn.execute(select(cases)).all()) == 1
        assert len(conn.execute(select(outbox)).all()) == 1


def test_a_reference_already_taken_by_someone_else_is_drawn_again(engine, cipher):
    repo = CaseRepository(engine, cipher)
    repo.create(make_case(reference="ASD-7K3F9Q"))
    other = repo.create(make_case(reference="ASD-7K3F9Q", address="web:someone-else"))
    assert other.reference != "ASD-7K3F9Q"
    with engine.connect() as conn:
        assert len(conn.execute(select(cases)).all()) == 2
        assert len(conn.execute(select(outbox)).all()) == 2
