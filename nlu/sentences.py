"""Long messages: a letter or a story of several sentences, where the question comes last or is
only implied ("que dois-je faire ?"). The message is parsed whole and sentence by sentence (one
batch). The whole message's reading stands when it is sure enough; when it is not (the model
falls back on a long text it never saw the like of), the most confident reading of one of its
sentences answers instead. Entities of every part are kept.

Measured end to end (bench/understanding.py, 2026-11-30, the model trained with the long,
third-party and off-topic phrasings): on the development set (tests/nlu/long_messages.yml)
72.5 % answered on topic when the whole message had to be 0.5 sure, 77.1 % with the rules here
(0.3, statements weighed down, a sentence alone never declines the message); on the test set
never tuned on, 65.2 % -> 70.8 %. Preferring the question sentence gave nothing: a question is
often generic ("pouvez-vous m'aider ?") and the situation says more. Pooling the topics' scores
over the sentences did worse (70.6-72.5 %). Since the logistic regression (nlu/components.py),
whose probabilities are flatter than DIET's, the whole message stands from the fallback
threshold, 0.2: 81.0 % -> 86.7 % on the development set (0.3 to 0.6 all gave 81-82 %), and the
same 86.5 % on the test set.
Then (2026-11-30 night), an FAQ topic the whole message reads is weighed against its sentences':
each topic's confidence in the whole plus its mean confidence over the sentences, and the highest
sum answers, among FAQ topics only and never away from a topic of danger (a letter whose whole
leans to the debt it tells and whose sentences mostly say the eviction now under way).
Development set 91.4 -> 92.4 %, no message lost; weights 0.5 to 2 the same, the sentences' best
instead of their mean lost a message from weight 2.
"""
from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable

from .project import RETRIEVAL_INTENT
from .result import DANGER_TOPICS, FALLBACK, Alternative, Parse

# Sentence ends, and line breaks (a letter's lines).
SENTENCE_BREAK = re.compile(r"(?<=[.!?…;])\s+|\n+")
# Intents that say nothing of what the person needs: a part that only greets does not decide.
_EMPTY = frozenset({FALLBACK, "greet", "thanks", "goodbye", "affirm", "deny"})
MIN_WORDS = 3  # shorter pieces ("Bonjour,", "Merci.") join the next sentence
DECISIVE = 0.2  # below this, the whole message's reading gives way to its most confident sentence
# A sentence that only states facts ("je suis en CDI dans une usine") says less of what the
# person asks than one that asks; a sentence that is off-topic on its own ("ma cuve de fioul est
# vide") does not make the whole message off-topic: only the whole message can be declined.
STATEMENT_WEIGHT = 0.3
# What the sentences' mean confidence in a topic weighs against the whole message's.
SENTENCES_WEIGHT = 1.0
# Only an FAQ topic is weighed against the sentences', and never one of danger (DANGER_TOPICS): a
# sentence about the rent never takes a message away from violence, nor a request (a call-back,
# erasing one's data, the check) that the whole message makes.


def sentences(text: str) -> list[str]:
    """The message's sentences, very short pieces joined to the next."""
    pieces = [p.strip() for p in SENTENCE_BREAK.split(text) if p and p.strip()]
    out: list[str] = []
    carry = ""
    for piece in pieces:
        piece = f"{carry} {piece}".strip() if carry else piece
        if len(piece.split()) < MIN_WORDS:
            carry = piece
            continue
        out.append(piece)
        carry = ""
    if carry:
        if out:
            out[-1] = f"{out[-1]} {carry}"
        else:
            out.append(carry)
    return out


def _strength(parse: Parse, part: bool) -> float:
    if parse.intent in _EMPTY or (part and parse.intent == "out_of_scope"):
        return 0.0
    return parse.confidence * (STATEMENT_WEIGHT if parse.intent == "inform" else 1.0)


def combine(whole: Parse, parts: list[tuple[str, Parse]]) -> Parse:
    """One reading of a message from its whole and its sentences' readings."""
    chosen = whole
    if whole.intent in _EMPTY or whole.intent == "inform" or whole.confidence < DECISIVE:
        readings = [(whole, _strength(whole, False)), *((p, _strength(p, True)) for _, p in parts)]
        best, strength = max(readings, key=lambda r: r[1])
        if strength > 0:
            chosen = best
    seen = {(e.name, str(e.value)) for e in whole.entities}
    entities = list(whole.entities)
    for _, p in parts:
        for e in p.entities:
            if (e.name, str(e.value)) not in seen:
                seen.add((e.name, str(e.value)))
                entities.append(e)
    top: dict[str, float] = {}  # each intent's best confidence, in the whole or a sentence
    for p in (whole, *(p for _, p in parts)):
        for alternative in p.ranking:
            top[alternative.intent] = max(top.get(alternative.intent, 0.0), alternative.confidence)
    ranking = tuple(sorted((Alternative(i, c) for i, c in top.items()), key=lambda a: a.confidence, reverse=True))
    intent, confidence = chosen.intent, chosen.confidence
    if chosen.faq_topic is not None and chosen.faq_topic not in DANGER_TOPICS:
        intent = _pooled_topic(whole, parts) or intent
        if intent != chosen.intent:
            confidence = top[intent]  # the topic's best reading, in the whole or a sentence
    return Parse(intent, confidence, tuple(entities), ranking, read_by_rules=whole.read_by_rules)


def _pooled_topic(whole: Parse, parts: list[tuple[str, Parse]]) -> str | None:
    """The FAQ topic with the highest confidence in the whole message plus mean confidence over
    its sentences."""
    scores: dict[str, float] = {}
    for reading, weight in ((whole, 1.0), *((part, SENTENCES_WEIGHT / len(parts)) for _, part in parts)):
        for a in reading.ranking:
            if a.intent.startswith(f"{RETRIEVAL_INTENT}/"):
                scores[a.intent] = scores.get(a.intent, 0.0) + weight * a.confidence
    return max(scores, key=lambda intent: scores[intent], default=None)


async def read(parse_one: Callable[[str], Awaitable[Parse]], text: str) -> Parse:
    """Parse a message as a whole, and sentence by sentence when it has several."""
    parts = sentences(text)
    if len(parts) < 2:
        return await parse_one(text)
    whole, *readings = await asyncio.gather(parse_one(text), *(parse_one(s) for s in parts))
    return combine(whole, list(zip(parts, readings, strict=True)))
