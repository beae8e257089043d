"""Rule sets as data: one YAML file per version under rules/, each dated and sourced."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .facts import DIFFICULTIES, DISASTERS, LOCATIONS, OCCUPANCIES
from .model import Source

RULES_DIR = Path(__file__).parent / "rules"
TEXTS_FILE = Path(__file__).parent / "texts.yml"
QUESTIONS_FILE = Path(__file__).parent / "questions.yml"


class RulesError(ValueError):
    """A rule file is malformed, or no rule set is in force on the date asked."""


@dataclass(frozen=True)
class JobSeekerRule:
    max_months_since_job_end: float
    requires_peec: bool
    to_confirm: bool


@dataclass(frozen=True)
class RuleSet:
    version: str
    applies_from: dt.date
    title: str
    min_size: dict[str, int]
    min_contract_months: float | None
    job_seeker: JobSeekerRule | None
    disaster_any_employee: bool
    allowed_locations: frozenset[str]
    allowed_occupancies: frozenset[str]
    covered_difficulties: frozenset[str]
    redirect_difficulties: frozenset[str]
    urgent_difficulties: frozenset[str]
    urgent_occupancies: frozenset[str]
    urgent_disasters: frozenset[str]
    sources: dict[str, tuple[Source, ...]]

    @property
    def params(self) -> dict[str, Any]:
        """Values the sentences of texts.yml and questions.yml may quote."""
        return {
            "min_private": self.min_size["prive_non_agricole"],
            "min_agri": self.min_size["agricole"],
            "min_months": _plain(self.min_contract_months) if self.min_contract_months else 0,
            "max_months": _plain(self.job_seeker.max_months_since_job_end) if self.job_seeker else 0,
        }


def _plain(number: float) -> int | float:
    return int(number) if float(number).is_integer() else number


def _values(path: Path, where: str, values: Any, allowed: tuple[str, ...]) -> frozenset[str]:
    if not isinstance(values, list) or any(v not in allowed for v in values):
        raise RulesError(f"{path.name}: {where} must be a list of {', '.join(allowed)}")
    return frozenset(values)


def _load_rule_file(path: Path) -> RuleSet:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        c = data["criteria"]
        sources = {
            name: tuple(Source(**s) for s in criterion["sources"]) for name, criterion in c.items()
        }
        js = c["job_seeker"]
        job_seeker = None
        if js.get("max_months_since_job_end") is not None:
            if js["outcome"] not in ("met", "to_confirm"):
                raise RulesError(f"{path.name}: job_seeker.outcome must be met or to_confirm")
            job_seeker = JobSeekerRule(
                float(js["max_months_since_job_end"]), bool(js["requires_peec"]),
                js["outcome"] == "to_confirm",
            )
        min_size = {k: int(v) for k, v in c["employer"]["min_size"].items()}
        if set(min_size) != {"prive_non_agricole", "agricole"}:
            raise RulesError(f"{path.name}: employer.min_size needs prive_non_agricole and agricole")
        applies_from = data["applies_from"]
        if not isinstance(applies_from, dt.date):
            raise RulesError(f"{path.name}: applies_from must be a date (YYYY-MM-DD)")
        min_months = c["contract"].get("min_months")
        return RuleSet(
            version=str(data["version"]),
            applies_from=applies_from,
            title=str(data["title"]),
            min_size=min_size,
            min_contract_months=float(min_months) if min_months is not None else None,
            job_seeker=job_seeker,
            disaster_any_employee=bool(c["disaster"]["any_employee"]),
            allowed_locations=_values(path, "housing_location.allowed", c["housing_location"]["allowed"], LOCATIONS),
            allowed_occupancies=_values(path, "occupancy.allowed", c["occupancy"]["allowed"], OCCUPANCIES),
            covered_difficulties=_values(path, "difficulty.covered", c["difficulty"]["covered"], DIFFICULTIES),
            redirect_difficulties=_values(path, "difficulty.redirect_only", c["difficulty"]["redirect_only"], DIFFICULTIES),
            urgent_difficulties=_values(path, "urgency.difficulties", c["urgency"]["difficulties"], DIFFICULTIES),
            urgent_occupancies=_values(path, "urgency.occupancy", c["urgency"]["occupancy"], OCCUPANCIES),
            urgent_disasters=_values(path, "urgency.disasters", c["urgency"]["disasters"], DISASTERS),
            sources=sources,
        )
    except RulesError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, yaml.YAMLError) as exc:
        raise RulesError(f"{path.name}: malformed rule file ({type(exc).__name__}: {exc})") from None


@lru_cache(maxsize=None)
def rule_sets(directory: Path = RULES_DIR) -> tuple[RuleSet, ...]:
    """Every rule set, oldest first."""
    sets = sorted((_load_rule_file(p) for p in directory.glob("*.yml")), key=lambda r: r.applies_from)
    if not sets:
        raise RulesError(f"no rule file in {directory}")
    return tuple(sets)


def rules_for(on: dt.date) -> RuleSet:
    """The rule set in force on a date: the latest one that applies from that date or before."""
    in_force = [r for r in rule_sets() if r.applies_from <= on]
    if not in_force:
        first = rule_sets()[0].applies_from.isoformat()
        raise RulesError(f"no rules in force on {on.isoformat()}: the first set applies from {first}")
    return in_force[-1]


@lru_cache(maxsize=None)
def texts() -> dict[str, Any]:
    return yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def questions() -> dict[str, Any]:
    return yaml.safe_load(QUESTIONS_FILE.read_text(encoding="utf-8"))
