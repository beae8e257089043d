"""Our own Rasa graph components, named in config.yml by their import path.

- `TfidfFeaturizer`: each message's text as TF-IDF weights of its words and of the character
  n-grams inside its words (scikit-learn's `TfidfVectorizer`, sub-linear term frequency), as
  Rasa sentence features. Rasa's CountVectorsFeaturizer gives raw counts: a word said three
  times in a long letter weighs three times as much, and a word every topic uses ("logement",
  "aide") as much as a rare one ("huissier").
  Words of one meaning ("thunes", "fric" and "argent"; "proprio" and "propriétaire") are read
  as one (its `synonyms` setting, config.yml): what a phrasing teaches about one holds for the
  others, though the training data says only one of them.
- `LogisticRegressionIntents`: Rasa's own LogisticRegressionClassifier (balanced class
  weights, probabilities for the FallbackClassifier) with its regularisation strength as a
  setting; Rasa fixes it at scikit-learn's default, C = 1, too strong for a few thousand
  sparse examples and 55 intents.

What the featurizer learns (vocabularies and IDF weights) is stored as JSON in the model, not
pickled: loading a model runs no code from it.
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.io import dump_obj_as_json_to_file, read_json_file
from sklearn.feature_extraction.text import TfidfVectorizer

_STATE_FILE = "tfidf.json"


def _vectorizers(config: dict[str, Any]) -> dict[str, TfidfVectorizer]:
    return {
        "words": TfidfVectorizer(sublinear_tf=True, ngram_range=tuple(config["word_ngrams"])),
        "chars": TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=tuple(config["char_ngrams"])),
    }


class Synonyms:
    """Each listed word or phrase replaced by its canonical word, in text already folded
    (project.normalize: lower case, no accents)."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self._canonical = {variant: canonical for canonical, variants in table.items() for variant in variants}
        words = sorted(self._canonical, key=len, reverse=True)  # the longest phrase first
        self._pattern = re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b") if words else None

    def __call__(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda m: self._canonical[m.group(1)], text)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=True)
class TfidfFeaturizer(SparseFeaturizer, GraphComponent):
    """TF-IDF of words and of character n-grams within words, as sentence features."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**SparseFeaturizer.get_default_config(), "word_ngrams": [1, 1], "char_ngrams": [2, 5], "synonyms": {}}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 execution_context: ExecutionContext, vectorizers: dict[str, TfidfVectorizer] | None = None) -> None:
        super().__init__(execution_context.node_name, config)
        self._model_storage = model_storage
        self._resource = resource
        self._vectorizers = vectorizers
        self._synonyms = Synonyms(config.get("synonyms") or {})

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> TfidfFeaturizer:
        return cls({**cls.get_default_config(), **config}, model_storage, resource, execution_context)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        for key in ("word_ngrams", "char_ngrams"):
            low, high = config[key]
            if not 1 <= low <= high:
                raise ValueError(f"{cls.__name__}: {key} must be [low, high] with 1 <= low <= high, not {config[key]}")
        synonyms = config.get("synonyms") or {}
        lists = synonyms.values() if isinstance(synonyms, dict) else [None]
        if not all(isinstance(words, list) and all(isinstance(w, str) and w.strip() for w in words) for words in lists):
            raise ValueError(f"{cls.__name__}: synonyms must map a word to a list of words")

    def train(self, training_data: TrainingData) -> Resource:
        texts = [self._synonyms(m.get(TEXT)) for m in training_data.training_examples if m.get(TEXT)]
        vectorizers = _vectorizers(self._config)
        for vectorizer in vectorizers.values():
            vectorizer.fit(texts)
        self._vectorizers = vectorizers
        state = {name: {"vocabulary": {k: int(i) for k, i in v.vocabulary_.items()}, "idf": v.idf_.tolist()}
                 for name, v in vectorizers.items()}
        with self._model_storage.write_to(self._resource) as folder:
            dump_obj_as_json_to_file(folder / _STATE_FILE, state)
        return self._resource

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> TfidfFeaturizer:
        config = {**cls.get_default_config(), **config}
        with model_storage.read_from(resource) as folder:
            state = read_json_file(folder / _STATE_FILE)
        vectorizers = _vectorizers(config)
        for name, vectorizer in vectorizers.items():
            vectorizer.set_params(vocabulary=state[name]["vocabulary"])
            vectorizer.idf_ = np.asarray(state[name]["idf"])
        return cls(config, model_storage, resource, execution_context, vectorizers)

    def _featurize(self, messages: list[Message]) -> None:
        if self._vectorizers is None:
            raise RuntimeError(f"{type(self).__name__} used before it was trained")
        messages = [m for m in messages if m.get(TEXT) is not None]
        if not messages:
            return
        texts = [self._synonyms(m.get(TEXT)) for m in messages]
        matrix = scipy.sparse.hstack([v.transform(texts) for v in self._vectorizers.values()]).tocsr()
        for row, message in enumerate(messages):
            self.add_features_to_message(None, matrix[row].tocoo(), TEXT, message)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        self._featurize(messages)
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LogisticRegressionIntents(LogisticRegressionClassifier):
    """Rasa's LogisticRegressionClassifier with `C`, the inverse of the regularisation strength."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**LogisticRegressionClassifier.get_default_config(), "C": 1.0}

    def __init__(self, config: dict[str, Any], name: str, model_storage: ModelStorage, resource: Resource) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf.set_params(C=float(self.config["C"]))

    def process(self, messages: list[Message]) -> list[Message]:
        # scikit-learn scores with `X @ coef_.T`; scipy copies a transposed C-ordered matrix at
        # every call (55 intents x 60 000 features: 4 ms of a 10 ms parse). Stored in Fortran
        # order, its transpose is read in place.
        coef = getattr(self.clf, "coef_", None)
        if coef is not None and not coef.flags.f_contiguous:
            self.clf.coef_ = np.asfortranarray(coef)
        return super().process(messages)
