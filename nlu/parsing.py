"""The only door to Rasa: `parse(text, locale)` -> intent, confidence, entities, alternatives.

In-process by default (the model under models/); when RASA_URL is set, the same door calls a
running Rasa server's /model/parse instead, which is how a deployment moves NLU out.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx
import structlog

from .extract import EXTRACTOR
from .extract import entities as rule_entities
from .project import RETRIEVAL_INTENT, TOPIC_INTENT_PREFIX, normalize
from .result import FALLBACK, Alternative, Entity, Parse
from .sentences import read
from .train import latest_model

log = logging.getLogger(__name__)

class NluUnavailable(RuntimeError):
    """The NLU could not answer (server down, hanging, or no model)."""


def _our_name(name: str) -> str:
    """An intent as Rasa names it (`faq__<topic>`, see project.TOPIC_INTENT_PREFIX) as we do."""
    if name.startswith(TOPIC_INTENT_PREFIX):
        return f"{RETRIEVAL_INTENT}/{name[len(TOPIC_INTENT_PREFIX):]}"
    return name


def from_rasa(raw: dict[str, Any]) -> Parse:
    """Turn Rasa's parse result into ours: FAQ topics named `faq/<topic>`, ranked with the
    conversation intents. An unsure reading, a topic's as any other's, is already Rasa's
    `nlu_fallback` (the FallbackClassifier of nlu/config.yml)."""
    ranking = [
        Alternative(_our_name(item["name"]), float(item.get("confidence") or 0.0))
        for item in raw.get("intent_ranking") or []
        if item.get("name") and item["name"] != FALLBACK
    ]
    ranking.sort(key=lambda a: a.confidence, reverse=True)
    intent = _our_name((raw.get("intent") or {}).get("name") or FALLBACK)
    confidence = float((raw.get("intent") or {}).get("confidence") or 0.0)

    seen: set[tuple[str, str]] = set()
    entities = []
    for e in raw.get("entities") or []:
        key = (e.get("entity"), str(e.get("value")))
        if key in seen:  # two extractors may find the same postcode
            continue
        seen.add(key)
        entities.append(
            Entity(
                e.get("entity"),
                e.get("value"),
                e.get("value") if e.get("text") is None else e["text"],
                e.get("extractor", ""),
            )
        )
    return with_rules(Parse(intent, confidence, tuple(entities), tuple(ranking)), str(raw.get("text") or ""))


def with_rules(parse: Parse, text: str) -> Parse:
    """The facts the rules read (numbers in words, lengths, places, a situation's words: see
    extract.py) after the model's, each with its extractor: the reader of the entities chooses
    (a model's span may be no value at all: "mon compte" for a situation)."""
    values = {(e.name, str(e.value)) for e in parse.entities}
    added = [
        Entity(name, value, shown, EXTRACTOR)
        for name, value, shown in rule_entities(text)
        if (name, str(value)) not in values
    ]
    return Parse(parse.intent, parse.confidence, parse.entities + tuple(added), parse.ranking, read_by_rules=True)


def model_input(text: str) -> str:
    # A leading "/" makes Rasa read the message as an intent payload: a person's text must
    # never be able to choose its own intent.
    return normalize(text).lstrip("/").strip()


class Parser(Protocol):
    async def parse(self, text: str, locale: str | None = None) -> Parse: ...
    async def close(self) -> None: ...


def quiet_rasa() -> None:
    """Rasa logs every parsed message's text at debug level through structlog: keep anything
    below a warning out of our logs, where a person's words must never appear."""

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    for name in ("rasa", "tensorflow", "absl"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _one_tensorflow_thread() -> None:
    """One thread for TensorFlow's operations: a batch is small, and on a server the other
    cores answer HTTP and the database rather than wait on TensorFlow's spinning pool."""
    import tensorflow as tf  # seconds to import: only where a model is loaded

    with contextlib.suppress(RuntimeError):  # too late once TensorFlow has run (tests that train first)
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)


class InProcessParser:
    """A Rasa model loaded in this process, parsing concurrent messages in micro-batches.

    Rasa's own path parses one message per graph run: a dask graph built and walked, and a
    TensorFlow call per classifier, for every message. Here messages that arrive while a batch
    is being parsed wait for the next one, and each batch is one graph run with one
    TensorFlow call per classifier (see `batching`). A message alone is parsed at once: there
    is no timer, a batch is simply whatever queued up meanwhile. The work runs in one thread,
    so the event loop keeps serving other requests (TensorFlow releases the GIL).
    """

    def __init__(self, model_path: Path, max_batch: int = 64):
        # Rasa's import (and TensorFlow's) takes seconds: only where a model is loaded.
        from .batching import Agent, BatchedGraph

        quiet_rasa()
        _one_tensorflow_thread()
        self.model_path = model_path
        self._graph = BatchedGraph(Agent.load(str(model_path)))
        self.max_batch = max_batch
        # Per event loop (tests run several); a deployment has one.
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Queue] = weakref.WeakKeyDictionary()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nlu")

    async def parse(self, text: str, locale: str | None = None) -> Parse:
        return await read(self._parse_one, text)

    def load(self, model_path: Path) -> None:
        """Serve `model_path` from now on (a model content staff published): loaded beside the
        one serving, then swapped in between two batches (a batch running keeps its graph)."""
        from .batching import Agent, BatchedGraph  # Rasa's import takes seconds: only where a model is loaded

        graph = BatchedGraph(Agent.load(str(model_path)))
        self._graph, self.model_path = graph, model_path

    async def _parse_one(self, text: str) -> Parse:
        cleaned = model_input(text)
        if not cleaned:
            return Parse(FALLBACK, 0.0, (), ())
        loop = asyncio.get_running_loop()
        queue = self._queues.get(loop)
        if queue is None:
            queue = self._queues[loop] = _Queue()
        future = loop.create_future()
        queue.waiting.append((cleaned, future))
        if queue.drainer is None or queue.drainer.done():
            queue.drainer = loop.create_task(self._drain(queue))
        return from_rasa(await future)

    def parse_many(self, texts: list[str]) -> list[dict[str, Any]]:
        """Rasa's raw parse results for `texts` (already cleaned), in one graph run."""
        return self._graph.parse(texts)

    async def _drain(self, queue: _Queue) -> None:
        loop = asyncio.get_running_loop()
        while queue.waiting:
            batch, queue.waiting = queue.waiting[: self.max_batch], queue.waiting[self.max_batch :]
            try:
                results = await loop.run_in_executor(self._executor, self._graph.parse, [t for t, _ in batch])
            except Exception as exc:  # one bad batch must not leave its callers waiting forever
                log.error("nlu batch failed: %s", type(exc).__name__)
                for _, future in batch:
                    if not future.done():
                        future.set_exception(NluUnavailable("the NLU model failed on this batch"))
                continue
            for (_, future), raw in zip(batch, results, strict=True):
                if not future.done():  # the caller may have gone (client disconnected)
                    future.set_result(raw)
        queue.drainer = None  # nothing here refers to the loop any more

    async def close(self) -> None:
        self._executor.shutdown(wait=False)


