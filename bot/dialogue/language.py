"""French or English, switched at any time; the conversation goes on where it was."""
from __future__ import annotations

import re
from typing import Any

import nlu

from ..i18n import SUPPORTED, translator
from ..replies import Reply
from ..state import State
from . import check
from .base import Services, Turn, registry


def switch(services: Services, wanted: str, state: State, turn: Turn) -> None:
    if wanted not in SUPPORTED:
        wanted = "en" if state.locale == "fr" else "fr"
    state.locale = wanted
    _ = translator(state.locale)
    turn.say(Reply(_("Je continue en français."), locale=wanted))
    check.reask(services, state, turn)


@registry.command("language")
def language_command(services: Services, state: State, turn: Turn, args: dict[str, Any]) -> None:
    switch(services, str(args.get("locale", "")), state, turn)


@registry.intent("change_language")
def language_intent(services: Services, state: State, turn: Turn, parse: nlu.Parse, text: str) -> None:
    folded = nlu.normalize(text)
    wanted = (
        "en"
        if re.search(r"\b(english|anglais)\b", folded)
        else "fr"
        if re.search(r"\b(francais|french)\b", folded)
        else ""
    )
    switch(services, wanted, state, turn)
