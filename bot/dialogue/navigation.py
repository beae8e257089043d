"""Moving around the check: why a question is asked, back to the previous one, an answer
changed from the summary, back to where one was, or everything from the start."""
from __future__ import annotations

import re
from typing import Any

import nlu

from ..i18n import translator
from ..replies import Reply
from ..state import CHECK, SUMMARY, State
from .base import Services, Turn, registry
from .check import ask, proceed, question, question_for, reask
from .menu import menu

# Typed instead of pressed, during the check (folded text).
BACK = re.compile(r"\W*(retour|revenir|precedent|question precedente|back|go back|previous)\W*")
WHY = re.compile(r"\b(pourquoi (cette|ces|vous me posez cette|me demandez-vous) question|why (this|that|do you ask|are "
                 r"you asking))")
RESTART = re.compile(r"\b(recommencer|recommence|reprendre (tout )?(depuis le|du) debut|depuis le debut|a "
                     r"zero|restart|start (over|again))\b")


@registry.command("why")
def why(services: Services, state: State, turn: Turn, args: dict[str, Any] | None = None) -> None:
    current = question(services, state) if state.mode == CHECK else None
    if current is None:
        turn.say(menu(state))
        return
    turn.say(Reply(current.why[state.locale]))
    turn.say(ask(current, services, state))


@registry.command("back")
def back(services: Services, state: State, turn: Turn, args: dict[str, Any] | None = None) -> None:
    _ = translator(state.locale)
    state.precising = None
    if not state.answered:
        reask(services, state, turn)
        return
    fact = state.answered.pop()
    state.facts.pop(fact, None)
    if fact == "housing_location":
        state.facts.pop("postcode", None)
    state.mode = CHECK
    state.question = fact
    current = question(services, state)
    if current is None:
        proceed(services, state, turn)
        return
    turn.say(ask(current, services, state, prefix=_("Vous pouvez changer votre réponse.")))


@registry.command("edit")
def edit(services: Services, state: State, turn: Turn, args: dict[str, Any]) -> None:
    _ = translator(state.locale)
    fact = str(args.get("fact", ""))
    if fact not in state.facts and not (fact == "housing_location" and "postcode" in state.facts):
        reask(services, state, turn)
        return
    state.facts.pop(fact, None)
    if fact == "housing_location":
        state.facts.pop("postcode", None)
    state.precising = None
    state.mode = CHECK
    state.editing = True
    state.question = fact
    current = question_for(services, fact, state)
    if current is None:
        proceed(services, state, turn)
        return
    turn.say(ask(current, services, state, prefix=_("Quelle est la bonne réponse ?")))


@registry.command("resume")
def resume(services: Services, state: State, turn: Turn, args: dict[str, Any] | None = None) -> None:
    if state.mode in (CHECK, SUMMARY):
        _ = translator(state.locale)
        reask(services, state, turn, prefix=_("Reprenons où nous en étions."))
    else:
        turn.say(menu(state))


def restart(state: State, turn: Turn) -> None:
    _ = translator(state.locale)
    state.reset_check()
    turn.say(Reply(_("On recommence depuis le début.")))
    turn.say(menu(state))


@registry.command("restart")
def restart_command(services: Services, state: State, turn: Turn, args: dict[str, Any]) -> None:
    restart(state, turn)


@registry.intent("restart")
def restart_intent(services: Services, state: State, turn: Turn, parse: nlu.Parse, text: str) -> bool:
    if state.mode in (CHECK, SUMMARY) and not RESTART.search(nlu.normalize(text)):
        return False  # answers are not thrown away on a guess: only an explicit "recommencer" does it
    restart(state, turn)
    return True
