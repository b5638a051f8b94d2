"""The token bucket on a fake clock (bursts, the steady rate, the deadline), and ``within``,
the time limit around a provider call."""

from __future__ import annotations

import time

import pytest

from fintrack_core.prices import ProviderTimeout, UnknownSymbol
from fintrack_core.prices.quotes import within
from fintrack_core.prices.throttle import TokenBucket


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_burst_then_the_steady_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(2.0, 3, clock=clock, sleep=clock.sleep)
    assert all(bucket.acquire() for _ in range(3))
    assert clock.now == 0.0
    assert bucket.acquire()
    assert clock.now == pytest.approx(0.5)  # 2 a second
    assert bucket.acquire()
    assert clock.now == pytest.approx(1.0)


def test_a_token_past_the_deadline_is_refused_without_waiting() -> None:
    clock = Clock()
    bucket = TokenBucket(0.5, 1, clock=clock, sleep=clock.sleep)
    assert bucket.acquire(timeout=0)
    assert not bucket.acquire(timeout=1.0)  # the next token comes in 2 s
    assert clock.slept == []
    assert bucket.acquire(timeout=2.5)
    assert clock.now == pytest.approx(2.0)


def test_saved_tokens_never_exceed_the_burst() -> None:
    clock = Clock()
    bucket = TokenBucket(10.0, 2, clock=clock, sleep=clock.sleep)
    clock.now = 100.0
    assert bucket.acquire(timeout=0)
    assert bucket.acquire(timeout=0)
    assert not bucket.acquire(timeout=0)


def test_a_bucket_needs_a_rate() -> None:
    with pytest.raises(ValueError, match="positive rate"):
        TokenBucket(0, 1)


def test_within_returns_raises_or_gives_up() -> None:
    assert within(1.0, "Test", lambda: 42) == 42

    def unknown() -> int:
        raise UnknownSymbol("Test does not know 'X'")

    with pytest.raises(UnknownSymbol):
        within(1.0, "Test", unknown)
    started = time.monotonic()
    with pytest.raises(ProviderTimeout, match=r"Test did not answer within 0\.2 s"):
        within(0.2, "Test", lambda: time.sleep(3))
    assert time.monotonic() - started < 1
