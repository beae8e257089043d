"""The conversation, as journeys: one module each (menu, faq, check, navigation, summary, result,
handoff with its steps, follow_up, emergency, language), registering the button commands and
intents it answers in `base.registry`; `engine.Dialogue` is the loop that routes a message to
them."""
from __future__ import annotations

from .base import MAX_TEXT, HandoffPort, Services, Turn, registry
from .engine import Dialogue

__all__ = ["MAX_TEXT", "Dialogue", "HandoffPort", "Services", "Turn", "registry"]
