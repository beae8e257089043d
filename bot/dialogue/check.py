"""The pre-eligibility check: the rules' questions one at a time, answered by a button or in the
person's words, "Autre" precised, a way back at every step, then the summary.

The questions, their choices, hints and "why" come from rules_adapter/questions.yml; this module
only asks them and keeps the answers the rules accept together."""
from __future__ import annotations

from typing import Any

import nlu
import rules_adapter
from rules_adapter import FactsError, Question

from .. import answers
from ..i18n import translator
from ..replies import Button, Reply, payload
from ..state import CHECK, IDLE, REVISING, SUMMARY, State
from . import emergency
from .base import Services, Turn, registry
from .menu import menu
from .summary import summary

# --- starting, and the facts a story gives ------------------------------------------------------

def start(services: Services, state: State, facts: dict[str, Any], turn: Turn) -> None:
    _ = translator(state.locale)
    # Facts told before the check (with a question, a greeting…) are its first answers.
    noted = (state.facts, state.answered, state.labels) if state.mode == IDLE else None
    state.reset_check()
    if noted is not None:
        state.facts, state.answered, state.labels = noted
    state.mode = CHECK
    apply(services, facts, state)
    turn.say(
        Reply(
            _(
                "Vérifions ensemble si le service peut vous aider. Quelques questions, une à la fois ; vous pouvez "
                "revenir en arrière à tout moment."
            )
        )
    )
    proceed(services, state, turn)


def situation_answer(services: Services, facts: dict[str, Any], state: State, turn: Turn) -> None:
    """A story that ends in a general request for help ("vous pouvez m'aider ?"): the answer
    about the situation it tells (unpaid rent, a temp's contract…), then the check."""
    topic = services.content.for_situation(facts) if state.mode == IDLE else None
    if topic is not None and topic.key not in emergency.EMERGENCY_TOPICS:
        turn.say(Reply(topic.answer_in(state.locale)))


def apply(services: Services, facts: dict[str, Any], state: State) -> bool:
    """Add facts if the rules accept them together; remember the order they came in."""
    merged = dict(state.facts)
    for fact, value in facts.items():
        if fact == "difficulties" and state.question != "difficulties" and merged.get(fact):
            value = list(dict.fromkeys([*merged[fact], *value]))
        merged[fact] = value
    if "postcode" in facts:
        merged.pop("housing_location", None)
    if facts.get("housing_location"):
        merged.pop("postcode", None)
    try:
        rules_adapter.parse_facts(merged)
    except FactsError:
        return False
    stale = _stale(state, merged, facts)
    for fact in stale:
        merged.pop(fact, None)
    state.facts = merged
    for fact in stale:
        state.labels.pop(fact, None)
        if fact in state.answered:
            state.answered.remove(fact)
    for fact in facts:
        state.labels.pop(fact, None)
        name = "housing_location" if fact == "postcode" else fact
        if name not in state.answered:
            state.answered.append(name)
    return True


def _stale(state: State, merged: dict[str, Any], given: dict[str, Any]) -> list[str]:
    """Answers a new one makes meaningless: another route's facts when the situation changes
    (a job seeker has no contract), and a size taken from a button cut at the thresholds of
    the previous sector or situation ("10 ou plus" says nothing of an agricultural 50)."""
    out: list[str] = []
    changed = {f for f in given if state.facts.get(f) != merged.get(f)}
    if "situation" in changed:
        if merged.get("situation") == "demandeur_emploi":
            out += ["contract", "contract_months", "disaster"]
        elif merged.get("situation") == "salarie":
            out.append("months_since_job_end")
    if changed & {"sector", "situation"} and "company_size" not in given and "company_size" in state.labels:
        out.append("company_size")
    if "contract" in changed and "contract_months" not in given and "contract_months" in state.labels:
        out.append("contract_months")
    return [f for f in out if f in merged and f not in given]


def _difficulties(state: State) -> set[str]:
    return set(state.facts.get("difficulties") or ())


# --- the question being asked -------------------------------------------------------------------


def question(services: Services, state: State) -> Question | None:
    """The question being asked, with its choices for what is known so far."""
    return question_for(services, state.question, state) if state.question else None


def question_for(services: Services, fact: str, state: State) -> Question | None:
    if fact not in rules_adapter.ASKING_ORDER:
        return None
    known = {k: v for k, v in state.facts.items() if k != fact and not (fact == "housing_location" and k == "postcode")}
    return rules_adapter.question_for(fact, known, on=services.today())


def ask(question: Question, services: Services, state: State, prefix: str | None = None) -> Reply:
    _ = translator(state.locale)
    progress = _("Question {n} sur {total}", n=question.position, total=question.total)
    text = f"{progress} — {question.text[state.locale]}"
    if prefix:
        text = f"{prefix}\n{text}"
    return Reply(text, question_buttons(services, question, state), choose_many=question.kind == "multi")


