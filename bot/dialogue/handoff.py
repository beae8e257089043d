"""The handoff: information notice and consent, contact details each checked with a clear retry
message, an optional budget, a preview of exactly what the adviser will receive, then the case
and its reference.

Its questions are the `Step`s of bot/dialogue/steps.py. Urgency is the server's: an emergency
it detected or the check's assessment, never a payload's word."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

import handoff as cases
import nlu
import rules_adapter
from handoff.service import SENSITIVE_DIFFICULTIES, Draft, shareable_facts

from .. import metrics
from ..i18n import money, translator
from ..replies import Button, Reply, parse_payload, payload
from ..state import RESULT, State
from . import confirmation, follow_up, summary
from .base import Services, Turn, registry
from .menu import menu
from .steps import (
    EDITABLE,
    NOT_SAFE,
    ORDER,
    STEPS,
    InvalidAnswer,
    Step,
    any_time_allowed,
    safe_contact_label,
    slot_label,
)

_CANCEL = re.compile(r"\b(annuler|cancel|stop)\b")


def request_facts(state: State) -> dict[str, Any]:
    """The situation a request carries: the check's answers, and the dangers told in words."""
    facts = dict(state.facts)
    told = [d for d in state.dangers if d not in (facts.get("difficulties") or ())]
    if told:
        facts["difficulties"] = [*(facts.get("difficulties") or ()), *told]
    return facts


def collecting(state: State) -> bool:
    """A request is being filled in (after the consent): the texts are its answers, not for the NLU."""
    return state.handoff.get("step") in ORDER


# --- entry ---------------------------------------------------------------------------------------

def adviser(services: Services, state: State, turn: Turn) -> None:
    """The service's phone line, and the check offered first (a request arrives complete)."""
    _ = translator(state.locale)
    text = _("Un conseiller social vous répond au {phone}, {hours} (appel non surtaxé). Vous pouvez aussi prendre "
             "rendez-vous en agence.")
    if state.urgent:
        text = _("Votre demande est urgente.") + " " + text
    buttons = []
    if state.mode != RESULT:
        text += " " + _(
            "Si vous le souhaitez, je peux d'abord vérifier avec vous si le service peut vous aider : votre "
            "demande arrivera alors complète."
        )
        buttons.append(Button(_("Vérifier si je peux être aidé(e)"), payload("start_check")))
    if state.mode in ("check", "summary"):
        buttons.append(Button(_("Reprendre là où j'en étais"), payload("resume")))
    buttons.append(Button(_("Poser une question"), payload("ask_question")))
    turn.say(Reply(text, tuple(buttons)))


@registry.command("ask_human")
def ask_human(services: Services, state: State, turn: Turn, args: dict[str, Any] | None = None) -> None:
    if services.handoff is not None and (state.urgent or state.last_outcome is not None):
        start(services, state, turn)
    else:
        adviser(services, state, turn)


@registry.intent("ask_human")
def ask_human_intent(services: Services, state: State, turn: Turn, parse: nlu.Parse, text: str) -> None:
    ask_human(services, state, turn)


@registry.command("handoff")
def start(services: Services, state: State, turn: Turn, args: dict[str, Any] | None = None) -> None:
    """The notice, after any result (a refusal by the pre-check included: it is not a decision)
    or in an emergency the server saw; before that, the phone line and the check."""
    _ = translator(state.locale)
    if services.handoff is None:
        adviser(services, state, turn)
        return
    found = follow_up.lookup(services, state, state.case_reference)
    if found is not None and found.value in follow_up.OPEN:
        turn.say(follow_up.status(services, state, state.case_reference, found))
        return
    # A withdrawn or closed request (or one erased) no longer stands in the way of a new one.
    state.case_reference = None
    if state.last_outcome is None and not state.urgent:
        adviser(services, state, turn)
        return
    state.handoff = {"step": "notice", "urgent": state.urgent}
    turn.say(
        Reply(
            _(
                "Avant de transmettre votre demande, voici comment vos données sont utilisées.\n• Qui les reçoit : "
                "uniquement les conseillers sociaux du service d'accompagnement d'Action Logement Services. Votre "
                "employeur ne reçoit rien et n'est jamais contacté.\n• Pourquoi : pour vous rappeler et étudier votre "
                "situation sans que vous ayez à tout raconter de nouveau.\n• Combien de temps : vos coordonnées non "
                "transmises sont effacées après {contact_days} jours ; un dossier clos est anonymisé après "
                "{case_months} mois.\n• Vos droits : accès, rectification, effacement. Écrivez « effacer mes données » "
                "à tout moment."
            ),
            (
                Button(_("J'accepte, je continue"), payload("consent")),
                Button(_("Je refuse"), payload("consent_refuse")),
            ),
        )
    )


