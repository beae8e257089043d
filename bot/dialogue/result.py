"""The result of the check: the outcome, a reason for every criterion with the seed line it rests
on, what would change it, other help, and always a way to reach an adviser (no automated refusal)."""
from __future__ import annotations

import re
from typing import Any

import nlu
import rules_adapter
from rules_adapter import Outcome, Source, Status

from .. import metrics
from ..i18n import translator
from ..replies import Button, Reply, payload
from ..state import CHECK, RESULT, SUMMARY, State
from . import check
from .base import Services, Translator, Turn, registry
from .menu import menu


def source_line(source: Source, _: Translator) -> str:
    """Where a criterion comes from; a refusal quotes the seed line it rests on."""
    name = re.sub(r"^\d{3}\s+", "", source.document)
    where = _("source : {document}, « {section} »", document=name, section=source.section)
    return f"{where} : « {source.quote} »" if source.quote else where


@registry.command("result")
def result(services: Services, state: State, turn: Turn, args: dict[str, Any] | None = None) -> None:
    _ = translator(state.locale)
    if state.mode not in (SUMMARY, RESULT, CHECK):
        turn.say(menu(state))
        return
    assessment = rules_adapter.assess(state.facts, on=services.today(), locale=state.locale)
    if assessment.outcome is Outcome.INCOMPLETE:
        state.mode = CHECK
        check.proceed(services, state, turn)
        return
    state.mode = RESULT
    state.last_outcome = assessment.outcome.value
    metrics.outcomes.labels(assessment.outcome.value).inc()
    state.urgent = state.urgent or assessment.urgent
    headline = {
        Outcome.ELIGIBLE: _("D'après vos réponses, le service d'accompagnement social peut vous aider."),
        Outcome.TO_CONFIRM: _(
            "D'après vos réponses, le service peut sans doute vous aider : un conseiller doit "
            "confirmer un point avec vous."
        ),
        Outcome.NOT_ELIGIBLE: _(
            "D'après vos réponses, le service d'accompagnement social ne peut pas intervenir pour "
            "vous. Ce n'est pas une décision : un conseiller peut toujours examiner votre "
            "situation."
        ),
        Outcome.REDIRECT: _(
            "D'après vos réponses, votre demande relève plutôt du service locatif d'Action Logement que "
            "de l'accompagnement social."
        ),
    }[assessment.outcome]
    if assessment.urgent:
        headline += "\n" + _("Votre situation est urgente : elle sera traitée en priorité.")
    turn.say(Reply(headline))
    marks = {Status.MET: "✔", Status.NOT_MET: "✘", Status.TO_CONFIRM: "⚠", Status.UNKNOWN: "?"}
    lines = [_("Le détail, critère par critère :")]
    for reason in assessment.reasons:
        sources = "; ".join(source_line(s, _) for s in reason.sources[:1])
        lines.append(f"{marks[reason.status]} {reason.text} ({sources})")
    turn.say(Reply("\n".join(lines)))
    if assessment.what_would_change:
        turn.say(
            Reply("\n".join([_("Ce qui changerait le résultat :")] + [f"• {c}" for c in assessment.what_would_change]))
        )
    if assessment.orientations:
        turn.say(Reply("\n".join([_("Autres aides possibles :")] + [f"• {o.text}" for o in assessment.orientations])))
    buttons: tuple[Button, ...]
    if assessment.outcome in (Outcome.ELIGIBLE, Outcome.TO_CONFIRM):
        buttons = (
            Button(_("Être contacté(e) par un conseiller"), payload("handoff")),
            Button(_("Modifier mes réponses"), payload("summary")),
            Button(_("Poser une question"), payload("ask_question")),
        )
        turn.say(
            Reply(
                _(
                    "Souhaitez-vous qu'un conseiller social vous contacte ? C'est gratuit et votre employeur n'en "
                    "saura rien."
                ),
                buttons,
            )
        )
    else:
        # No automated refusal: the person can still ask, here, to be called back.
        buttons = (
            Button(_("Être rappelé(e) par un conseiller"), payload("handoff")),
            Button(_("Modifier mes réponses"), payload("summary")),
            Button(_("Poser une question"), payload("ask_question")),
            Button(_("Recommencer"), payload("restart")),
        )
        turn.say(
            Reply(
                _(
                    "Un conseiller peut quand même examiner votre situation : demandez ici à être rappelé(e), ou "
                    "appelez le {phone}, {hours} (appel non surtaxé)."
                ),
                buttons,
            )
        )


@registry.intent("affirm", "deny")
def yes_or_no(services: Services, state: State, turn: Turn, parse: nlu.Parse, text: str) -> bool:
    """ "Oui" on the summary is "show me the result"; in the check, not an answer to a question."""
    if parse.intent == "affirm" and state.mode == SUMMARY:
        result(services, state, turn)
        return True
    if state.mode == CHECK:
        return False
    turn.say(menu(state))
    return True
