"""Many messages through a loaded Rasa model in one go, with Rasa's own results.

Rasa's graph takes a list of messages, and every component of this pipeline (the TF-IDF
featurizer, the logistic regression, the extractors) processes the list at once: one graph run
per batch instead of one per message. A test checks that results are those of Rasa's own
one-message path (`Agent.parse_message`).
"""
from __future__ import annotations

import threading
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels import UserMessage
from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT


class BatchedGraph:
    """Parses lists of texts with a loaded Agent's NLU graph; one batch at a time."""

    def __init__(self, agent: Agent):
        processor = agent.processor
        if processor is None:
            raise ValueError("the agent has no model")
        self._processor = processor
        self._runner = processor.graph_runner
        self._target = processor.model_metadata.nlu_target
        self._tracker = DialogueStateTracker.from_events("nlu", [])
        self._lock = threading.Lock()

    def parse(self, texts: list[str]) -> list[dict[str, Any]]:
        """Rasa's parse data for each text, as `Agent.parse_message` gives it."""
        messages = [UserMessage(text) for text in texts]
        with self._lock:
            results = self._runner.run(
                inputs={PLACEHOLDER_MESSAGE: messages, PLACEHOLDER_TRACKER: self._tracker},
                targets=[self._target],
            )
        parsed = []
        for message in results[self._target]:
            data: dict[str, Any] = {TEXT: "", INTENT: {INTENT_NAME_KEY: None, PREDICTED_CONFIDENCE_KEY: 0.0},
                                    ENTITIES: []}
            data.update(message.as_dict(only_output_properties=True))
            parsed.append(data)
        return parsed
