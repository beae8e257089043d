"""A token bucket per conversation: a person may send a burst of messages, then a steady trickle;
a flood from one sender is answered politely instead of being processed."""
from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable


class RateLimiter:
    """`burst` messages at once, then `per_second` more each second, per key.

    Memory stays bounded: a bucket left alone long enough to be full again is the same as no
    bucket, so it is dropped; and never more than `max_keys` buckets are kept (the least
    recently used go first).
    """

    def __init__(self, burst: int = 15, per_second: float = 1.0, *, max_keys: int = 100_000,
                 clock: Callable[[], float] = time.monotonic):
        if burst < 1 or per_second <= 0:
            raise ValueError("burst must be at least 1 and per_second positive")
        self.burst = float(burst)
        self.per_second = per_second
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, when), oldest use first

    def __len__(self) -> int:
        return len(self._buckets)

    def _tokens(self, key: str, now: float) -> float:
        tokens, when = self._buckets.get(key, (self.burst, now))
        return min(self.burst, tokens + (now - when) * self.per_second)

    def allow(self, key: str) -> bool:
        """Take one token for `key`; False when its bucket is empty (the message must wait)."""
        now = self.clock()
        tokens = self._tokens(key, now)
        allowed = tokens >= 1
        self._buckets[key] = (tokens - 1 if allowed else tokens, now)
        self._buckets.move_to_end(key)
        self._forget_idle(now)
        return allowed

    def _forget_idle(self, now: float) -> None:
        while self._buckets:
            oldest = next(iter(self._buckets))
            if len(self._buckets) <= self.max_keys and self._tokens(oldest, now) < self.burst:
                return
            del self._buckets[oldest]
