"""Test doubles at the two seams the adapters expose: a Yahoo transport answering recorded
payloads, and a whole provider answering from a table (for the refresh)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from fintrack_core.prices import DailyClose, ProviderError, Quote, RateLimit, UnknownSymbol
from fintrack_core.prices.yahoo import HttpAnswer


@dataclass
class RecordedTransport:
    """Answers each chart URL from ``answers`` (by symbol), recording every call."""

    answers: dict[str, HttpAnswer | Exception]
    calls: list[tuple[str, dict[str, str], float]] = field(default_factory=list)

    def __call__(self, url: str, params: Mapping[str, str], timeout: float) -> HttpAnswer:
        self.calls.append((url, dict(params), timeout))
        symbol = url.rsplit("/", 1)[-1]
        answer = self.answers.get(symbol, HttpAnswer(404, '{"chart":{"result":null,"error":'
                                                          '{"code":"Not Found","description":'
                                                          '"No data found"}}}'))
        if isinstance(answer, Exception):
            raise answer
        return answer


FAST = RateLimit(per_second=10_000, burst=10_000, concurrency=32)


@dataclass
class TableProvider:
    """A provider answering from ``prices`` (id -> price), after ``delay`` seconds a call;
    an id in ``errors`` raises that error; an id in neither is unknown."""

    name: str
    prices: dict[str, Decimal]
    currency: str = "USD"
    day: dt.date = dt.date(2026, 11, 27)
    delay: float = 0.0
    errors: dict[str, ProviderError] = field(default_factory=dict)
    currencies: dict[str, str] = field(default_factory=dict)  # when not ``currency``
    limit: RateLimit = FAST
    batch_size: int = 1
    label: str = ""
    on_call: Callable[[Sequence[str]], None] | None = None
    calls: list[tuple[str, ...]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.label = self.label or self.name.title()

    def latest(self, ids: Sequence[str]) -> dict[str, Quote]:
        with self._lock:
            self.calls.append(tuple(ids))
        if self.on_call is not None:
            self.on_call(ids)
        if self.delay:
            time.sleep(self.delay)
        out = {}
        for pid in ids:
            if pid in self.errors:
                raise self.errors[pid]
            if pid in self.prices:
                out[pid] = Quote(pid, self.prices[pid], self.currencies.get(pid, self.currency),
                                 self.day)
            elif len(ids) == 1:
                raise UnknownSymbol(f"{self.label} does not know {pid!r}")
        return out

    def history(self, provider_id: str, start: dt.date, end: dt.date) -> list[DailyClose]:
        if provider_id in self.errors:
            raise self.errors[provider_id]
        if self.delay:
            time.sleep(self.delay)
        price = self.prices[provider_id]
        days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
        return [DailyClose(d, price + i, self.currency) for i, d in enumerate(days)
                if d.weekday() < 5]