@registry.command("consent")
def accept(services: Services, state: State, turn: Turn, args: dict[str, Any]) -> None:
    _consent(services, state, turn, given=True)


@registry.command("consent_refuse")
def refuse(services: Services, state: State, turn: Turn, args: dict[str, Any]) -> None:
    _consent(services, state, turn, given=False)


def _consent(services: Services, state: State, turn: Turn, given: bool) -> None:
    _ = translator(state.locale)
    if not state.handoff or state.handoff.get("step") != "notice":
        turn.say(menu(state))
        return
    if not given:
        state.handoff = {}
        turn.say(
            Reply(
                _(
                    "C'est noté : rien n'est transmis et vos coordonnées ne sont pas demandées. Vous pouvez parler à "
                    "un conseiller au {phone}, {hours} (appel non surtaxé)."
                ),
                menu(state).buttons,
            )
        )
        return
    state.handoff["consent_at"] = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None).isoformat()
    go_to(services, state, turn, "name")


# --- asking and answering --------------------------------------------------------------------------


def go_to(services: Services, state: State, turn: Turn, step: str) -> None:
    h = state.handoff
    if h.get("editing") and step != "preview" and h.get(step) is not None:
        step = "preview"
    if step == "postcode" and state.facts.get("postcode") and "postcode" not in h:
        h["postcode"] = state.facts["postcode"]
        step = "safe_contact"
    if step == "safe_contact" and "violences" not in (request_facts(state).get("difficulties") or ()):
        step = "means"
    if step == "means" and h.get("safe_contact") == NOT_SAFE:
        step = "slot"  # a call at the chosen time only
    if step == "sensitive" and not (set(request_facts(state).get("difficulties") or ()) & SENSITIVE_DIFFICULTIES):
        step = "budget_offer"
    h["step"] = step
    turn.say(ask(services, state, step))


def ask(services: Services, state: State, step: str, error: str | None = None) -> Reply:
    _ = translator(state.locale)
    found = STEPS.get(step)
    if found is None:
        return preview(services, state, error)
    text = found.question_for(state, _) if found.question_for else found.question(_)
    return Reply(f"{error}\n{text}" if error else text, found.buttons(services, state, _))


def reask(services: Services, state: State, turn: Turn) -> None:
    """A button that does not fit the step (stale, or forged): the current question again."""
    step = state.handoff.get("step")
    turn.say(ask(services, state, step) if step in ORDER else menu(state))


def _take(services: Services, state: State, turn: Turn, step: Step, value: Any) -> None:
    if step.stored:
        state.handoff[step.name] = value
    if step.then_compute is not None:
        step.then_compute(state.handoff)
    go_to(services, state, turn, step.next(value))


def text_answer(services: Services, state: State, turn: Turn, text: str) -> None:
    """What is typed while a request is filled in: "annuler", an answer, or a button's title."""
    _ = translator(state.locale)
    if _CANCEL.search(nlu.normalize(text)):
        cancel(services, state, turn)
        return
    name = state.handoff.get("step", "")
    step = STEPS.get(name)
    if step is not None and step.read is not None:
        try:
            value = step.read(text)
        except (cases.InvalidContact, InvalidAnswer):
            hint = step.invalid(_) if step.invalid else None
            turn.say(ask(services, state, name, hint))
            return
        _take(services, state, turn, step, value)
        return
    # A button's title typed instead of pressed ("téléphone", "peu importe", "oui").
    folded = nlu.normalize(text)
    for button in ask(services, state, name).buttons:
        command = parse_payload(button.payload)
        title = nlu.normalize(button.title)
        if command and command[0] == "hset" and folded and (folded == title or (len(folded) >= 3 and folded in title)):
            choose(services, state, turn, command[1])
            return
    turn.say(ask(services, state, name, _("Choisissez un bouton.")))


