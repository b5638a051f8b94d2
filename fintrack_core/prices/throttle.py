"""A token bucket per provider, shared by the refresh's threads.

Why our own 40 lines rather than a library: the refresh needs exactly one thing, "wait for
the next free call slot, but never longer than the deadline", from many threads at once. The
rate-limit libraries on PyPI (pyrate-limiter, limits) either raise instead of waiting or wait
without a bound, and their APIs changed between major versions; this class has an injectable
clock, so the tests check the rate without sleeping.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class TokenBucket:
    """``per_second`` tokens a second, at most ``burst`` saved up; one token per call."""

    def __init__(self, per_second: float, burst: int, *,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if per_second <= 0 or burst < 1:
            raise ValueError("a bucket needs a positive rate and a burst of at least 1")
        self.per_second = per_second
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(burst)
        self._last = clock()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.per_second)
        self._last = now

    def acquire(self, timeout: float | None = None) -> bool:
        """Take one token, waiting for it; ``False`` if it would come after ``timeout`` s."""
        deadline = None if timeout is None else self._clock() + timeout
        while True:
            with self._lock:
                self._refill()
                if self._tokens >= 1:
                    self._tokens -= 1
                    return True
                wait = (1 - self._tokens) / self.per_second
            if deadline is not None and self._clock() + wait > deadline:
                return False
            self._sleep(wait)
