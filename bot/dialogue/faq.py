"""Questions answered from the FAQ, small talk, and what to do with a message not understood:
suggestions first, then the phone line, and the choice to share the message with content staff."""
from __future__ import annotations

import asyncio
import re
from typing import Any

import nlu

from ..i18n import translator
from ..replies import Button, Reply, payload
from ..state import CHECK, SUMMARY, State
from . import check, emergency
from .base import Services, Turn, registry
from .menu import menu

# E-mail addresses and phone numbers, taken out of a message shared with content staff.
CONTACT = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+|(?:\+\d{2,3}|\b0)\s*[1-9](?:[\s.-]*\d{2}){4}\b")


def answer(services: Services, topic: str, state: State, turn: Turn) -> None:
    """The topic's answer in the person's language; in the check, then back to the question."""
    _ = translator(state.locale)
    entry = services.content.topic(topic)
    if entry is None:
        turn.say(menu(state))
        return
    if topic in emergency.EMERGENCY_TOPICS:
        emergency.respond([emergency.EMERGENCY_TOPICS[topic]], services, state, turn)
        return
    text = entry.answer_in(state.locale)
    if state.mode in (CHECK, SUMMARY):
        turn.say(Reply(text))
        check.reask(services, state, turn, prefix=_("Reprenons où nous en étions."))
        return
    buttons: list[Button] = []
    if entry.next_step == "check":
        buttons.append(Button(_("Vérifier si je peux être aidé(e)"), payload("start_check")))
    elif entry.next_step == "adviser":
        buttons.append(Button(_("Parler à un conseiller"), payload("ask_human")))
    buttons.append(Button(_("Poser une autre question"), payload("ask_question")))
    turn.say(Reply(text, tuple(buttons)))


@registry.command("faq")
def faq_command(services: Services, state: State, turn: Turn, args: dict[str, Any]) -> None:
    answer(services, str(args.get("topic", "")), state, turn)


def not_understood(services: Services, parse: nlu.Parse, state: State, turn: Turn) -> None:
    """In the check, the question again with its hint; elsewhere "did you mean" once, then the
    phone line, the check and an adviser."""
    _ = translator(state.locale)
    state.misunderstood += 1
    if check.not_understood(services, state, turn):
        return
    suggestions = _suggestions(services, parse, state)
    if state.misunderstood == 1 and suggestions:
        state.suggested = [s.payload for s in suggestions]
        turn.say(
            Reply(
                _("Je ne suis pas sûr d'avoir compris. Vouliez-vous dire :"),
                (*suggestions, Button(_("Aucune de ces questions"), payload("ask_question")), *_share_button(state)),
            )
        )
        return
    turn.say(
        Reply(
            _(
                "Je n'ai toujours pas compris. Pouvez-vous reformuler en quelques mots, par exemple « loyers impayés » "
                "ou « mon employeur sera-t-il prévenu ? » ? Vous pouvez aussi parler à un conseiller au {phone} "
                "({hours})."
            ),
            (
                Button(_("Parler à un conseiller"), payload("ask_human")),
                Button(_("Vérifier si je peux être aidé(e)"), payload("start_check")),
                *_share_button(state),
            ),
        )
    )


def _share_button(state: State) -> tuple[Button, ...]:
    """Off by default: the text of a message not understood is kept only if its writer asks."""
    _ = translator(state.locale)
    return (Button(_("Partager ce message pour m'améliorer"), payload("share_message")),) if state.unclear else ()


@registry.command("share_message")
async def share(services: Services, state: State, turn: Turn, args: dict[str, Any]) -> None:
    """The message just not understood, kept for content staff because its writer pressed "share"."""
    _ = translator(state.locale)
    unclear = state.unclear
    if not unclear or services.on_share is None:
        turn.say(Reply(_("Il n'y a plus de message à partager."), menu(state).buttons))
        return
    text = CONTACT.sub("…", unclear["text"])  # an e-mail or a phone number is not needed to improve anything
    await asyncio.to_thread(services.on_share, text, unclear.get("topic", ""), state.locale)
    turn.say(
        Reply(
            _(
                "Merci. Votre message est transmis à l'équipe qui améliore mes réponses, sans votre nom ni cette "
                "conversation ; il sera effacé dans {shared_days} jours."
            ),
            menu(state).buttons,
        )
    )


def _suggestions(services: Services, parse: nlu.Parse, state: State) -> list[Button]:
    _ = translator(state.locale)
    out: list[Button] = []
    for alternative in parse.ranking:
        if alternative.intent.startswith("faq/"):
            topic = alternative.intent[4:]
            label = services.content.label(topic, state.locale)
            if label and topic not in emergency.EMERGENCY_TOPICS:
                out.append(Button(label, payload("faq", topic=topic)))
        elif alternative.intent == "start_check":
            out.append(Button(_("Vérifier si je peux être aidé(e)"), payload("start_check")))
        elif alternative.intent == "ask_human":
            out.append(Button(_("Parler à un conseiller"), payload("ask_human")))
        if len(out) == 3:
            break
    return out


@registry.intent("greet")
def greet(services: Services, state: State, turn: Turn, parse: nlu.Parse, text: str) -> None:
    _ = translator(state.locale)
    turn.say(Reply(_("Bonjour ! Que puis-je faire pour vous ?"), menu(state).buttons))
    check.reask(services, state, turn)


@registry.intent("out_of_scope")
def out_of_scope(services: Services, state: State, turn: Turn, parse: nlu.Parse, text: str) -> None:
    # In the check, words that ask nothing ("beaucoup" for the firm's size) are an answer not
    # understood: the question again with its hint, not "I can't help with that".
    if "?" not in text and check.not_understood(services, state, turn):
        return
    _ = translator(state.locale)
    turn.say(
        Reply(
            _(
                "Je ne peux pas vous aider sur ce sujet : je réponds seulement aux questions sur le service "
                "d'accompagnement "
                "des salariés en difficulté de logement."
            ),
            menu(state).buttons,
        )
    )
    check.reask(services, state, turn)
