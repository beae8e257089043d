"""Rule sets as data: one YAML file per version under rules/, each dated and sourced, with the
questions (questions.yml) and the sentences (texts.yml) they are asked and explained with.
The three are read, checked (schema.py) and reloaded together."""
from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .model import Source, Status
from .schema import Problem, check_question_data, check_rule_data, check_text_data

log = logging.getLogger(__name__)

RULES_DIR = Path(__file__).parent / "rules"
TEXTS_FILE = Path(__file__).parent / "texts.yml"
QUESTIONS_FILE = Path(__file__).parent / "questions.yml"


class RulesError(ValueError):
    """A rule file is malformed, or no rule set is in force on the date asked."""


@dataclass(frozen=True)
class JobSeekerRule:
    max_months_since_job_end: float
    former_employer_min_size: dict[str, int]
    excluded_sectors: frozenset[str]
    outcome: Status  # MET, or TO_CONFIRM where the rules in force do not name job seekers


@dataclass(frozen=True)
class RuleSet:
    version: str
    applies_from: dt.date
    title: str
    situation_routes: dict[str, str]  # situation -> "employee" | "job_seeker"
    situations_not_covered: frozenset[str]
    situation_otherwise: Status
    min_size: dict[str, int]
    excluded_sectors: frozenset[str]
    min_contract_months: float | None
    under_min: dict[str, Status]  # cdd / interim shorter than the minimum
    contract_other: Status
    job_seeker: JobSeekerRule
    disaster_any_employee: bool
    disaster_pending: Status
    allowed_locations: frozenset[str]
    outside_location: Status
    allowed_occupancies: frozenset[str]
    covered_difficulties: frozenset[str]
    redirect_difficulties: frozenset[str]
    urgent_difficulties: frozenset[str]
    urgent_occupancies: frozenset[str]
    urgent_disasters: frozenset[str]
    sources: dict[str, tuple[Source, ...]]
    refusals: dict[str, dict[str, Source]]  # criterion -> way of refusing -> the seed line quoted

    @property
    def params(self) -> dict[str, Any]:
        """Values the sentences of texts.yml and questions.yml may quote."""
        return {
            "min_private": self.min_size["prive_non_agricole"],
            "min_agri": self.min_size["agricole"],
            "min_months": _plain(self.min_contract_months) if self.min_contract_months else 0,
            "max_months": _plain(self.job_seeker.max_months_since_job_end),
        }

    def refusal(self, criterion: str, way: str) -> Source | None:
        return self.refusals.get(criterion, {}).get(way)


def _plain(number: float) -> int | float:
    return int(number) if float(number).is_integer() else number


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RulesError(f"{path.name}: cannot read ({type(exc).__name__}: {exc})") from None


def _raise(problems: list[Problem]) -> None:
    if problems:
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise RulesError(f"{problems[0]}{more}")


def _rule_set(data: dict[str, Any], name: str) -> RuleSet:
    _raise(check_rule_data(data, name))
    applies_from = data["applies_from"]
    if not isinstance(applies_from, dt.date):
        raise RulesError(f"{name}: applies_from: must be a date (YYYY-MM-DD)")
    c = data["criteria"]
    js = c["job_seeker"]
    min_months = c["contract"]["min_months"]
    return RuleSet(
        version=str(data["version"]),
        applies_from=applies_from,
        title=str(data["title"]),
        situation_routes=dict(c["situation"]["routes"]),
        situations_not_covered=frozenset(c["situation"]["not_covered"]),
        situation_otherwise=Status(c["situation"]["otherwise"]),
        min_size=dict(c["employer"]["min_size"]),
        excluded_sectors=frozenset(c["employer"]["excluded_sectors"]),
        min_contract_months=float(min_months) if min_months is not None else None,
        under_min={k: Status(v) for k, v in (c["contract"].get("under_min") or {}).items()},
        contract_other=Status(c["contract"]["other"]),
        job_seeker=JobSeekerRule(float(js["max_months_since_job_end"]), dict(js["former_employer_min_size"]),
                                 frozenset(js["excluded_sectors"]), Status(js["outcome"])),
        disaster_any_employee=bool(c["disaster"]["any_employee"]),
        disaster_pending=Status(c["disaster"].get("pending", "to_confirm")),
        allowed_locations=frozenset(c["housing_location"]["allowed"]),
        outside_location=Status(c["housing_location"]["outside"]),
        allowed_occupancies=frozenset(c["occupancy"]["allowed"]),
        covered_difficulties=frozenset(c["difficulty"]["covered"]),
        redirect_difficulties=frozenset(c["difficulty"]["redirect_only"]),
        urgent_difficulties=frozenset(c["urgency"]["difficulties"]),
        urgent_occupancies=frozenset(c["urgency"]["occupancy"]),
        urgent_disasters=frozenset(c["urgency"]["disasters"]),
        sources={name: tuple(Source(**s) for s in criterion["sources"]) for name, criterion in c.items()},
        refusals={name: {way: Source(**s) for way, s in (criterion.get("refusals") or {}).items()}
                  for name, criterion in c.items()},
    )


