"""What every journey shares: the turn being answered, the services a journey may call, and the
registry where each journey names the button commands and the intents it answers."""
from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import nlu

from ..replies import Reply
from ..state import State

if TYPE_CHECKING:
    import handoff
    from handoff.service import Draft

MAX_TEXT = 2000
Translator = Callable[..., str]


@dataclass
class Turn:
    replies: list[Reply] = field(default_factory=list)
    erase: bool = False  # the person asked to erase their conversation: the store deletes it
    # Where the message came from, for the bound on requests per hour: the web client's address
    # (as the reverse proxy forwards it), or the Telegram chat. Never stored.
    client: str = ""

    def say(self, reply: Reply) -> None:
        self.replies.append(reply)


class HandoffPort(Protocol):
    """What the conversation asks of the handoff service (handoff.HandoffService)."""

    def submit(self, draft: Draft) -> handoff.Case: ...
    def status(self, reference: str, address: str) -> handoff.Status | None: ...
    def withdraw(self, reference: str, address: str) -> bool: ...
    def erase(self, reference: str, address: str) -> bool: ...
    def pending_messages(self, reference: str, address: str) -> list[str]: ...
    def export(self, reference: str, address: str) -> dict[str, Any] | None: ...
    def follow(self, reference: str, code: str, address: str, locale: str | None = None) -> handoff.Follow: ...
    def reply(self, reference: str, address: str, body: str) -> bool: ...
    def resend_code(self, reference: str) -> bool: ...


class HandoverPort(Protocol):
    """One-time links between the web and Telegram (bot/handover.py)."""

    def create(self, address: str) -> str: ...
    def claim(self, token: str, address: str) -> State | None: ...


def _no_bot() -> str | None:
    return None


@dataclass
class Services:
    """The doors a journey may knock on: the NLU, the FAQ content, the handoff service, the date."""

    parser: nlu.Parser
    content: nlu.FaqContent
    handoff: HandoffPort | None = None
    today: Callable[[], dt.date] = dt.date.today
    privacy_url: str = "/confidentialite"
    follow_url: str = "/suivi"  # where a request is followed from any device, with its reference and code
    web_url: str = "/"  # the chat page, for a link from Telegram
    handovers: HandoverPort | None = None
    telegram_bot: Callable[[], str | None] = _no_bot  # the bot's username, while Telegram runs
    callback_days: int | None = None  # the delay the service commits to, if it does (CALLBACK_WORKING_DAYS)
    on_parse: Callable[[nlu.Parse], None] | None = None  # counts what is not understood (bot/feedback.py)
    on_share: Callable[[str, str, str], None] | None = None  # keeps a message its writer agreed to share
    # Requests to an adviser a client may send in an hour (CASES_PER_HOUR): beyond, the person is
    # asked to call, the draft kept, and the burst counted in /metrics.
    case_limiter: Any = None
    # The check's buttons, kept per question (bot/dialogue/check.py).
    buttons: dict[tuple[int, str, bool], tuple[Any, tuple[Any, ...]]] = field(default_factory=dict)


# A button command's handler: (services, state, turn, the payload's arguments).
CommandHandler = Callable[[Services, State, Turn, dict[str, Any]], "Awaitable[None] | None"]
# An intent's handler: (services, state, turn, the parse, the text); False: the intent does not
# fit where the person is, and the message is taken as not understood.
IntentHandler = Callable[[Services, State, Turn, nlu.Parse, str], "bool | None"]
C = TypeVar("C", bound=CommandHandler)
I = TypeVar("I", bound=IntentHandler)  # noqa: E741


def _add(table: dict[str, Any], kind: str, names: tuple[str, ...], handler: Callable[..., Any]) -> None:
    for name in names:
        if name in table:
            raise ValueError(f"{kind} {name!r} is already answered by {table[name].__module__}")
        table[name] = handler


class Registry:
    """Command name -> handler and intent name -> handler, each name owned by one journey."""

    def __init__(self) -> None:
        self.commands: dict[str, CommandHandler] = {}
        self.intents: dict[str, IntentHandler] = {}

    def command(self, *names: str) -> Callable[[C], C]:
        def register(handler: C) -> C:
            _add(self.commands, "command", names, handler)
            return handler
        return register

    def intent(self, *names: str) -> Callable[[I], I]:
        def register(handler: I) -> I:
            _add(self.intents, "intent", names, handler)
            return handler
        return register

    async def run_command(self, name: str, services: Services, state: State, turn: Turn, args: dict[str, Any]) -> bool:
        handler = self.commands.get(name)
        if handler is None:
            return False
        result = handler(services, state, turn, args)
        if inspect.isawaitable(result):
            await result
        return True


registry = Registry()
