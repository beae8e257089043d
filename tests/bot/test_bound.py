"""The bound on requests to an adviser per client and hour is counted in the database: two
workers (two engines, two bounds) share it, on SQLite and PostgreSQL; the address is stored only
as a keyed hash, and only for an hour."""
from __future__ import annotations

import datetime as dt
import os
import threading

import pytest
from postgres_reset import reset
from sqlalchemy import create_engine, select

from bot.bound import RequestBound, case_requests
from handoff.migrate import upgrade

ADDRESS = "address:203.0.113.77"


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'bound.db'}"
    found = os.environ.get("TEST_DATABASE_URL")
    if not found:
        pytest.skip("needs PostgreSQL at TEST_DATABASE_URL (.ci/run sets it)")
    engine = create_engine(found, future=True)
    reset(engine)
    engine.dispose()
    return found


def workers(url, count=2, per_hour=3, clock=None):
    engines = [create_engine(url, future=True) for _ in range(count)]
    upgrade(engines[0])
    kwargs = {"clock": clock} if clock else {}
    return engines, [RequestBound(e, "deployment-secret", per_hour, **kwargs) for e in engines]


def test_two_workers_share_the_bound_and_an_hour_later_the_client_may_ask_again(url):
    now = [dt.datetime(2026, 11, 30, 9, 0)]
    engines, (first, second) = workers(url, clock=lambda: now[0])
    assert [first.allow(ADDRESS), second.allow(ADDRESS), first.allow(ADDRESS)] == [True, True, True]
    assert not second.allow(ADDRESS) and not first.allow(ADDRESS)  # 3 per hour, whichever worker
    assert first.allow("address:198.51.100.1")  # another client is not bound by this one
    now[0] += dt.timedelta(minutes=61)
    assert second.allow(ADDRESS)
    with engines[0].connect() as conn:
        stored = conn.execute(select(case_requests.c.client)).scalars().all()
    assert len(stored) == 1  # what is older than an hour is gone, the other client's too
    assert not any("203.0.113.77" in value for value in stored)  # a keyed hash, never the address
    for engine in engines:
        engine.dispose()


def test_workers_asking_at_the_same_moment_never_pass_the_bound_together(url):
    engines, bounds = workers(url, count=4, per_hour=5)
    results: list[bool] = []
    lock = threading.Lock()

    def ask(bound):
        for _ in range(5):
            allowed = bound.allow(ADDRESS)
            with lock:
                results.append(allowed)

    threads = [threading.Thread(target=ask, args=(b,)) for b in bounds]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(results) == 20 and results.count(True) == 5
    for engine in engines:
        engine.dispose()


def test_a_bound_below_one_is_refused(tmp_path):
    with pytest.raises(ValueError, match="CASES_PER_HOUR"):
        RequestBound(create_engine(f"sqlite:///{tmp_path / 'x.db'}"), "s", 0)


def test_the_purge_removes_what_no_request_came_to_remove(url, tmp_path, monkeypatch):
    from bot.bound import purge_requests

    now = dt.datetime(2026, 11, 30, 9, 0)
    engines, (bound, _) = workers(url, clock=lambda: now)
    bound.allow(ADDRESS)
    assert purge_requests(engines[0], now + dt.timedelta(minutes=30)) == 0
    assert purge_requests(engines[0], now + dt.timedelta(minutes=61)) == 1
    for engine in engines:
        engine.dispose()
