"""The dialogue engine: (message or button payload, stored state) -> (replies, new state).

Deterministic code, channel-free: the NLU says what a text means, the journeys decide what to
do. One loop: the greeting, the adviser's messages, then a button to its command's handler, or
a text through the emergency check to the step under way or to its intent's handler."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import nlu
import rules_adapter

from .. import answers, metrics
from ..i18n import negotiate
from ..replies import Reply, parse_payload
from ..state import CHECK, IDLE, State
from . import (  # noqa: F401 -- each registers its commands and intents
    check,
    continuity,
    emergency,
    faq,
    follow_up,
    handoff,
    language,
    menu,
    navigation,
    reconnect,
    result,
    revise,
    summary,
)
from .base import MAX_TEXT, HandoffPort, HandoverPort, Services, Turn, registry


class Dialogue:
    def __init__(self, parser: nlu.Parser, content: nlu.FaqContent, *, handoff: HandoffPort | None = None,
                 today: Callable[[], dt.date] = dt.date.today, privacy_url: str = "/confidentialite",
                 follow_url: str = "/suivi", web_url: str = "/", handovers: HandoverPort | None = None,
                 telegram_bot: Callable[[], str | None] | None = None,
                 callback_days: int | None = None, on_parse: Callable[[nlu.Parse], None] | None = None,
                 on_share: Callable[[str, str, str], None] | None = None):
        self.services = Services(parser=parser, content=content, handoff=handoff, today=today, privacy_url=privacy_url,
                                 follow_url=follow_url, callback_days=callback_days, on_parse=on_parse,
                                 on_share=on_share, web_url=web_url, handovers=handovers)
        if telegram_bot is not None:
            self.services.telegram_bot = telegram_bot

    @property
    def content(self) -> nlu.FaqContent:
        return self.services.content

    async def handle(self, message: str, state: State, locale_hint: str | None = None, address: str = "",
                     client: str = "") -> Turn:
        services = self.services
        turn = Turn(client=client or address)
        state.address = address or state.address
        message = (message or "").strip()[:MAX_TEXT]
        command = parse_payload(message)
        if not state.greeted:
            state.greeted = True
            state.locale = negotiate(locale_hint)
            if not (command and command[0] == "handover"):  # a conversation brought here is not greeted again
                turn.say(menu.greeting(services, state))
                if not message or (command and command[0] in ("start", "menu")):
                    return turn
        if state.mode == CHECK and state.question is None and state.precising is None:
            # A stored conversation whose question the rules no longer ask: the next one.
            question = rules_adapter.next_question(state.facts, on=services.today())
            state.question = question.fact if question else None
        follow_up.adviser_messages(services, state, turn)
        if command is not None:
            await self._command(*command, state, turn)
        elif not message:
            state.unclear = {}
            turn.say(menu.menu(state))
        else:
            state.unclear = {}  # offered for one message only
            await self._text(message, state, turn)
        return turn

    def news(self, state: State) -> list[Reply]:
        """What arrived for the person since they last saw the conversation (an adviser's
        messages), for a page left open: nothing else of the conversation changes."""
        turn = Turn()
        follow_up.adviser_messages(self.services, state, turn)
        return turn.replies

    async def _command(self, name: str, args: dict[str, Any], state: State, turn: Turn) -> None:
        if name != "share_message":
            state.misunderstood = 0
        # Any button leaves a reference, a code or a message to the adviser unawaited (the
        # buttons that await them set them again).
        state.following = None
        state.writing = False
        if not await registry.run_command(name, self.services, state, turn, args):
            turn.say(menu.unknown_command(state))
        state.unclear = {}  # offered for one message only
        if not turn.replies:  # a button with nothing left to do ("retour" with no answer yet)
            turn.say(menu.menu(state))

    async def _text(self, message: str, state: State, turn: Turn) -> None:
        services = self.services
        # A reference, a code or a message to the adviser: none goes to the NLU.
        if state.following is not None:
            reconnect.text(services, state, turn, message)
            return
        if state.writing:
            reconnect.write(services, state, turn, message)
            return
        if handoff.collecting(state):
            # Contact details never go to the NLU; only the emergency safety net reads them.
            kinds = emergency.kinds_of(None, message)
            if kinds:
                # The numbers at once, the request marked urgent, and the request goes on: what
                # the person already typed is kept.
                emergency.warn(kinds, state, turn)
                state.handoff["urgent"] = True
                handoff.reask(services, state, turn)
            else:
                handoff.text_answer(services, state, turn, message)
            return
        folded = nlu.normalize(message)
        if state.mode != CHECK and reconnect.typed_reference(folded):
            kinds = emergency.kinds_of(None, message)
            if kinds:
                emergency.warn(kinds, state, turn)
            reconnect.status_typed(services, state, turn, message)
            return
        if follow_up.EXPORT.search(folded):
            follow_up.export(services, state, turn)
            return
        if state.mode == CHECK and navigation.BACK.fullmatch(folded):
            navigation.back(services, state, turn)
            return
        if state.mode == CHECK and navigation.WHY.search(folded):
            navigation.why(services, state, turn)
            return
        parse = await services.parser.parse(message, state.locale)
        self._observe(parse, message, state)
        if state.mode == IDLE:
            # What a person tells of their situation is kept whatever they asked: the check,
            # when it comes, does not ask it again, and the summary shows it to correct.
            noted = answers.facts_from_entities(parse, message)
            if noted:
                check.apply(services, noted, state)
        kinds = emergency.kinds_of(parse, message)
        if kinds:
            emergency.respond(kinds, services, state, turn)
            return
        if state.mode == CHECK and state.precising:
            check.precision_text(services, state, turn, message, parse)
            return
        # A question asked in the middle of the check ("mon employeur sera-t-il informé ?") is
        # answered, then the check resumes; it is not taken for an answer.
        asking = "?" in message and parse.faq_topic is not None and parse.confidence >= 0.5
        if (
            state.mode == CHECK
            and state.question
            and not asking
            and check.typed_answer(services, state, turn, message, parse)
        ):
            return
        self._intent(parse, message, state, turn)

    def _observe(self, parse: nlu.Parse, message: str, state: State) -> None:
        services = self.services
        metrics.nlu_confidence.observe(parse.confidence)
        if parse.intent == nlu.FALLBACK:
            metrics.fallbacks.inc()
            if services.on_share is not None and state.mode != CHECK:
                state.unclear = {"text": message, "topic": parse.ranking[0].intent if parse.ranking else ""}
        if services.on_parse is not None:
            services.on_parse(parse)

    def _intent(self, parse: nlu.Parse, text: str, state: State, turn: Turn) -> None:
        if parse.intent != nlu.FALLBACK:
            state.misunderstood = 0
        if parse.faq_topic:
            faq.answer(self.services, parse.faq_topic, state, turn)
            return
        handler = registry.intents.get(parse.intent)
        # A handler returns False when the intent does not fit where the person is.
        if handler is None or handler(self.services, state, turn, parse, text) is False:
            faq.not_understood(self.services, parse, state, turn)
