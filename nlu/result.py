"""What reading a message gives: an intent with its confidence, entities, ranked alternatives."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .project import RETRIEVAL_INTENT

FALLBACK = "nlu_fallback"
# The FAQ topics of danger, and the danger each reveals: the dialogue shows its emergency numbers
# at once (bot/dialogue/emergency.py), and a long message's sentences never read it away
# (nlu/sentences.py).
DANGER_TOPICS = {"urgence_violences": "violences", "urgence_sans_logement": "sans_logement"}


@dataclass(frozen=True)
class Entity:
    name: str
    value: Any
    text: str
    extractor: str


@dataclass(frozen=True)
class Alternative:
    intent: str
    confidence: float


@dataclass(frozen=True)
class Parse:
    intent: str  # "greet", "faq/confidentialite_employeur", "nlu_fallback"…
    confidence: float
    entities: tuple[Entity, ...]
    ranking: tuple[Alternative, ...]  # best first, FAQ topics among the intents, never nlu_fallback
    read_by_rules: bool = False  # nlu/extract.py has read the text (whether it found anything or not)

    @property
    def faq_topic(self) -> str | None:
        prefix = RETRIEVAL_INTENT + "/"
        return self.intent[len(prefix):] if self.intent.startswith(prefix) else None

    def entity_values(self, name: str) -> list[Any]:
        return [e.value for e in self.entities if e.name == name]
