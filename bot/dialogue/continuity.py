"""Web <-> Telegram: a one-time link carries the conversation (and any request with it) to the
other channel (bot/handover.py keeps the links)."""
from __future__ import annotations

from typing import Any

from ..i18n import translator
from ..replies import Button, Reply, payload
from ..state import State
from . import navigation
from .base import Services, Turn, registry
from .menu import menu


def _link(services: Services, state: State, turn: Turn, url: str, where: str) -> None:
    _ = translator(state.locale)
    turn.say(Reply(_("Ouvrez ce lien dans les 10 minutes pour continuer sur {where}, là où vous en êtes : {url}\nIl ne "
                     "sert qu'une fois ; cette conversation-ci s'arrêtera alors.", where=where, url=url)))


@registry.command("continue_telegram")
def to_telegram(services: Services, state: State, turn: Turn, args: dict[str, Any]) -> None:
    _ = translator(state.locale)
    bot = services.telegram_bot()
    if services.handovers is None or not bot or not state.address.startswith("web:"):
        turn.say(Reply(_("Continuer sur Telegram n'est pas possible ici."), menu(state).buttons))
        return
    token = services.handovers.create(state.address)
    _link(services, state, turn, f"https://t.me/{bot}?start={token}", "Telegram")


@registry.command("continue_web")
def to_web(services: Services, state: State, turn: Turn, args: dict[str, Any]) -> None:
    _ = translator(state.locale)
    if services.handovers is None or not state.address.startswith("telegram:"):
        turn.say(Reply(_("Continuer sur le web n'est pas possible ici."), menu(state).buttons))
        return
    token = services.handovers.create(state.address)
    _link(services, state, turn, f"{services.web_url.rstrip('/')}/?reprise={token}", _("le site"))


@registry.command("handover")
def take_over(services: Services, state: State, turn: Turn, args: dict[str, Any]) -> None:
    _ = translator(state.locale)
    moved = services.handovers.claim(str(args.get("token", ""))[:64], state.address) if services.handovers else None
    if moved is None:
        turn.say(Reply(_("Ce lien n'est plus valable : il ne sert qu'une fois, pendant 10 minutes. Une demande se suit "
                         "aussi avec sa référence et son code de suivi."),
                       (Button(_("Suivre une demande avec son code"), payload("follow")), *menu(state).buttons)))
        return
    address = state.address
    state.__dict__.update(moved.__dict__)
    state.address = address
    _ = translator(state.locale)
    turn.say(Reply(_("Votre conversation continue ici.")
                   + (" " + _("Votre demande {reference} vous suit.", reference=state.case_reference)
                      if state.case_reference else "")))
    navigation.resume(services, state, turn)
