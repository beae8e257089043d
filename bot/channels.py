"""What a channel is: a way people reach the assistant. It turns what arrives (an HTTP request,
a Telegram update) into `Assistant.handle(channel, sender, message, locale_hint)` and sends the
replies back in its own form; the conversation itself is the dialogue's, channel-free.

The web channel is bot/routes.py's REST webhook (Rasa's protocol), always on; the Telegram
channel is bot/telegram_channel.py, on when a token is configured. The deployment starts and
stops the channels that run something of their own."""
from __future__ import annotations

from typing import Protocol


class Channel(Protocol):
    name: str  # the first part of a conversation's address, "<channel>:<sender>"

    async def start(self) -> None:
        """Begin receiving (Telegram: polling, or registering the webhook)."""

    async def stop(self) -> None:
        """Stop receiving and let go of what `start` took."""
