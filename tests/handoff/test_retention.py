"""Retention with a frozen clock: what goes when, and that it leaves no trace."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import inspect, select, text
from test_repository import MARKERS, add_advisers, make_case

from handoff import CaseRepository, Status
from handoff.orm import audit_events, cases
from handoff.repository import CaseDesk
from handoff.retention import Retention, purge_cases

T0 = dt.datetime(2024, 1, 10, 9, 0)


def dump(engine) -> str:
    with engine.connect() as conn:
        return "\n".join(str(v) for t in inspect(engine).get_table_names()
                         for row in conn.execute(text(f'SELECT * FROM "{t}"')) for v in row)


def test_closed_cases_are_anonymised_after_24_months_and_audit_after_12(engine, cipher):
    repo = CaseRepository(engine, cipher)
    add_advisers(engine, 1)
    closed = repo.create(make_case(created_at=T0), now=T0)
    still_open = repo.create(make_case(created_at=T0), now=T0)
    repo.claim(closed.reference, 1, now=T0)
    desk = CaseDesk(repo)
    desk.add_note(closed.reference, 1, "note about Zorglubette")
    desk.transition(closed.reference, Status.CLOSED, "adviser:1")
    with engine.begin() as conn:
        conn.execute(cases.update().where(cases.c.reference == closed.reference).values(updated_at=T0))
        conn.execute(audit_events.update().values(at=T0))

    early = purge_cases(engine, cipher, T0 + dt.timedelta(days=700), Retention())
    assert early.anonymised_cases == 0 and early.audit_events > 0  # audit: 12 months
    report = purge_cases(engine, cipher, T0 + dt.timedelta(days=24 * 31), Retention())
    assert report.anonymised_cases == 1

    with engine.connect() as conn:
        row = conn.execute(select(cases).where(cases.c.reference == closed.reference)).one()
    assert row.anonymised and row.outcome == "eligible" and row.region
    assert repo.get(still_open.reference).contact.name == MARKERS["name"]  # an open case keeps everything
    # the anonymised case's contact and note are gone: only the open case's encrypted contact remains
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM contacts")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM notes")).scalar() == 0


def test_erasure_by_the_person_leaves_no_trace(engine, cipher):
    from handoff.service import HandoffService

    repo = CaseRepository(engine, cipher)
    add_advisers(engine, 1)
    case = repo.create(make_case())
    desk = CaseDesk(repo)
    desk.send_message(case.reference, 1, "Bonjour Zorglubette")
    service = HandoffService(repo)
    assert not service.erase(case.reference, "web:someone-else")  # only the person who made it
    assert service.erase(case.reference, case.address)
    assert repo.get(case.reference) is None
    with engine.connect() as conn:
        for table in ("cases", "contacts", "consents", "notes", "person_messages", "status_history", "outbox"):
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table
        actions = [r.action for r in conn.execute(select(audit_events))]
    assert actions[-1] == "case_erased"
    assert "Zorglubette" not in dump(engine)


def test_notifications_go_30_days_after_delivery_failed_ones_after_the_audit_period(engine, cipher):
    from handoff.orm import outbox

    repo = CaseRepository(engine, cipher)
    for _ in range(3):
        repo.create(make_case(created_at=T0), now=T0)
    with engine.begin() as conn:
        ids = [r.id for r in conn.execute(select(outbox.c.id).order_by(outbox.c.id))]
        conn.execute(outbox.update().where(outbox.c.id == ids[0]).values(status="sent", sent_at=T0))
        conn.execute(outbox.update().where(outbox.c.id == ids[1]).values(status="failed"))
        # ids[2] stays pending: never purged, whatever its age (it is still to be delivered)

    def left() -> dict[int, str]:
        with engine.connect() as conn:
            return {r.id: r.status for r in conn.execute(select(outbox.c.id, outbox.c.status))}

    assert purge_cases(engine, cipher, T0 + dt.timedelta(days=29), Retention()).notifications == 0
    assert purge_cases(engine, cipher, T0 + dt.timedelta(days=31), Retention()).notifications == 1
    assert set(left()) == {ids[1], ids[2]}
    assert purge_cases(engine, cipher, T0 + dt.timedelta(days=360), Retention()).notifications == 0
    assert purge_cases(engine, cipher, T0 + dt.timedelta(days=370), Retention()).notifications == 1
    assert left() == {ids[2]: "pending"}


def test_every_period_is_a_setting(engine, cipher):
    repo = CaseRepository(engine, cipher)
    add_advisers(engine, 1)
    case = repo.create(make_case(created_at=T0), now=T0)
    repo.claim(case.reference, 1, now=T0)
    CaseDesk(repo).transition(case.reference, Status.CLOSED, "adviser:1")
    with engine.begin() as conn:
        conn.execute(cases.update().values(updated_at=T0))
    short = Retention(closed_case_months=6, audit_months=6)
    assert purge_cases(engine, cipher, T0 + dt.timedelta(days=150), short).anonymised_cases == 0
    assert purge_cases(engine, cipher, T0 + dt.timedelta(days=190), short).anonymised_cases == 1


def test_a_period_below_one_is_refused_with_its_setting_s_name():
    import pytest

    with pytest.raises(ValueError, match="RETENTION_AUDIT_MONTHS must be a whole number, at least 1"):
        Retention(audit_months=0)
