"""Many messages through a loaded Rasa model in one go, with Rasa's own results.

Rasa's graph already takes a list of messages; what keeps it one-at-a-time is the TensorFlow
classifiers (DIET and the ResponseSelector), whose `process` calls the model once per message.
`BatchedGraph` gives each of them, for one batch, the outputs of a single model call on the
whole batch, split back per message, and leaves everything else — featurizers, entity
extractors, ranking, the response selector's bookkeeping — to Rasa's code unchanged. It also
combines each message's sparse features once, in one step, for both classifiers. A test checks
that results are those of Rasa's own one-message path.
"""
from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse
from rasa.core.agent import Agent
from rasa.core.channels import UserMessage
from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message


def _combined(features: list[Features], featurizers: list[str]) -> Features | None:
    """What Rasa's `Message._combine_features` gives for sparse features, built in one step:
    Rasa deep-copies the first matrix and stacks the others onto it one `hstack` at a time,
    which for a message's few small matrices costs more than the classifiers themselves."""
    if not features:
        return None
    first = features[0]
    matrices = [f.features.tocoo() for f in features]
    if any(m.shape[0] != matrices[0].shape[0] for m in matrices):
        raise ValueError("sparse features of one message differ in sequence length")
    offsets = np.cumsum([0] + [m.shape[1] for m in matrices[:-1]])
    matrix = scipy.sparse.coo_matrix(
        (np.concatenate([m.data for m in matrices]),
         (np.concatenate([m.row for m in matrices]),
          np.concatenate([m.col + o for m, o in zip(matrices, offsets, strict=True)]))),
        shape=(matrices[0].shape[0], int(sum(m.shape[1] for m in matrices))),
    )
    return Features(matrix, first.type, first.attribute, featurizers)


def _sparse_features_once(message: Message) -> Callable:
    """`message.get_sparse_features`, computed once per message for both classifiers (DIET and
    the ResponseSelector ask for the same), each caller getting its own wrapper."""
    cache: dict[tuple, tuple[Features | None, Features | None]] = {}

    def get_sparse_features(attribute: str, featurizers: list[str] | None = None):
        featurizers = featurizers or []
        key = (attribute, tuple(featurizers), len(message.features))
        if key not in cache:
            sequence, sentence = message._filter_sparse_features(attribute, featurizers)
            cache[key] = (_combined(sequence, featurizers), _combined(sentence, featurizers))
        return tuple(copy.copy(f) if f is not None else None for f in cache[key])

    return get_sparse_features


def _split(outputs: Any, count: int) -> list[Any]:
    """A batch's model outputs (arrays whose first axis is the message, or dicts of them) as
    one output per message, each shaped as Rasa's one-message call returns it."""
    if isinstance(outputs, dict):
        parts = {key: _split(value, count) for key, value in outputs.items()}
        return [{key: parts[key][i] for key in parts} for i in range(count)]
    if isinstance(outputs, np.ndarray) and outputs.ndim > 0 and outputs.shape[0] == count:
        return [outputs[i:i + 1] for i in range(count)]
    return [outputs] * count  # not per message (None, a scalar): the same for each


class _BatchedClassifier:
    """Wraps one DIET-family component: `process(messages)` makes one model call."""

    def __init__(self, node: Any):
        self.component: DIETClassifier = node._component
        self.original_process = node._fn
        # The graph node calls `Class.process(component, messages=...)`: this node only now
        # calls ours; Rasa's class and any other loaded model are untouched.
        node._fn = lambda component, **kwargs: self.process(**kwargs)

    def predict_many(self, messages: list) -> list[Any]:
        c = self.component
        if c.model is None or not messages:
            return [None] * len(messages)
        for message in messages:
            if "get_sparse_features" not in vars(message):
                message.get_sparse_features = _sparse_features_once(message)  # this message only
        model_data = c._create_model_data(messages, training=False)
        if model_data.is_empty() or model_data.number_of_examples() != len(messages):
            return [c._predict(m) for m in messages]  # cannot line them up: Rasa's way
        return _split(c.model.run_inference(model_data, batch_size=len(messages)), len(messages))

    def process(self, messages: list) -> list:
        outputs = iter(self.predict_many(messages))
        c = self.component
        c._predict = lambda message: next(outputs)  # what Rasa's `process` asks, per message
        try:
            return self.original_process(c, messages)
        finally:
            del c._predict


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
        self.classifiers = [
            _BatchedClassifier(node)
            for node in self._runner._instantiated_nodes.values()
            if isinstance(getattr(node, "_component", None), DIETClassifier) and node._fn_name == "process"
        ]
        if not self.classifiers:
            raise ValueError("no DIET classifier in the model's graph: nothing to batch")

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
            self._processor._update_full_retrieval_intent(data)
            parsed.append(data)
        return parsed
