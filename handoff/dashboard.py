"""The supervisors' figures over a period: requests per week (by region and outcome), the share
first contacted within the team's target, the urgent share, the outcome and channel mixes, what
the assistant did not understand per topic, and the yearly figures seed 001 reports (requests,
households accompanied, orientations to partners). Counts only, never a person's data;
anonymised cases count too (their region, dates and outcome are kept for this)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, extract, func, select
from sqlalchemy.engine import Engine

from .charts import shown
from .domain import OUTCOME_LABELS
from .orm import cases, contact_attempts
from .words import CHANNELS

WEEKS = 12  # the default period, back from today


def week_of(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class Figures:
    start: dt.date
    end: dt.date  # inclusive
    weeks: list[str] = field(default_factory=list)
    per_week: list[int] = field(default_factory=list)
    within_target: list[float] = field(default_factory=list)  # percent of the week's cases contacted in time
    median_hours: float | None = None  # to a first contact attempt, over the period
    urgent: int = 0
    total: int = 0
    outcomes: list[tuple[str, int]] = field(default_factory=list)
    channels: list[tuple[str, int]] = field(default_factory=list)
    by_region: list[tuple[str, str, str, int]] = field(default_factory=list)  # week, region, outcome, count
    misunderstood: list[tuple[str, int, int]] = field(default_factory=list)  # topic, not understood, in all
    yearly: list[tuple[int, int, int, int]] = field(default_factory=list)  # year, requests, accompanied, oriented


def figures(engine: Engine, start: dt.date, end: dt.date, targets: tuple[dt.timedelta, dt.timedelta],
            misunderstood: Callable[[list[str]], list[tuple[str, int, int]]] | None = None) -> Figures:
    first = (select(contact_attempts.c.case_id, func.min(contact_attempts.c.at).label("first_at"))
             .group_by(contact_attempts.c.case_id).subquery())
    since, until = dt.datetime.combine(start, dt.time()), dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
    with engine.connect() as conn:
        rows = conn.execute(
            select(cases.c.created_at, cases.c.priority, cases.c.region, cases.c.outcome, cases.c.channel,
                   first.c.first_at)
            .outerjoin(first, first.c.case_id == cases.c.id)
            .where(and_(cases.c.created_at >= since, cases.c.created_at < until))
        ).all()
        year = extract("year", cases.c.created_at)
        yearly = conn.execute(
            select(year, func.count(),
                   func.sum(case((cases.c.closure_reason == "accompaniment", 1), else_=0)),
                   func.sum(case((cases.c.closure_reason == "oriented", 1), else_=0)))
            .group_by(year).order_by(year.desc())
        ).all()
    out = Figures(start, end)
    day = start - dt.timedelta(days=start.weekday())
    while day <= end:
        out.weeks.append(week_of(day))
        day += dt.timedelta(days=7)
    per_week: Counter[str] = Counter()
    in_time: Counter[str] = Counter()
    delays: list[float] = []
    grouped: Counter[tuple[str, str, str]] = Counter()
    for r in rows:
        week = week_of(r.created_at.date())
        per_week[week] += 1
        out.total += 1
        out.urgent += r.priority == 0
        target = targets[0] if r.priority == 0 else targets[1]
        if r.first_at is not None:
            delays.append((r.first_at - r.created_at).total_seconds() / 3600)
            in_time[week] += (r.first_at - r.created_at) <= target
        grouped[(week, r.region, OUTCOME_LABELS.get(r.outcome, "à examiner"))] += 1
    out.per_week = [per_week[w] for w in out.weeks]
    out.within_target = [100 * in_time[w] / per_week[w] if per_week[w] else 0.0 for w in out.weeks]
    out.median_hours = statistics.median(delays) if delays else None
    out.outcomes = Counter(OUTCOME_LABELS.get(r.outcome, "à examiner") for r in rows).most_common()
    out.channels = Counter(CHANNELS.get(r.channel, "autre") for r in rows).most_common()
    out.by_region = sorted((w, region, outcome, n) for (w, region, outcome), n in grouped.items())
    if misunderstood is not None:
        out.misunderstood = misunderstood(out.weeks)
    out.yearly = [(int(y), int(n), int(accompanied or 0), int(oriented or 0)) for y, n, accompanied, oriented in yearly]
    return out


def as_csv(f: Figures) -> str:
    """The period's requests per week, region and outcome; small counts as "< 5"."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["semaine", "région", "résultat de la pré-vérification", "demandes"])
    for week, region, outcome, count in f.by_region:
        writer.writerow([week, region, outcome, shown(count)])
    return buffer.getvalue()


def period(params: Any, today: dt.date) -> tuple[dt.date, dt.date]:
    """The period asked ("du", "au" as ISO dates), else the last WEEKS weeks; never reversed."""
    try:
        end = dt.date.fromisoformat(params.get("au", "")) if params.get("au") else today
        start = dt.date.fromisoformat(params.get("du", "")) if params.get("du") else end - dt.timedelta(weeks=WEEKS)
    except ValueError:
        end, start = today, today - dt.timedelta(weeks=WEEKS)
    if start > end:
        start, end = end, start
    return max(start, end - dt.timedelta(days=3 * 366)), end