@dataclass(frozen=True)
class RuleBook:
    """Everything the engine reads: the rule sets (oldest first), the questions, the texts."""
    sets: tuple[RuleSet, ...]
    questions: dict[str, Any]
    texts: dict[str, Any]


def check_files(rules_dir: Path | None = None, questions_file: Path | None = None,
                texts_file: Path | None = None) -> list[Problem]:
    """Every problem of the three kinds of files, each naming its file and key."""
    rules_dir, questions_file, texts_file = _paths(rules_dir, questions_file, texts_file)
    problems: list[Problem] = []
    paths = sorted(rules_dir.glob("*.yml"))
    if not paths:
        problems.append(Problem(str(rules_dir), "", "no rule file"))
    versions: dict[str, str] = {}
    for path in paths:
        name = f"{rules_dir.name}/{path.name}"
        try:
            data = _read_yaml(path)
        except RulesError as exc:
            problems.append(Problem(name, "", str(exc)))
            continue
        found = check_rule_data(data, name)
        problems += found
        if not found:
            if not isinstance(data["applies_from"], dt.date):
                problems.append(Problem(name, "applies_from", "must be a date (YYYY-MM-DD)"))
            elif path.stem != data["applies_from"].isoformat():
                problems.append(Problem(name, "applies_from", "the file is named after the date it applies from"))
            if data["version"] in versions:
                problems.append(Problem(name, "version", f"already the version of {versions[data['version']]}"))
            versions[data["version"]] = name
    for path, check in ((questions_file, check_question_data), (texts_file, check_text_data)):
        try:
            problems += check(_read_yaml(path), path.name)
        except RulesError as exc:
            problems.append(Problem(path.name, "", str(exc)))
    return problems


def _paths(rules_dir: Path | None, questions_file: Path | None, texts_file: Path | None) -> tuple[Path, Path, Path]:
    # Read at call time, so that a test (or a tool) can point the module at other files.
    return rules_dir or RULES_DIR, questions_file or QUESTIONS_FILE, texts_file or TEXTS_FILE


def load(rules_dir: Path | None = None, questions_file: Path | None = None, texts_file: Path | None = None) -> RuleBook:
    """Read and check the three kinds of files; RulesError names the first problem's file and key."""
    rules_dir, questions_file, texts_file = _paths(rules_dir, questions_file, texts_file)
    sets = []
    for path in sorted(rules_dir.glob("*.yml")):
        sets.append(_rule_set(_read_yaml(path), f"{rules_dir.name}/{path.name}"))
    if not sets:
        raise RulesError(f"no rule file in {rules_dir}")
    questions, texts_ = _read_yaml(questions_file), _read_yaml(texts_file)
    _raise(check_question_data(questions, questions_file.name))
    _raise(check_text_data(texts_, texts_file.name))
    return RuleBook(tuple(sorted(sets, key=lambda r: r.applies_from)), questions, texts_)


_lock = threading.Lock()
_book: RuleBook | None = None


def book() -> RuleBook:
    global _book
    current = _book
    if current is None:
        with _lock:
            if _book is None:
                _book = load()
            current = _book
    return current


def reload() -> bool:
    """Read the rules, questions and texts again (with the FAQ content, on SIGHUP); a broken
    set of files is refused and the one in use stays."""
    global _book
    try:
        fresh = load()
    except RulesError as exc:
        log.error("rules not reloaded, previous version kept: %s", exc)
        return False
    with _lock:
        _book = fresh
    log.info("rules loaded: %d rule sets", len(fresh.sets))
    return True


def rule_sets() -> tuple[RuleSet, ...]:
    """Every rule set, oldest first."""
    return book().sets


def rules_for(on: dt.date) -> RuleSet:
    """The rule set in force on a date: the latest one that applies from that date or before."""
    sets = rule_sets()
    in_force = [r for r in sets if r.applies_from <= on]
    if not in_force:
        first = sets[0].applies_from.isoformat()
        raise RulesError(f"no rules in force on {on.isoformat()}: the first set applies from {first}")
    return in_force[-1]


def texts() -> dict[str, Any]:
    return book().texts


def questions() -> dict[str, Any]:
    return book().questions