@dataclass
class _Queue:
    waiting: list[tuple[str, asyncio.Future]] = field(default_factory=list)
    drainer: asyncio.Task | None = None


class HttpParser:
    """A Rasa server started with `rasa run --enable-api`, reached at RASA_URL."""

    def __init__(self, base_url: str, timeout: float = 4.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout  # for the whole call: httpx's applies to each phase separately
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(timeout))

    async def parse(self, text: str, locale: str | None = None) -> Parse:
        return await read(self._parse_one, text)

    async def _parse_one(self, text: str) -> Parse:
        cleaned = model_input(text)
        if not cleaned:
            return Parse(FALLBACK, 0.0, (), ())
        try:
            response = await asyncio.wait_for(
                self._client.post(f"{self.base_url}/model/parse", json={"text": cleaned}), self.timeout
            )
            response.raise_for_status()
            return from_rasa(response.json())
        except (httpx.HTTPError, ValueError, asyncio.TimeoutError) as exc:
            # The message text stays out of the log.
            log.warning("rasa server unavailable: %s", type(exc).__name__)
            raise NluUnavailable(f"Rasa server at {self.base_url} did not answer") from None

    async def close(self) -> None:
        await self._client.aclose()


def load_parser(models_dir: Path, rasa_url: str | None = None) -> Parser:
    """The parser this deployment uses: the Rasa server at `rasa_url`, else the newest model."""
    if rasa_url:
        return HttpParser(rasa_url)

    model = latest_model(models_dir)
    if model is None:
        raise NluUnavailable(f"no NLU model in {models_dir}: run `assistant nlu train`")
    return InProcessParser(model)


def parse_sync(parser: Parser, text: str, locale: str | None = None) -> Parse:
    return asyncio.run(parser.parse(text, locale))
