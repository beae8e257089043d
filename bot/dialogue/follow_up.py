"""After the handoff, and the person's rights at any time: where the request stands, withdrawing
it, the adviser's messages, seeing every datum held and erasing it all."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

import nlu
from handoff import Status

from ..i18n import date as format_date
from ..i18n import translator
from ..replies import Button, Reply, payload
from ..state import State
from . import summary
from .base import Services, Turn, registry
from .menu import elsewhere, menu

# "voir mes données", "export my data": the right of access, typed (folded text).
EXPORT = re.compile(r"\b(export\w*|copie|voir|see|access)\b.*\b(mes|my) (donnees|data)\b")
OPEN = ("new", "claimed", "contacted")  # a request an adviser may still act on


def adviser_messages(services: Services, state: State, turn: Turn) -> None:
    """What the adviser wrote since the person's last message, before anything else."""
    if services.handoff is None or not state.case_reference:
        return
    _ = translator(state.locale)
    for body in services.handoff.pending_messages(state.case_reference, state.address):
        turn.say(Reply(_("Message de votre conseiller : {message}", message=body),
                       (Button(_("Répondre à mon conseiller"), payload("write_adviser")),)))


def lookup(services: Services, state: State, reference: str | None) -> Status | None:
    """Where the request `reference` stands, if it is this conversation's."""
    return services.handoff.status(reference, state.address) if (services.handoff and reference) else None


def status_label(value: str, state: State) -> str:
    _ = translator(state.locale)
    return {
        "new": _("reçue, en attente d'un conseiller"),
        "claimed": _("prise en charge par un conseiller"),
        "contacted": _("un conseiller vous a contacté(e)"),
        "closed": _("close"),
        "withdrawn": _("annulée à votre demande"),
    }[value]


def status(services: Services, state: State, reference: str | None = None, found: Status | None = None) -> Reply:
    """The request's status in words (`found`: already looked up), with a way to withdraw it."""
    _ = translator(state.locale)
    found = found if found is not None else lookup(services, state, reference)
    if found is None:
        return Reply(_("Je ne trouve aucune demande transmise depuis cette conversation. Une demande faite ailleurs "
                       "se suit ici avec sa référence et son code de suivi. Pour un dossier suivi par un conseiller, "
                       "contactez votre interlocuteur habituel ou le {phone}."),
                     (Button(_("Suivre une demande avec son code"), payload("follow")), *menu(state).buttons))
    label = status_label(found.value, state)
    buttons = (
        (Button(_("Écrire à mon conseiller"), payload("write_adviser")),
         Button(_("Annuler ma demande"), payload("withdraw")))
        if found.value in OPEN
        else ()
    )
    return Reply(
        _("Votre demande {reference} : {status}.", reference=reference, status=label),
        buttons + elsewhere(services, state) + menu(state).buttons,
    )


@registry.command("status")
def status_command(services: Services, state: State, turn: Turn, args: dict[str, Any]) -> None:
    turn.say(status(services, state, state.case_reference))


@registry.command("withdraw")
def withdraw_prompt(services: Services, state: State, turn: Turn, args: dict[str, Any] | None = None) -> None:
    _ = translator(state.locale)
    if not (services.handoff and state.case_reference):
        turn.say(status(services, state, None))
        return
    turn.say(
        Reply(
            _("Voulez-vous vraiment annuler votre demande {reference} ?", reference=state.case_reference),
            (Button(_("Oui, annuler ma demande"), payload("withdraw_confirm")), Button(_("Non"), payload("menu"))),
        )
    )


@registry.intent("cancel_request")
def withdraw_intent(services: Services, state: State, turn: Turn, parse: nlu.Parse, text: str) -> None:
    withdraw_prompt(services, state, turn)


@registry.command("withdraw_confirm")
def withdraw(services: Services, state: State, turn: Turn, args: dict[str, Any]) -> None:
    _ = translator(state.locale)
    if services.handoff and state.case_reference and services.handoff.withdraw(state.case_reference, state.address):
        turn.say(
            Reply(
                _(
                    "Votre demande {reference} est annulée. Vous pouvez en faire une nouvelle quand vous voulez.",
                    reference=state.case_reference,
                )
            )
        )
    else:
        turn.say(status(services, state, state.case_reference))


@registry.command("export")
def export(services: Services, state: State, turn: Turn, args: dict[str, Any] | None = None) -> None:
    """Right of access: everything this conversation and its request hold, shown to the person."""
    _ = translator(state.locale)
    lines = [_("Voici les données que nous détenons sur vous :"), *summary.lines(state)]
    data = (
        services.handoff.export(state.case_reference, state.address)
        if (services.handoff and state.case_reference)
        else None
    )
    if data:
        c = data["contact"]
        lines.append(
            _(
                "Votre demande {reference} ({status}) : {name}, {person_phone}, {email}, {postcode}.",
                reference=data["reference"],
                status=status_label(data["status"], state),
                name=c["name"],
                person_phone=c["phone"],
                email=c["email"] or "-",
                postcode=c["postcode"],
            )
        )
        lines.append(_("Notes du conseiller : {n} ; messages : {m}.", n=len(data["notes"]), m=len(data["messages"])))
    if len(lines) == 1:
        lines.append(_("Rien pour l'instant : vous n'avez donné aucune réponse."))
    lines.append(_("Vous pouvez tout effacer avec « effacer mes données »."))
    turn.say(Reply("\n".join(lines), (Button(_("Effacer mes données"), payload("erase_data")),)))


def erase_prompt(state: State) -> Reply:
    _ = translator(state.locale)
    return Reply(
        _("Voulez-vous effacer toute cette conversation et vos réponses ? C'est définitif."),
        (Button(_("Oui, tout effacer"), payload("erase_confirm")), Button(_("Non, continuer"), payload("resume"))),
    )


@registry.command("erase_data")
def erase_command(services: Services, state: State, turn: Turn, args: dict[str, Any]) -> None:
    turn.say(erase_prompt(state))


@registry.intent("erase_data")
def erase_intent(services: Services, state: State, turn: Turn, parse: nlu.Parse, text: str) -> None:
    turn.say(erase_prompt(state))


@registry.command("erase_confirm")
def erase(services: Services, state: State, turn: Turn, args: dict[str, Any]) -> None:
    _ = translator(state.locale)
    locale = state.locale
    now = dt.datetime.now()
    if services.handoff and state.case_reference:
        services.handoff.erase(state.case_reference, state.address)
    turn.erase = True
    turn.say(
        Reply(
            _(
                "C'est fait : votre conversation et vos réponses ont été effacées le {date} à {time}. Vous pouvez "
                "recommencer quand vous voulez.",
                date=format_date(now.date(), locale),
                time=now.strftime("%H:%M"),
            )
        )
    )
    fresh = State(locale=locale, greeted=True, address=state.address)
    state.__dict__.update(fresh.__dict__)
