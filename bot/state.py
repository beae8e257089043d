"""A conversation's state: plain data, stored as JSON, restored on the next message."""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import orjson

from rules_adapter import FACT_NAMES

# Modes of the conversation.
IDLE = "idle"  # menu, FAQ
CHECK = "check"  # the eligibility questions
SUMMARY = "summary"  # answers shown, editable, before the result
RESULT = "result"  # the outcome was given
# A request's step while one of the check's answers is changed from its preview: the check asks,
# then the result is recomputed and the preview shown again (bot/dialogue/revise.py).
REVISING = "revising"


@dataclass
class State:
    locale: str = "fr"
    greeted: bool = False
    mode: str = IDLE
    facts: dict[str, Any] = field(default_factory=dict)
    answered: list[str] = field(default_factory=list)  # facts in the order they were given
    question: str | None = None  # the fact being asked
    precising: str | None = None  # the fact whose "Autre" answer is being precised
    labels: dict[str, str] = field(default_factory=dict)  # button titles of bucketed numbers
    editing: bool = False  # asking again from the summary
    misunderstood: int = 0  # consecutive messages not understood
    suggested: list[str] = field(default_factory=list)  # last "did you mean" intents
    # The last message not understood and the topic the model leaned to, until the next message:
    # shared with content staff only if the person presses "share" (bot/feedback.py).
    unclear: dict[str, str] = field(default_factory=dict)
    last_outcome: str | None = None
    urgent: bool = False
    # Dangers the person told in words ("violences", "sans_logement"): a request carries them in
    # its situation, with their flags, though the check still asks its own questions.
    dangers: list[str] = field(default_factory=list)
    handoff: dict[str, Any] = field(default_factory=dict)  # the handoff steps' answers
    case_reference: str | None = None  # the request made from this conversation, or followed here
    # A request followed from elsewhere: "" while its reference is awaited, the reference while
    # its follow-up code is (bot/dialogue/reconnect.py).
    following: str | None = None
    writing: bool = False  # the next text is a message to the adviser
    address: str = ""  # the conversation's channel address, "<channel>:<id>"

    @property
    def greeting_only(self) -> bool:
        """Nothing in it but the greeting and its language: a page opened and left."""
        return self == State(locale=self.locale, greeted=self.greeted, address=self.address)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> State:
        if not data:
            return cls()
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        state = cls(**known)
        # Facts the rules no longer know (the yes/no PEEC question of the first version) are
        # dropped from a stored conversation: the check asks what replaced them.
        stale = [fact for fact in state.facts if fact not in FACT_NAMES]
        for fact in stale:
            state.facts.pop(fact)
            if fact in state.answered:
                state.answered.remove(fact)
            if state.question == fact:
                state.question = None
        return state

    def dumps(self) -> str:
        """The JSON text of `to_json`, written straight from the fields: every message saves its
        conversation, and `asdict`'s deep copy was a tenth of a button answer's time."""
        fields_ = {name: getattr(self, name) for name in _FIELDS}
        try:
            return orjson.dumps(fields_).decode()
        except TypeError:  # an integer beyond 64 bits (a forged answer): the standard library's
            return json.dumps(fields_, ensure_ascii=False)

    @classmethod
    def loads(cls, text: str) -> State:
        # orjson reads an integer beyond 64 bits (19 digits or more) as a float: such a text,
        # rare, goes to the standard library, which keeps it an integer.
        return cls.from_json(json.loads(text) if _LONG_DIGITS.search(text) else orjson.loads(text))

    def reset_check(self) -> None:
        """Start again (the check, or from the menu). A request being prepared is abandoned with
        the answers it came from: nothing was sent, and the next text must not be taken for a
        name or a phone number."""
        self.handoff = {}
        self.mode = IDLE
        self.facts = {}
        self.answered = []
        self.question = None
        self.precising = None
        self.labels = {}
        self.editing = False
        self.last_outcome = None


_FIELDS = tuple(f.name for f in fields(State))
_LONG_DIGITS = re.compile(r"\d{19}")
