"""Long messages: a letter or a story of several sentences, where the question comes last or is
only implied ("que dois-je faire ?"). The message is parsed whole and sentence by sentence (one
batch). The whole message's reading stands when it is sure enough; when it is not (the model
falls back on a long text it never saw the like of), the most confident reading of one of its
sentences answers instead. Entities of every part are kept.

Measured on tests/nlu/long_messages.yml (bench/understanding.py, 2026-11-30): 63.3 % answered on
topic with the whole message only, 64.2 % with this; preferring the question sentence's reading
gave 57.8 % (a question is often generic, "pouvez-vous m'aider ?", and the situation says more).
"""
from __future__ import annotations

import asyncio
import re
from typing import Awaitable, Callable

from .result import FALLBACK, Alternative, Parse

# Sentence ends, and line breaks (a letter's lines).
_SPLIT = re.compile(r"(?<=[.!?…;])\s+|\n+")
# Intents that say nothing of what the person needs: a part that only greets does not decide.
_EMPTY = frozenset({FALLBACK, "greet", "thanks", "goodbye", "affirm", "deny"})
MIN_WORDS = 3  # shorter pieces ("Bonjour,", "Merci.") join the next sentence
DECISIVE = 0.5  # below this, the whole message's reading gives way to its most confident sentence


def sentences(text: str) -> list[str]:
    """The message's sentences, very short pieces joined to the next."""
    pieces = [p.strip() for p in _SPLIT.split(text) if p and p.strip()]
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


def _strength(parse: Parse) -> float:
    return 0.0 if parse.intent in _EMPTY else parse.confidence


def combine(whole: Parse, parts: list[tuple[str, Parse]]) -> Parse:
    """One reading of a message from its whole and its sentences' readings."""
    chosen = whole
    if _strength(whole) < DECISIVE:
        chosen = max([whole, *(p for _, p in parts)], key=_strength)
    seen = {(e.name, str(e.value)) for e in whole.entities}
    entities = list(whole.entities)
    for _, p in parts:
        for e in p.entities:
            if (e.name, str(e.value)) not in seen:
                seen.add((e.name, str(e.value)))
                entities.append(e)
    best: dict[str, float] = {}
    for p in (whole, *(p for _, p in parts)):
        for alternative in p.ranking:
            best[alternative.intent] = max(best.get(alternative.intent, 0.0), alternative.confidence)
    ranking = tuple(sorted((Alternative(i, c) for i, c in best.items()), key=lambda a: a.confidence, reverse=True))
    return Parse(chosen.intent, chosen.confidence, tuple(entities), ranking, read_by_rules=whole.read_by_rules)


async def read(parse_one: Callable[[str], Awaitable[Parse]], text: str) -> Parse:
    """Parse a message as a whole, and sentence by sentence when it has several."""
    parts = sentences(text)
    if len(parts) < 2:
        return await parse_one(text)
    whole, *readings = await asyncio.gather(parse_one(text), *(parse_one(s) for s in parts))
    return combine(whole, list(zip(parts, readings)))