@registry.command("hset")
def choose(services: Services, state: State, turn: Turn, args: dict[str, Any]) -> None:
    name, value = str(args.get("field", "")), str(args.get("value", ""))
    step = STEPS.get(name)
    # Only the question being asked can be answered, with one of its own values.
    if name != state.handoff.get("step") or step is None or step.accepts is None or not step.accepts(value):
        reask(services, state, turn)
        return
    if name == "slot" and value == "any" and not any_time_allowed(state.handoff):
        reask(services, state, turn)  # only a time when it is safe to call
        return
    _take(services, state, turn, step, step.keep(value))


@registry.command("skip")
def skip(services: Services, state: State, turn: Turn, args: dict[str, Any]) -> None:
    step = STEPS.get(state.handoff.get("step", ""))
    if step is None or step.skip_to is None:
        reask(services, state, turn)
        return
    state.handoff[step.name] = None
    for key in step.skip_clears:
        state.handoff.pop(key, None)
    go_to(services, state, turn, step.skip_to)


@registry.command("hedit")
def edit(services: Services, state: State, turn: Turn, args: dict[str, Any]) -> None:
    field = str(args.get("field", ""))
    h = state.handoff
    if h.get("step") != "preview":  # the edit buttons are the preview's
        reask(services, state, turn)
        return
    if field == "budget":  # the three amounts again, from the first
        for key in ("income", "housing", "aids", "budget"):
            h.pop(key, None)
        h["step"] = "income"
        turn.say(ask(services, state, "income"))
        return
    if field not in EDITABLE:
        go_to(services, state, turn, "preview")
        return
    h["editing"] = True
    h.pop(field, None)
    h["step"] = field
    turn.say(ask(services, state, field))


# --- preview and submission --------------------------------------------------------------------------


def preview(services: Services, state: State, error: str | None = None) -> Reply:
    _ = translator(state.locale)
    h = state.handoff
    h["step"] = "preview"
    h.pop("editing", None)
    h.setdefault("reference", cases.new_reference())  # see Draft.reference
    means = {"phone": _("Téléphone"), "sms": _("SMS"), "email": _("E-mail")}
    fields = [
        (_("Nom"), h.get("name")),
        (_("Téléphone"), cases.format_phone(h["phone"])),
        (_("E-mail"), h.get("email") or _("non communiqué")),
        (_("Code postal"), "{} ({})".format(h.get("postcode"), cases.region_of(h.get("postcode") or "") or "?")),
        (_("Contact par"), means.get(h.get("means") or "", "?")),
        (_("Disponibilité"), slot_label(h.get("slot"), state)),
    ]
    if h.get("safe_contact"):
        fields.append((_("Contact sans risque"), safe_contact_label(h["safe_contact"], state)))
    lines = [_("Voici exactement ce que le conseiller recevra :")] + [
        "• " + _("{name} : {value}", name=k, value=v) for k, v in fields
    ]
    facts = request_facts(state)
    answered = list(state.answered)
    if state.dangers and "difficulties" not in answered:
        answered.insert(0, "difficulties")  # a danger told in words, shown with the rest
    shown = State(locale=state.locale, facts=facts, labels=state.labels, answered=answered)
    lines += summary.lines(shown, shareable_facts(facts, h.get("sensitive")))
    outcome = {
        "eligible": _("le service peut vous aider"),
        "to_confirm": _("à confirmer par un conseiller"),
        "not_eligible": _("hors critères de la vérification — à examiner par un conseiller"),
        "redirect": _("relève plutôt du service locatif — à examiner par un conseiller"),
    }.get(state.last_outcome or "", _("à examiner par un conseiller"))
    result_label = _("Résultat de la vérification")
    lines.append("• " + _("{name} : {value}", name=result_label, value=outcome))
    if h.get("budget"):
        b = h["budget"]
        lines.append(
            "• "
            + _(
                "Budget : ressources {income}, logement {housing}, aides {aids} ; taux d'endettement "
                "{ratio} %, reste à vivre {remaining} par mois",
                income=money(b["income"], state.locale),
                housing=money(b["housing"], state.locale),
                aids=money(b["aids"], state.locale),
                ratio=b["debt_ratio_percent"],
                remaining=money(b["remaining_income"], state.locale),
            )
        )
    lines.append(_("Votre employeur ne reçoit rien et n'est jamais contacté."))
    if error:
        lines.insert(0, error)
    buttons = (
        Button(_("Confirmer l'envoi"), payload("confirm_handoff")),
        Button(_("Modifier le nom"), payload("hedit", field="name")),
        Button(_("Modifier le téléphone"), payload("hedit", field="phone")),
        Button(_("Modifier l'e-mail"), payload("hedit", field="email")),
        Button(_("Modifier le code postal"), payload("hedit", field="postcode")),
        Button(_("Modifier le budget"), payload("hedit", field="budget")),
        *(Button(_("Modifier : {name}", name=summary.fact_name(f, shown)), payload("hrevise", fact=f))
          for f in summary.given(request_facts(state), state) if f in state.facts or f == "housing_location"),
        Button(_("Annuler"), payload("cancel_handoff")),
    )
    return Reply("\n".join(lines), buttons)


