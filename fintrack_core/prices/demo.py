"""Made-up daily prices for the demo portfolio: deterministic, offline, and labelled "demo".

Why a fixed starting day for every walk: the price of a symbol on a day must not depend on
the range asked for, so a demo built today and one extended next month agree on every past
day, and tests can state exact values. Floats only shape the random walk; each price is
rounded once to cents and stored as an exact decimal string.

Why the demo book's own rows (``store_demo_prices``) and not market rows: market prices are
shared by every book, and a made-up AAPL price must never reach a real household.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from fintrack_core.errors import ValidationError
from fintrack_core.prices.cache import PriceRow, store_book_prices, utc_now
from fintrack_core.prices.quotes import DailyClose

DEMO_SOURCE = "demo"
EPOCH = dt.date(2015, 1, 5)  # a Monday; every walk starts here
MAX_DAYS = 366 * 30


@dataclass(frozen=True, slots=True)
class DemoSeries:
    """How a demo symbol moves: its price on ``EPOCH``, yearly drift and volatility."""

    start: Decimal
    currency: str
    drift: float
    volatility: float
    every_day: bool = False  # crypto trades at weekends too


DEMO_SERIES: dict[str, DemoSeries] = {
    "VWCE.DE": DemoSeries(Decimal("55.00"), "EUR", 0.07, 0.15),
    "EUNL.DE": DemoSeries(Decimal("38.00"), "EUR", 0.08, 0.15),
    "AAPL": DemoSeries(Decimal("27.00"), "USD", 0.20, 0.28),
    "MSFT": DemoSeries(Decimal("46.00"), "USD", 0.19, 0.26),
    "bitcoin": DemoSeries(Decimal("270.00"), "USD", 0.45, 0.70, every_day=True),
    "ethereum": DemoSeries(Decimal("1.00"), "USD", 0.60, 0.90, every_day=True),
}
DEFAULT_SERIES = DemoSeries(Decimal("100.00"), "USD", 0.05, 0.20)


def _walk(symbol: str, series: DemoSeries, end: dt.date) -> dict[dt.date, Decimal]:
    rng = random.Random(zlib.crc32(symbol.encode()))
    days_a_year = 365 if series.every_day else 252
    mu = series.drift / days_a_year
    sigma = series.volatility / math.sqrt(days_a_year)
    level = float(series.start)
    out: dict[dt.date, Decimal] = {}
    day = EPOCH
    while day <= end:
        if series.every_day or day.weekday() < 5:
            out[day] = Decimal(f"{max(level, 0.01):.2f}")
            level *= math.exp(rng.gauss(mu - sigma * sigma / 2, sigma))
        day += dt.timedelta(days=1)
    return out


def demo_price_history(symbols: Iterable[str], start: dt.date, end: dt.date
                       ) -> dict[str, list[DailyClose]]:
    """Daily demo closes of each symbol from ``start`` to ``end`` (weekdays; every day for
    crypto), oldest first. Known symbols (``DEMO_SERIES``) move plausibly; any other symbol
    starts at 100 USD."""
    if start > end:
        raise ValidationError("start", f"{start.isoformat()} is after {end.isoformat()}")
    if start < EPOCH or (end - EPOCH).days > MAX_DAYS:
        raise ValidationError("start", f"demo prices run from {EPOCH.isoformat()} for at most "
                                       f"{MAX_DAYS // 366} years")
    out = {}
    for symbol in dict.fromkeys(symbols):
        series = DEMO_SERIES.get(symbol, DEFAULT_SERIES)
        walk = _walk(symbol, series, end)
        out[symbol] = [DailyClose(d, p, series.currency) for d, p in walk.items() if d >= start]
    return out


def store_demo_prices(session: Session, book_id: int,
                      histories: Mapping[str, Sequence[DailyClose]]) -> int:
    """Store demo histories (by asset symbol) as the demo book's own prices, source "demo",
    inside the demo loader's write; returns how many rows."""
    fetched_at = utc_now()
    total = 0
    for symbol, closes in histories.items():
        new, replaced = store_book_prices(
            session, book_id, symbol,
            [PriceRow(c.day, c.close, c.currency, DEMO_SOURCE) for c in closes], fetched_at)
        total += new + replaced
    return total
