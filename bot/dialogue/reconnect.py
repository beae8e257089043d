"""Following a request from anywhere: with its reference and follow-up code (given once, at the
confirmation), a request made in another tab, on another device or on the other channel follows
this conversation; and the person writes to their adviser.

Typed references and codes never go to the NLU (only the emergency safety net reads them). A
wrong reference and a wrong code get the same answer; five wrong codes lock the request's
follow-up for a quarter of an hour (handoff/follow.py), and the person is told to call instead.
"""
from __future__ import annotations

import re
from typing import Any

import nlu
from handoff import Follow, normalize_access_code, normalize_reference
from handoff.domain import FOLLOW_LOCK, FOLLOW_TRIES

from ..i18n import translator
from ..replies import Button, Reply, payload
from ..state import State
from . import emergency, follow_up
from .base import Services, Turn, registry
from .menu import menu

_REFERENCE = re.compile(r"\basd[\s-]?[0-9a-z]{6}\b")
_CODE = re.compile(r"\b[0-9a-z]{5}[\s-]?[0-9a-z]{5}\b")
MAX_REPLY = 2000


def _cancel_button(state: State) -> Button:
    _ = translator(state.locale)
    return Button(_("Annuler"), payload("cancel_follow"))


def ask_reference(state: State) -> Reply:
    _ = translator(state.locale)
    return Reply(
        _("Tapez la référence de votre demande (ASD-…) et son code de suivi, tous deux donnés quand la demande a été "
          "transmise."),
        (_cancel_button(state),),
    )


def ask_code(state: State, reference: str) -> Reply:
    _ = translator(state.locale)
    return Reply(
        _("Pour suivre la demande {reference} ici, tapez son code de suivi (10 lettres et chiffres, donné avec la "
          "référence).", reference=reference),
        (Button(_("Code perdu ?"), payload("lost_code", reference=reference)), _cancel_button(state)),
    )


@registry.command("lost_code")
def lost_code(services: Services, state: State, turn: Turn, args: dict[str, Any]) -> None:
    """The same answer whatever the reference: who only knows it learns nothing, and gets no code."""
    _ = translator(state.locale)
    reference = normalize_reference(str(args.get("reference", "")))
    if not reference:
        start(state, turn)
        return
    if services.handoff is not None:
        services.handoff.resend_code(reference)
    state.following = reference  # the new code is awaited here
    turn.say(Reply(_("Si la demande {reference} existe, un nouveau code de suivi est envoyé au contact donné avec "
                     "elle (par e-mail, sinon par SMS), au plus un par quart d'heure ; il remplace l'ancien. Si "
                     "vous aviez dit qu'il n'est pas sûr de vous écrire, rien n'est envoyé : appelez le {phone}. "
                     "Tapez le nouveau code ici quand vous l'avez.", reference=reference),
                   (_cancel_button(state),)))


def start(state: State, turn: Turn, reference: str | None = None) -> None:
    state.following = reference or ""
    turn.say(ask_code(state, reference) if reference else ask_reference(state))


@registry.command("follow")
def follow_command(services: Services, state: State, turn: Turn, args: dict[str, Any]) -> None:
    start(state, turn)


@registry.command("cancel_follow")
def cancel_follow(services: Services, state: State, turn: Turn, args: dict[str, Any]) -> None:
    state.following = None
    state.writing = False
    turn.say(menu(state))