def question_buttons(services: Services, question: Question | None, state: State) -> tuple[Button, ...]:
    key = (id(question), state.locale, bool(state.answered))
    hit = services.buttons.get(key)
    if hit is not None and hit[0] is question:
        return hit[1]
    _ = translator(state.locale)
    buttons = (
        []
        if question is None
        else [Button(c.label[state.locale], payload("answer", f=question.fact, v=c.value)) for c in question.choices]
    )
    if question is not None and question.kind == "multi":
        # Sends the choices ticked (the web page and Telegram fill its value); alone, it asks again.
        buttons.append(Button(_("Valider"), payload("answer", f=question.fact, v="")))
    buttons.append(Button(_("Pourquoi cette question ?"), payload("why")))
    if state.answered:
        buttons.append(Button(_("Retour"), payload("back")))
    # The rules engine keeps its questions, so the same few come back: their buttons (a JSON
    # payload each) are kept too, the question held to tell a reused id from its own.
    if len(services.buttons) >= 1024:
        services.buttons.clear()
    kept = tuple(buttons)
    services.buttons[key] = (question, kept)
    return kept


def proceed(services: Services, state: State, turn: Turn) -> None:
    """The next question the rules need, or the summary when they have all they need."""
    next_question = rules_adapter.next_question(state.facts, on=services.today())
    if next_question is None:
        state.question = None
        state.editing = False
        if state.handoff.get("step") == REVISING:  # changed from a request's preview: back to it
            registry.commands["back_to_preview"](services, state, turn, {})
            return
        state.mode = SUMMARY
        turn.say(summary(state))
        return
    state.question = next_question.fact
    turn.say(ask(next_question, services, state))


def reask(services: Services, state: State, turn: Turn, prefix: str | None = None) -> None:
    """Where the person was: the precision, the question or the summary (nothing outside the check)."""
    if state.mode == CHECK and state.precising:
        turn.say(precision_question(state.precising, state, prefix))
    elif state.mode == CHECK and state.question:
        current = question(services, state)
        if current is not None:
            turn.say(ask(current, services, state, prefix))
    elif state.mode == SUMMARY:
        turn.say(summary(state))


def not_understood(services: Services, state: State, turn: Turn) -> bool:
    """An answer not understood: the question again, with its hint. False outside a question."""
    if not (state.mode == CHECK and state.question):
        return False
    _ = translator(state.locale)
    current = question(services, state)
    hint = current.hint[state.locale] if current is not None else ""
    turn.say(
        Reply(_("Je n'ai pas compris votre réponse. {hint}", hint=hint), question_buttons(services, current, state),
              choose_many=current is not None and current.kind == "multi")
    )
    return True


# --- answers ------------------------------------------------------------------------------------


def typed_answer(services: Services, state: State, turn: Turn, text: str, parse: nlu.Parse) -> bool:
    """The person's words as the answer to the question asked; False if they do not answer it."""
    current = question(services, state)
    if current is None:
        return False
    before = _difficulties(state)
    facts = answers.answer(current, text, parse)
    if current.fact not in facts and not (current.fact == "housing_location" and "postcode" in facts):
        return False
    if not apply(services, facts, state):
        return False
    state.misunderstood = 0
    after_answer(services, current.fact, before, state, turn, described=len(text.split()) > 3)
    return True


@registry.command("answer")
def button_answer(services: Services, state: State, turn: Turn, args: dict[str, Any]) -> None:
    _ = translator(state.locale)
    # Buttons carry {"f", "v"} (Telegram's 64 bytes hold the longest choice); {"fact", "value"},
    # the first form, is still read.
    fact, raw = str(args.get("f", args.get("fact", ""))), str(args.get("v", args.get("value", "")))
    if state.mode not in (CHECK, SUMMARY) or fact not in rules_adapter.ASKING_ORDER:
        turn.say(Reply(_("Ce bouton n'est plus valable."), menu(state).buttons))
        return
    asked = question_for(services, fact, state)
    if asked is not None and asked.kind == "multi" and not raw:  # "Valider" with nothing ticked
        reask(services, state, turn, prefix=_("Cochez au moins une réponse, puis validez."))
        return
    before = _difficulties(state)
    try:
        value = answers.typed(asked, raw) if asked is not None else None
    except (ValueError, TypeError, OverflowError):  # a forged payload: "1e999" employees
        value = None
    if value is None or not apply(services, {fact: value}, state):
        turn.say(Reply(_("Ce bouton n'est plus valable.")))
        reask(services, state, turn)
        return
    label = next((c.label.get(state.locale) for c in asked.choices if c.value == raw), None) if asked else None
    if label and asked and asked.kind in ("integer", "number"):
        state.labels[fact] = label  # "Moins de 10" says more than the 9 it stands for
    else:
        state.labels.pop(fact, None)
    state.mode = CHECK
    after_answer(services, fact, before, state, turn)


