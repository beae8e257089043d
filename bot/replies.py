"""What the engine says: collected, never sent from inside the logic (the channels send)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = field(default_factory=tuple)
    locale: str | None = None  # the conversation now speaks this language: a page switches its own texts
    # Several of the `/answer` buttons may be chosen, then confirmed at once (checkboxes on the
    # web page, ticks on Telegram); a client that cannot tick sends one.
    choose_many: bool = False


def payload(command: str, **args: Any) -> str:
    """A button payload in Rasa's convention, `/command{"key": "value"}`: any Rasa REST client
    sends it back as the message when the button is pressed."""
    return f"/{command}{json.dumps(args, ensure_ascii=False, separators=(',', ':'))}" if args else f"/{command}"


def parse_payload(message: str) -> tuple[str, dict[str, Any]] | None:
    """`/command{...}` -> (command, args); None for ordinary text or a malformed payload."""
    if not message.startswith("/") or len(message) > 500:
        return None
    body = message[1:]
    brace = body.find("{")
    command, raw = (body, "") if brace < 0 else (body[:brace], body[brace:])
    if not command or not command.replace("_", "").isalnum():
        return None
    if not raw:
        return command, {}
    try:
        args = json.loads(raw)
    except ValueError:
        return None
    return (command, args) if isinstance(args, dict) else None