def text(services: Services, state: State, turn: Turn, message: str) -> None:
    """A text while a reference or a code is awaited."""
    _ = translator(state.locale)
    kinds = emergency.kinds_of(None, message)
    if kinds:
        emergency.warn(kinds, state, turn)
    folded = nlu.normalize(message)
    found = _REFERENCE.search(folded)
    if found:
        state.following = normalize_reference(found.group()) or state.following
        folded = folded[: found.start()] + " " + folded[found.end():]
    codes = [c for c in (normalize_access_code(m.group()) for m in _CODE.finditer(folded)) if c]
    if not state.following:
        turn.say(Reply(_("Je ne trouve pas de référence dans votre message : elle ressemble à ASD-7K2P9Q."),
                       ask_reference(state).buttons))
        return
    if not codes:
        turn.say(ask_code(state, state.following))
        return
    reference = state.following
    if services.handoff is None:
        turn.say(follow_up.status(services, state, None))
        return
    result = services.handoff.follow(reference, codes[0], state.address, state.locale)
    if result is Follow.OPENED:
        state.following = None
        state.case_reference = reference
        turn.say(Reply(_("C'est bien vous : la demande {reference} est maintenant suivie dans cette conversation (plus "
                         "dans l'ancienne).", reference=reference)))
        follow_up.adviser_messages(services, state, turn)
        turn.say(follow_up.status(services, state, reference))
    elif result is Follow.LOCKED:
        state.following = None
        turn.say(Reply(_("Trop d'essais : le suivi de cette demande est bloqué pendant {minutes} minutes. Réessayez "
                         "plus tard, ou appelez un conseiller au {phone}.",
                         minutes=int(FOLLOW_LOCK.total_seconds() // 60)), menu(state).buttons))
    else:
        turn.say(Reply(_("Cette référence et ce code ne vont pas ensemble. Vérifiez-les et tapez-les à nouveau (après "
                         "{tries} essais, le suivi est bloqué un moment).", tries=FOLLOW_TRIES),
                       ask_reference(state).buttons))


# --- the person writes to their adviser -----------------------------------------------------------


@registry.command("write_adviser")
def write_prompt(services: Services, state: State, turn: Turn, args: dict[str, Any]) -> None:
    _ = translator(state.locale)
    found = follow_up.lookup(services, state, state.case_reference)
    if found is None:
        turn.say(follow_up.status(services, state, None))
        return
    state.writing = True
    turn.say(Reply(_("Écrivez votre message pour votre conseiller : il le lira dans votre dossier. Il vous répondra "
                     "ici."), (Button(_("Annuler"), payload("cancel_follow")),)))


def write(services: Services, state: State, turn: Turn, message: str) -> None:
    """The text the person wrote for their adviser, kept with the request."""
    _ = translator(state.locale)
    state.writing = False
    kinds = emergency.kinds_of(None, message)
    if kinds:
        emergency.warn(kinds, state, turn)
    sent = bool(services.handoff and state.case_reference
                and services.handoff.reply(state.case_reference, state.address, message[:MAX_REPLY]))
    if not sent:
        turn.say(follow_up.status(services, state, None))
        return
    turn.say(Reply(_("Votre message est transmis à votre conseiller, avec votre demande {reference}.",
                     reference=state.case_reference),
                   (Button(_("Écrire à nouveau"), payload("write_adviser")),
                    Button(_("Où en est ma demande ?"), payload("status")))))


# --- "où en est ma demande ?" ----------------------------------------------------------------------


def typed_reference(folded: str) -> str | None:
    found = _REFERENCE.search(folded)
    return normalize_reference(found.group()) if found else None


def status_typed(services: Services, state: State, turn: Turn, message: str) -> None:
    """This conversation's request, or one typed by its reference: another conversation's asks
    for its code first (with the code in the same message, it is tried at once)."""
    folded = nlu.normalize(message)
    reference = typed_reference(folded) or state.case_reference
    if reference is not None and follow_up.lookup(services, state, reference) is None and services.handoff:
        state.following = reference
        if _CODE.search(folded.replace(reference.lower(), " ")):
            text(services, state, turn, message)
        else:
            turn.say(ask_code(state, reference))
        return
    turn.say(follow_up.status(services, state, reference))


@registry.intent("request_status")
def status_intent(services: Services, state: State, turn: Turn, parse: nlu.Parse, text: str) -> None:
    status_typed(services, state, turn, text)