@registry.command("confirm_handoff")
def confirm(services: Services, state: State, turn: Turn, args: dict[str, Any]) -> None:
    _ = translator(state.locale)
    h = state.handoff
    if (
        services.handoff is None
        or not h
        or h.get("step") != "preview"
        or not all(h.get(k) for k in ("name", "phone", "postcode", "consent_at"))
    ):
        turn.say(menu(state))
        return
    if not confirmation.within_bound(services, state, turn):
        return
    assessment = rules_adapter.assess(state.facts, on=services.today(), locale=state.locale) if state.facts else None
    facts = request_facts(state)
    sensitive = h.get("sensitive") if set(facts.get("difficulties") or ()) & SENSITIVE_DIFFICULTIES else None
    reasons = (
        []
        if assessment is None
        else [
            {
                "criterion": r.criterion,
                "status": r.status.value,
                "text": r.text,
                "source": f"{r.sources[0].document}, {r.sources[0].section}" if r.sources else "",
            }
            for r in assessment.reasons
            if sensitive or r.criterion != "difficulty"
        ]
    )
    address = state.address
    draft = Draft(
        facts=facts,
        reasons=reasons,
        outcome=state.last_outcome or "to_confirm",
        rules_version=assessment.rules_version if assessment else rules_adapter.rules_for(services.today()).version,
        urgent=bool(h.get("urgent") or state.urgent),
        name=h["name"],
        phone=h["phone"],
        email=h.get("email"),
        postcode=h["postcode"],
        preferred_means=h.get("means") or "phone",
        slots=[h.get("slot") or "any"],
        consent_at=dt.datetime.fromisoformat(h["consent_at"]),
        sensitive_consent=sensitive,
        channel=address.split(":", 1)[0],
        address=address,
        budget=h.get("budget"),
        reference=h.get("reference"),
        locale=state.locale,
        safe_contact=h.get("safe_contact"),
    )
    case = services.handoff.submit(draft)
    metrics.handoffs.labels("urgent" if draft.urgent else "normal").inc()
    state.case_reference = case.reference
    state.handoff = {}
    state.mode = RESULT
    for reply in confirmation.replies(services, state, case, draft.outcome):
        turn.say(reply)


@registry.command("cancel_handoff")
def cancel(services: Services, state: State, turn: Turn, args: dict[str, Any] | None = None) -> None:
    _ = translator(state.locale)
    state.handoff = {}
    turn.say(
        Reply(
            _("C'est annulé : rien n'a été transmis et vos coordonnées sont effacées de cette conversation."),
            menu(state).buttons,
        )
    )
