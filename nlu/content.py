"""FAQ answers, read at run time and keyed by topic (the key of `faq/<topic>`).

Editing `content/faq.yml` needs no retraining: the store notices the file changed (checked at
most once a second) or reloads at once on `reload()` (wired to SIGHUP by the server). A file
broken by an edit is refused and the previous content keeps being served.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .project import CONTENT_FILE

log = logging.getLogger(__name__)
LOCALES = ("fr", "en")
NEXT_STEPS = ("check", "adviser", "none")
# The facts a topic's `situations` may name: the difficulties told first, then the status.
SITUATION_FACTS = ("difficulties", "contract", "situation", "sector")


@dataclass(frozen=True)
class Source:
    document: str
    section: str


@dataclass(frozen=True)
class Topic:
    key: str
    label: dict[str, str]
    answer: dict[str, str]
    sources: tuple[Source, ...]
    next_step: str
    # The facts of a situation this answer speaks to ({"difficulties": ("impayes_loyer",)}): a
    # person who tells such a story and asks for help in general reads it before the check.
    situations: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def answer_in(self, locale: str) -> str:
        return self.answer.get(locale) or self.answer["fr"]


class ContentError(ValueError):
    """The content file cannot be served; the message names the file and the topic."""


def parse_topics(data: Any, where: str) -> dict[str, Topic]:
    if not isinstance(data, dict) or not isinstance(data.get("topics"), dict):
        raise ContentError(f"{where}: expected a `topics:` mapping")
    topics = {}
    for key, node in data["topics"].items():
        try:
            raw_sources = node.get("sources") or ([node["source"]] if node.get("source") else [])
            topics[key] = Topic(
                key=key,
                label={lang: str(node["label"][lang]) for lang in LOCALES},
                answer={lang: " ".join(str(node["answer"][lang]).split()) for lang in LOCALES},
                sources=tuple(Source(str(s["document"]), str(s["section"])) for s in raw_sources),
                next_step=str(node.get("next_step", "none")),
                situations=tuple((str(fact), tuple(str(v) for v in values))
                                 for fact, values in (node.get("situations") or {}).items()),
            )
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise ContentError(f"{where}: topic {key!r} is incomplete (missing {exc})") from None
    return topics


class FaqContent:
    def __init__(self, path: Path = CONTENT_FILE, check_interval: float = 1.0):
        self.path = path
        self.check_interval = check_interval
        self._lock = threading.Lock()
        self._mtime = 0.0
        self._checked = 0.0
        self._topics: dict[str, Topic] = {}
        self.reload()

    def reload(self) -> bool:
        """Read the file again; keep the current content if the new one is broken."""
        with self._lock:
            try:
                mtime = self.path.stat().st_mtime
                data = yaml.safe_load(self.path.read_text(encoding="utf-8"))
                topics = parse_topics(data, str(self.path))
            except (OSError, yaml.YAMLError, ContentError) as exc:
                if not self._topics:
                    raise ContentError(f"{self.path}: cannot load FAQ content ({exc})") from None
                log.error("faq content not reloaded, previous version kept: %s", exc)
                return False
            self._topics, self._mtime = topics, mtime
            self._checked = time.monotonic()
            log.info("faq content loaded: %d topics", len(topics))
            return True

    def _refresh(self) -> None:
        now = time.monotonic()
        if now - self._checked < self.check_interval:
            return
        self._checked = now
        try:
            changed = self.path.stat().st_mtime != self._mtime
        except OSError:
            return
        if changed:
            self.reload()

    def topic(self, key: str) -> Topic | None:
        self._refresh()
        return self._topics.get(key)

    def topics(self) -> dict[str, Topic]:
        self._refresh()
        return dict(self._topics)

    def answer(self, key: str, locale: str) -> str | None:
        topic = self.topic(key)
        return topic.answer_in(locale) if topic else None

    def for_situation(self, facts: dict[str, Any]) -> Topic | None:
        """The answer to a told situation: the first difficulty the person named that a topic
        speaks to, else their contract, status or sector."""
        topics = self.topics().values()
        told = [("difficulties", d) for d in facts.get("difficulties") or ()]
        told += [(fact, facts[fact]) for fact in SITUATION_FACTS[1:] if isinstance(facts.get(fact), str)]
        for fact, value in told:
            for topic in topics:
                if value in dict(topic.situations).get(fact, ()):
                    return topic
        return None

    def label(self, key: str, locale: str) -> str | None:
        topic = self.topic(key)
        return topic.label.get(locale) or topic.label["fr"] if topic else None
