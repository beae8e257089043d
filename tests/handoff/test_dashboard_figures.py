"""The dashboard's figures computed by the database, on SQLite and PostgreSQL: the yearly
figures of seed 001 (requests, households accompanied, orientations) and the period's counts."""
from __future__ import annotations

import datetime as dt

from test_repository import add_advisers, make_case

from handoff import CaseRepository
from handoff.casework import Casework
from handoff.dashboard import figures

TARGETS = (dt.timedelta(hours=4), dt.timedelta(hours=48))


def test_the_yearly_figures_and_the_period_s_counts(engine, cipher):
    repo = CaseRepository(engine, cipher)
    add_advisers(engine, 1)
    work = Casework(repo)
    last_year = repo.create(make_case(created_at=dt.datetime(2025, 6, 1, 10, 0)))
    accompanied = repo.create(make_case(created_at=dt.datetime(2026, 11, 2, 10, 0)))
    oriented = repo.create(make_case(created_at=dt.datetime(2026, 11, 3, 10, 0)))
    repo.create(make_case(created_at=dt.datetime(2026, 11, 4, 10, 0)))
    for case, reason in ((accompanied, "accompaniment"), (oriented, "oriented"), (last_year, "accompaniment")):
        repo.claim(case.reference, 1)
        work.log_attempt(case.reference, 1, "reached", now=case.created_at + dt.timedelta(hours=2))
        work.close(case.reference, 1, reason)
    f = figures(engine, dt.date(2026, 10, 1), dt.date(2026, 11, 30), TARGETS)
    assert f.yearly == [(2026, 3, 1, 1), (2025, 1, 1, 0)]
    assert f.total == 3 and f.urgent == 3 and f.median_hours == 2.0
    assert sum(f.per_week) == 3 and max(f.within_target) == 100 * 2 / 3  # the third was never called
