"""The supervisors' dashboard in Chromium: charts (server-drawn SVG), the period, the yearly
figures, a CSV export; figures only, never a person's data, and small counts as "< 5"."""
from __future__ import annotations

import datetime as dt

import pytest
import second_factor
from sqlalchemy import create_engine, update
from test_console_browser import draft

from handoff.advisers import add_adviser
from handoff.casework import Casework
from handoff.charts import shown
from handoff.dashboard import period
from handoff.orm import cases


def test_a_supervisor_sees_charts_figures_only_and_exports_them(web_server, browser, settings, tmp_path):
    services = web_server.server.config.app.state.deployment
    engine = create_engine(settings.database_url, future=True)
    sophie = add_adviser(engine, "sophie", "correct-horse-battery", "supervisor", [])
    second_factor.enrol(engine, services.cipher, sophie.id)
    paris = [services.handoff.submit(draft("75011", f"web:d{n}", name="Zorglubette Dashboard")).reference
             for n in range(7)]
    for n in range(2):
        services.handoff.submit(draft("35000", f"web:b{n}", name="Zorglubette Dashboard"))
    work = Casework(services.cases)
    services.cases.claim(paris[0], sophie.id)
    work.log_attempt(paris[0], sophie.id, "reached")
    work.close(paris[0], sophie.id, "accompaniment")
    with engine.begin() as conn:  # one request of last year, for the yearly figures
        conn.execute(update(cases).where(cases.c.reference == paris[6])
                     .values(created_at=dt.datetime(dt.date.today().year - 1, 6, 1, 10, 0)))

    page = browser.new_context(locale="fr-FR", accept_downloads=True).new_page()
    second_factor.sign_in_page(page, web_server.url, "sophie")
    page.get_by_role("link", name="Tableau de bord").click()
    page.wait_for_selector("h1:has-text('Tableau de bord')")
    assert page.locator("svg.chart").count() >= 3
    assert page.locator("svg[role=img][aria-label='Demandes par semaine']").count() == 1
    text = page.inner_text("main")
    assert "Zorglubette" not in page.content()
    rows = {tuple(r.split("\t")) for r in page.locator("table").first.inner_text().splitlines()[1:]}
    this_week = max(r[0] for r in rows)
    assert (this_week, "Île-de-France", "Éligible d'après la pré-vérification", "6") in rows
    assert (this_week, "Bretagne", "Éligible d'après la pré-vérification", "< 5") in rows
    assert str(dt.date.today().year) in text and "Ménages accompagnés" in text

    with page.expect_download() as waiting:
        page.get_by_role("link", name="Exporter en CSV").click()
    saved = tmp_path / "export.csv"
    waiting.value.save_as(saved)
    exported = saved.read_text(encoding="utf-8")
    assert exported.splitlines()[0] == "semaine;région;résultat de la pré-vérification;demandes"
    assert f"{this_week};Bretagne;Éligible d'après la pré-vérification;< 5" in exported
    assert "Zorglubette" not in exported and "75011" not in exported


@pytest.mark.parametrize("count, said", [(0, "0"), (1, "< 5"), (4, "< 5"), (5, "5"), (1234, "1\u202f234")])
def test_small_counts_are_said_under_five(count, said):
    assert shown(count) == said


def test_the_period_defaults_to_twelve_weeks_and_is_never_reversed():
    today = dt.date(2026, 11, 30)
    assert period({}, today) == (dt.date(2026, 9, 7), today)
    assert period({"du": "2026-11-01", "au": "2026-10-01"}, today) == (dt.date(2026, 10, 1), dt.date(2026, 11, 1))
    assert period({"du": "hier"}, today) == (dt.date(2026, 9, 7), today)
