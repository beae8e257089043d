"""What the engine returns: plain, immutable, JSON-ready."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
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
    # How many questions the longest way to an outcome still asks from here, this one included:
    # asked for only where a counter is shown (walking the answers costs milliseconds).
    ahead: Callable[[], int] = field(default=lambda: 1, compare=False, repr=False)

    @property
    def total(self) -> int:
        """The counter's total ("Question 3 sur 8"): it never grows along the way."""
        return self.position - 1 + max(self.ahead(), 1)

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "ahead"}
        data["choices"] = [asdict(c) for c in self.choices]
        data["total"] = self.total
        return data