def after_answer(
    services: Services, fact: str, before: set[str], state: State, turn: Turn, described: bool = False
) -> None:
    """What an answer calls for before the next question: the emergency numbers at once when
    it names violence or no home (the check then goes on), or a precision when it is "Autre"
    (unless the person already described their situation in their own words)."""
    added = _difficulties(state) - before
    for kind in ("violences", "sans_logement"):
        if kind in added:
            state.urgent = True
            turn.say(Reply(emergency.numbers(kind, state)))
    spec = rules_adapter.rules.questions().get(fact, {}).get("precision")
    if spec is not None and state.facts.get(fact) == spec["when"]:
        if described:
            _take_precision(services, fact, None, None, state, turn)
            return
        state.precising = fact
        turn.say(precision_question(fact, state))
        return
    proceed(services, state, turn)


# --- "Autre", precised ----------------------------------------------------------------------------


def precision_question(fact: str, state: State, prefix: str | None = None) -> Reply:
    _ = translator(state.locale)
    spec = rules_adapter.rules.questions()[fact]["precision"]
    text = spec["text"][state.locale]
    buttons = [
        Button(choice["label"][state.locale], payload("precise", fact=fact, choice=key))
        for key, choice in spec["choices"].items()
    ]
    buttons.append(Button(_("Aucune de ces situations"), payload("precise", fact=fact, choice="none")))
    buttons.append(Button(_("Retour"), payload("back")))
    return Reply(f"{prefix}\n{text}" if prefix else text, tuple(buttons))


@registry.command("precise")
def precise(services: Services, state: State, turn: Turn, args: dict[str, Any]) -> None:
    """A precision button: its facts, or "none of these" (an adviser will look)."""
    _ = translator(state.locale)
    fact, choice = str(args.get("fact", "")), str(args.get("choice", ""))
    spec = rules_adapter.rules.questions().get(fact, {}).get("precision")
    if (
        state.mode != CHECK
        or state.precising != fact
        or spec is None
        or (choice != "none" and choice not in spec["choices"])
    ):
        turn.say(Reply(_("Ce bouton n'est plus valable.")))
        reask(services, state, turn)
        return
    _take_precision(services, fact, choice if choice != "none" else None, None, state, turn)


def precision_text(services: Services, state: State, turn: Turn, text: str, parse: nlu.Parse) -> None:
    fact = state.precising or ""
    spec = rules_adapter.rules.questions()[fact]["precision"]
    found = answers.precision(spec, text, parse)
    # A question asked instead (it says so with its question mark) is answered, then the
    # precision asked again; anything else is the person's own description.
    if found is None and "?" in text and parse.faq_topic and parse.faq_topic not in emergency.EMERGENCY_TOPICS:
        _ = translator(state.locale)
        entry = services.content.topic(parse.faq_topic)
        if entry is not None:
            turn.say(Reply(entry.answer_in(state.locale)))
            turn.say(precision_question(fact, state, prefix=_("Reprenons où nous en étions.")))
            return
    choice, facts = found if found is not None else (None, None)
    _take_precision(services, fact, choice, facts, state, turn)


def _take_precision(
    services: Services, fact: str, choice: str | None, facts: dict[str, Any] | None, state: State, turn: Turn
) -> None:
    _ = translator(state.locale)
    spec = rules_adapter.rules.questions()[fact]["precision"]
    state.precising = None
    if choice is not None:
        facts = dict(spec["choices"][choice]["facts"])
    if facts and apply(services, facts, state):
        if choice is not None:
            state.labels[fact] = spec["choices"][choice]["label"][state.locale]
        turn.say(Reply(_("C'est noté.")))
    else:
        turn.say(
            Reply(
                _(
                    "C'est noté : votre situation n'entre dans aucune case, un conseiller l'examinera avec vous. "
                    "Ce n'est pas un refus."
                )
            )
        )
    proceed(services, state, turn)


# --- moving around ----------------------------------------------------------------------------------


@registry.command("start_check")
def start_command(services: Services, state: State, turn: Turn, args: dict[str, Any]) -> None:
    start(services, state, {}, turn)


# --- what people type -------------------------------------------------------------------------------


@registry.intent("start_check", "inform")
def story(services: Services, state: State, turn: Turn, parse: nlu.Parse, text: str) -> bool:
    """A situation told, or a wish to check: its facts join the check (started if need be)."""
    facts = answers.facts_from_entities(parse, text)
    if state.mode in (CHECK, SUMMARY):
        # Facts given out of turn join the check under way: nothing already answered is lost.
        if not facts:
            return False
        before = _difficulties(state)
        apply(services, facts, state)
        state.mode = CHECK
        after_answer(services, next(iter(facts)), before, state, turn)
        return True
    if parse.intent == "inform" and not facts:
        return False
    situation_answer(services, facts, state, turn)
    start(services, state, facts, turn)
    return True
