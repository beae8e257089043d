"""The queue's filters and their counts, its pages of 25 (urgent first, then by age) and its
clock: « en retard » past the team's target for a first contact attempt."""
from __future__ import annotations

import datetime as dt
import re

import httpx
from sqlalchemy import create_engine, update
from test_console_browser import draft

from handoff.advisers import add_adviser
from handoff.casework import Casework
from handoff.orm import cases


def counts(page: str) -> dict[str, int]:
    return {label: int(n) for label, n in re.findall(r"(?:<strong>|\">)([^<>]+?) \((\d+)\)(?:</strong>|</a>)", page)}


def test_filters_count_pages_hold_25_and_a_case_without_contact_past_the_target_is_late(web_server, settings):
    services = web_server.server.config.app.state.deployment
    engine = create_engine(settings.database_url, future=True)
    marie = add_adviser(engine, "marie", "correct-horse-battery", "adviser", ["Île-de-France"])
    references = [services.handoff.submit(draft("75011", f"web:q{n}", urgent=n < 2)).reference for n in range(27)]
    work = Casework(services.cases)
    for reference in references[2:4]:
        services.cases.claim(reference, marie.id)
    work.log_attempt(references[3], marie.id, "no_answer")
    with engine.begin() as conn:  # the oldest normal case came in three days ago, nobody tried to call
        conn.execute(update(cases).where(cases.c.reference == references[4])
                     .values(created_at=dt.datetime.utcnow() - dt.timedelta(days=3)))

    client = httpx.Client(base_url=web_server.url, follow_redirects=False, timeout=30)
    form = client.get("/console/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    assert client.post("/console/login", data={"csrf": token, "login": "marie",
                                               "password": "correct-horse-battery"}).status_code == 303
    first = client.get("/console/").text
    assert counts(first) == {"Toutes": 27, "Mes dossiers": 2, "Non attribuées": 25, "Urgentes": 2,
                             "En attente de nous": 25, "En attente de la personne": 1}
    shown = re.findall(r'<a href="/console/cases/(ASD-[A-Z0-9]+)">', first)
    assert len(shown) == 25 and shown[:2] == references[:2]  # urgent first
    assert shown[2] == references[4]  # then by age: the oldest first
    assert "Page 1 sur 2" in first and first.count("en retard") == 1
    second = client.get("/console/?page=2").text
    assert len(re.findall(r'<a href="/console/cases/ASD-', second)) == 2
    mine = client.get("/console/?filter=mine").text
    assert set(re.findall(r'<a href="/console/cases/(ASD-[A-Z0-9]+)">', mine)) == set(references[2:4])
    assert "il y a" in mine  # the clock since the last attempt
    waiting = client.get("/console/?filter=waiting_person").text
    assert re.findall(r'<a href="/console/cases/(ASD-[A-Z0-9]+)">', waiting) == [references[3]]
