"""Prometheus metrics (`GET /metrics`): counts and timings only, never a person's words."""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

registry = CollectorRegistry()
messages = Counter("assistant_messages_total", "Messages handled", ["channel", "kind"], registry=registry)
latency = Histogram("assistant_message_seconds", "Time to answer a message", ["channel"], registry=registry,
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5))
nlu_confidence = Histogram("assistant_nlu_confidence", "Confidence of the understood intent", registry=registry,
                           buckets=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0))
fallbacks = Counter("assistant_fallbacks_total", "Messages not understood", registry=registry)
outcomes = Counter("assistant_eligibility_outcomes_total", "Results of the check", ["outcome"], registry=registry)
handoffs = Counter("assistant_handoffs_total", "Cases created", ["priority"], registry=registry)
outbox_backlog = Gauge("assistant_outbox", "Outbox rows by status", ["status"], registry=registry)
unavailable = Counter(
    "assistant_unavailable_total", "Replies given while a dependency was down", ["dependency"], registry=registry
)
refused = Counter(
    "assistant_messages_refused_total",
    "Messages answered without being processed (too many at once, too long)",
    ["channel", "reason"],
    registry=registry,
)
case_bursts = Counter(
    "assistant_case_bursts_total",
    "Requests to an adviser refused: too many from one client address (or Telegram chat) within the hour",
    ["channel"],
    registry=registry,
)
