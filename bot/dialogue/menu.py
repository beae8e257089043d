"""The greeting, the menu and help: where every conversation starts and comes back to."""
from __future__ import annotations

from typing import Any

import nlu

from ..i18n import translator
from ..replies import Button, Reply, payload
from ..state import State
from .base import Services, Turn, registry


def greeting(services: Services, state: State) -> Reply:
    _ = translator(state.locale)
    text = _(
        "Bonjour, je suis l'assistant du service d'accompagnement social d'Action Logement pour les salariés en "
        "difficulté de logement : je réponds à vos questions, vérifie si le service peut vous aider et transmets "
        "votre demande à un conseiller.\nC'est gratuit et confidentiel : votre employeur n'est jamais informé. Vos "
        "données : {url}",
        url=services.privacy_url,
    )
    return Reply(text, menu(state).buttons)


def menu(state: State) -> Reply:
    _ = translator(state.locale)
    return Reply(
        _("Que souhaitez-vous faire ?"),
        (
            Button(_("Poser une question"), payload("ask_question")),
            Button(_("Vérifier si je peux être aidé(e)"), payload("start_check")),
            Button(_("Parler à un conseiller"), payload("ask_human")),
        ),
    )


def help_reply(state: State) -> Reply:
    _ = translator(state.locale)
    other = "en" if state.locale == "fr" else "fr"
    return Reply(
        _(
            "Écrivez votre question avec vos mots, ou utilisez les boutons. Commandes : recommencer, parler à un "
            "conseiller, changer de langue, effacer mes données."
        ),
        (
            Button(_("Recommencer"), payload("restart")),
            Button(_("Parler à un conseiller"), payload("ask_human")),
            Button(_("English") if other == "en" else "Français", payload("language", locale=other)),
            Button(_("Voir mes données"), payload("export")),
            Button(_("Effacer mes données"), payload("erase_data")),
        ),
    )


def elsewhere(services: Services, state: State) -> tuple[Button, ...]:
    """The button to continue on the other channel, where there is one (bot/dialogue/continuity.py)."""
    _ = translator(state.locale)
    if services.handovers is None:
        return ()
    if state.address.startswith("web:") and services.telegram_bot():
        return (Button(_("Continuer sur Telegram"), payload("continue_telegram")),)
    if state.address.startswith("telegram:"):
        return (Button(_("Continuer sur le web"), payload("continue_web")),)
    return ()


def unknown_command(state: State) -> Reply:
    _ = translator(state.locale)
    return Reply(_("Je ne connais pas cette commande."), help_reply(state).buttons)


@registry.command("start", "menu")
def show_menu(services: Services, state: State, turn: Turn, args: dict[str, Any]) -> None:
    turn.say(menu(state))


@registry.command("ask_question")
def ask_question(services: Services, state: State, turn: Turn, args: dict[str, Any]) -> None:
    _ = translator(state.locale)
    turn.say(Reply(_("Posez votre question avec vos mots, par exemple : « Mon employeur sera-t-il au courant ? »")))


@registry.command("privacy")
def privacy(services: Services, state: State, turn: Turn, args: dict[str, Any]) -> None:
    _ = translator(state.locale)
    turn.say(Reply(_("Vos données et vos droits (accès, rectification, effacement) : {url}", url=services.privacy_url),
                   menu(state).buttons))


@registry.command("help")
def show_help(services: Services, state: State, turn: Turn, args: dict[str, Any]) -> None:
    reply = help_reply(state)
    turn.say(Reply(reply.text, reply.buttons + elsewhere(services, state)))


@registry.intent("help")
def help_intent(services: Services, state: State, turn: Turn, parse: nlu.Parse, text: str) -> None:
    turn.say(help_reply(state))


@registry.intent("thanks")
def thanks(services: Services, state: State, turn: Turn, parse: nlu.Parse, text: str) -> None:
    _ = translator(state.locale)
    turn.say(Reply(_("Avec plaisir. Avez-vous une autre question ?"), menu(state).buttons))


@registry.intent("goodbye")
def goodbye(services: Services, state: State, turn: Turn, parse: nlu.Parse, text: str) -> None:
    _ = translator(state.locale)
    turn.say(
        Reply(
            _(
                "Au revoir, et bon courage. Vous pouvez revenir quand vous voulez ; le service répond aussi au {phone}."
            )
        )
    )
