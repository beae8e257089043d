"""A check's answer changed from a request's preview: the question is asked again (and any the
new answer calls for), the result is recomputed, and the preview comes back with it, before
anything is sent."""
from __future__ import annotations

from typing import Any

import rules_adapter
from rules_adapter import Outcome

from ..i18n import translator
from ..state import RESULT, REVISING, State
from . import handoff, navigation
from .base import Services, Turn, registry


@registry.command("hrevise")
def revise(services: Services, state: State, turn: Turn, args: dict[str, Any]) -> None:
    fact = str(args.get("fact", ""))
    if state.handoff.get("step") != "preview" or fact not in handoff.request_facts(state) and not (
            fact == "housing_location" and "postcode" in state.facts):
        handoff.reask(services, state, turn)  # a stale or forged button: the preview again
        return
    state.handoff["step"] = REVISING
    navigation.edit(services, state, turn, {"fact": fact})


@registry.command("back_to_preview")
def back_to_preview(services: Services, state: State, turn: Turn, args: dict[str, Any]) -> None:
    _ = translator(state.locale)
    if state.handoff.get("step") != REVISING:
        handoff.reask(services, state, turn)
        return
    assessment = rules_adapter.assess(state.facts, on=services.today(), locale=state.locale)
    if assessment.outcome is not Outcome.INCOMPLETE:
        state.last_outcome = assessment.outcome.value
        state.urgent = state.urgent or assessment.urgent
    state.mode = RESULT
    turn.say(handoff.preview(services, state, _("Réponse modifiée : le résultat est recalculé.")))
