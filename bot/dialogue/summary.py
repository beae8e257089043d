"""The answers as the person gave them, named and worded for people: the summary before the
result, and the same lines in the handoff preview and the data export."""
from __future__ import annotations

from typing import Any

import rules_adapter
from rules_adapter.facts import UNSURE

from .. import answers
from ..i18n import number as format_number
from ..i18n import translator
from ..replies import Button, Reply, payload
from ..state import SUMMARY, State
from .base import Services, Turn, registry
from .menu import menu


def fact_name(fact: str, state: State) -> str:
    """The name questions.yml gives the fact, for this person ("Secteur du dernier employeur")."""
    name = rules_adapter.fact_name(fact, state.facts, state.locale)
    if name is not None:
        return name
    _ = translator(state.locale)
    return _("Logement") if fact == "occupancy" else fact  # a fact told, never asked


def value_label(fact: str, state: State) -> str:
    _ = translator(state.locale)
    locale = state.locale
    value: Any = state.facts.get(fact)
    if fact == "housing_location" and value is None and "postcode" in state.facts:
        return str(state.facts["postcode"])
    spec = rules_adapter.rules.questions().get(fact, {})
    choices = spec.get("choices", {})
    if fact == "difficulties":
        return ", ".join(choices.get(v, {}).get(locale, v) for v in value or [])
    if fact in state.labels:
        return state.labels[fact]
    if value == UNSURE:
        return _("je ne sais pas")
    if fact == "company_size" and value == answers.BIG_COMPANY:
        return _("une grande entreprise")
    if fact == "company_size":
        return _("1 salarié") if value == 1 else _("{n} salariés", n=format_number(value, locale))
    if fact in ("contract_months", "months_since_job_end"):
        return _("{n} mois", n=format_number(value, locale))
    return str(choices.get(str(value), {}).get(locale, str(value)))


def given(facts: dict[str, Any], state: State) -> list[str]:
    """The facts of `facts` the person gave, in the order they gave them."""
    return [f for f in state.answered if f in facts or (f == "housing_location" and "postcode" in facts)]


def lines(state: State, facts: dict[str, Any] | None = None) -> list[str]:
    """One "name : value" line per answer; `facts` shows only those (the handoff's shared part)."""
    _ = translator(state.locale)
    shown = state if facts is None else State(locale=state.locale, facts=facts, labels=state.labels)
    return ["• " + _("{name} : {value}", name=fact_name(fact, state), value=value_label(fact, shown))
            for fact in given(shown.facts, state)]


def summary(state: State) -> Reply:
    _ = translator(state.locale)
    facts_in_order = given(state.facts, state)
    text = "\n".join([_("Voici vos réponses. Vous pouvez en modifier une avant de voir le résultat :"), *lines(state)])
    buttons = [Button(_("Voir le résultat"), payload("result"))]
    buttons += [
        Button(_("Modifier : {name}", name=fact_name(f, state)), payload("edit", fact=f)) for f in facts_in_order
    ]
    return Reply(text, tuple(buttons))


@registry.command("summary")
def show_summary(services: Services, state: State, turn: Turn, args: dict[str, Any]) -> None:
    if state.facts:
        state.mode = SUMMARY
        turn.say(summary(state))
    else:
        turn.say(menu(state))
