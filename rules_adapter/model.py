"""What the engine returns: plain, immutable, JSON-ready."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import Enum
from typing import Any


class Outcome(str, Enum):
    ELIGIBLE = "eligible"
    TO_CONFIRM = "to_confirm"
    NOT_ELIGIBLE = "not_eligible"
    REDIRECT = "redirect"
    INCOMPLETE = "incomplete"


class Status(str, Enum):
    MET = "met"
    TO_CONFIRM = "to_confirm"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Source:
    document: str
    section: str
    quote: str = ""  # the seed line itself, for a refusal


@dataclass(frozen=True)
class Reason:
    criterion: str
    status: Status
    text: str
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class Orientation:
    name: str
    text: str
    why: str
    source: Source


@dataclass(frozen=True)
class Assessment:
    outcome: Outcome
    urgent: bool
    reasons: tuple[Reason, ...]
    missing: tuple[str, ...]
    orientations: tuple[Orientation, ...]
    what_would_change: tuple[str, ...]
    rules_version: str
    locale: str

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["outcome"] = self.outcome.value
        for reason in data["reasons"]:
            reason["status"] = reason["status"].value
        return data

    def reason(self, criterion: str) -> Reason | None:
        return next((r for r in self.reasons if r.criterion == criterion), None)


@dataclass(frozen=True)
class Choice:
    value: str
    label: dict[str, str]


@dataclass(frozen=True)
class Question:
    fact: str
    kind: str  # choice | multi | integer | number
    text: dict[str, str]
    why: dict[str, str]
    choices: tuple[Choice, ...]
    hint: dict[str, str]  # what to say when a free-text answer is not understood
    position: int  # 1-based rank among the facts the check may ask
    total: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
