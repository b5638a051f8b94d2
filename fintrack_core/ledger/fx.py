"""Exchange rates: manual rates per book (providers come later), looked up as of a date.

The rate used for a date is the one of that day or the latest before it. Inverse pairs are
derived (1 / rate) so a user entering EUR→USD also gets USD→EUR. Which rate applies on a day
is decided in one place, ``daily_rates``, used by ``RateTable`` (pages, balances) and by the
report copy (``reports.store``), so a balance and a report agree to the cent.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from fintrack_core.access import READ, WRITE, Scope, require
from fintrack_core.db.models import FxRate
from fintrack_core.errors import ValidationError
from fintrack_core.money import check_currency, parse_amount


@dataclass(frozen=True, slots=True)
class RateView:
    base: str
    quote: str
    date: dt.date
    rate: Decimal
    source: str
    # The book's own (manual) rate, not a shared provider one. Not part of equality: the same
    # rate is the same rate, whoever stored it.
    own: bool = field(default=True, compare=False)


def _rate(value: Decimal | str) -> Decimal:
    # typed text through the one parser of typed numbers: ASCII digits, no exponent
    rate = value if isinstance(value, Decimal) else parse_amount(str(value), "rate", "1.0842")
    if not rate.is_finite() or rate <= 0:
        raise ValidationError("rate", "must be a positive number")
    return rate


def set_rate(scope: Scope, base: str, quote: str, date: dt.date, rate: Decimal | str) -> RateView:
    """Store (or replace) this book's manual rate: 1 ``base`` = ``rate`` ``quote``."""
    b, q = check_currency(base, "base"), check_currency(quote, "quote")
    if b == q:
        raise ValidationError("quote", "base and quote must differ")
    value = _rate(rate)
    with scope.db.write() as s:
        require(s, scope, WRITE)
        row = s.scalar(select(FxRate).where(FxRate.book_id == scope.book_id, FxRate.base == b,
                                            FxRate.quote == q, FxRate.date == date))
        if row is None:
            row = FxRate(book_id=scope.book_id, base=b, quote=q, date=date)
            s.add(row)
        row.rate, row.source = str(value), "manual"
        return RateView(b, q, date, value, "manual")


def delete_rate(scope: Scope, base: str, quote: str, date: dt.date) -> None:
    """Delete this book's manual rate, if any (codes normalised exactly as ``set_rate`` does)."""
    b, q = check_currency(base, "base"), check_currency(quote, "quote")
    with scope.db.write() as s:
        require(s, scope, WRITE)
        row = s.scalar(select(FxRate).where(FxRate.book_id == scope.book_id, FxRate.base == b,
                                            FxRate.quote == q, FxRate.date == date))
        if row is not None:
            s.delete(row)


def list_rates(scope: Scope) -> list[RateView]:
    """Rates visible to this book: its own manual rates plus shared provider rates."""
    with scope.db.read() as s:
        require(s, scope, READ)
        return rates_in_session(s, scope.book_id)


def rates_in_session(s: Session, book_id: int) -> list[RateView]:
    """``list_rates`` inside a session whose role check is done (the budget alert check runs
    inside the write that changed the transactions)."""
    rows = s.scalars(select(FxRate).where(
        or_(FxRate.book_id == book_id, FxRate.book_id.is_(None)))
        .order_by(FxRate.base, FxRate.quote, FxRate.date.desc())).all()
    return [RateView(r.base, r.quote, r.date, Decimal(r.rate), r.source,
                     own=r.book_id is not None) for r in rows]


def daily_rates(rates: Iterable[RateView], quote: str) -> dict[tuple[str, dt.date], Fraction]:
    """For each currency and day with a rate to or from ``quote``: 1 unit of it in ``quote``,
    as an exact fraction. The one rule of which rate applies on a day:

    - the book's own manual rate beats a shared provider rate of the same day (the user
      typed it because the market rate was not what their bank charged);
    - a direct pair (X→quote) beats an inverted one (quote→X, taken as 1 / rate).

    Across days the latest day on or before the date wins (``RateTable.rate``; the report
    copy's ASOF join), whichever kind it is.
    """
    best: dict[tuple[str, dt.date], tuple[tuple[bool, bool], Fraction]] = {}
    for r in rates:
        if r.rate <= 0 or r.base == r.quote:
            continue
        if r.quote == quote:
            ccy, value, direct = r.base, Fraction(r.rate), True
        elif r.base == quote:
            ccy, value, direct = r.quote, 1 / Fraction(r.rate), False
        else:
            continue
        key, rank = (ccy, r.date), (r.own, direct)
        if key not in best or rank > best[key][0]:
            best[key] = (rank, value)
    return {key: value for key, (_, value) in best.items()}


class RateTable:
    """An in-memory snapshot of the rates one book may use, for converting many amounts."""

    def __init__(self, rates: list[RateView]) -> None:
        self._rates = list(rates)
        # quote -> currency -> (days ascending, rates): built on first use of each quote.
        self._by_quote: dict[str, dict[str, tuple[list[dt.date], list[Fraction]]]] = {}

    def rate(self, base: str, quote: str, on: dt.date) -> Decimal | None:
        """1 ``base`` in ``quote`` on ``on`` (latest rate on or before), or ``None``."""
        if base == quote:
            return Decimal(1)
        days, values = self._series(quote).get(base, ([], []))
        i = bisect.bisect_right(days, on)
        if i == 0:
            return None
        value = values[i - 1]
        return Decimal(value.numerator) / Decimal(value.denominator)

    def fraction(self, base: str, quote: str, on: dt.date) -> Fraction | None:
        """``rate`` as the exact fraction the report copy converts with, or ``None``."""
        if base == quote:
            return Fraction(1)
        days, values = self._series(quote).get(base, ([], []))
        i = bisect.bisect_right(days, on)
        return values[i - 1] if i else None

    def _series(self, quote: str) -> dict[str, tuple[list[dt.date], list[Fraction]]]:
        if quote not in self._by_quote:
            series: dict[str, tuple[list[dt.date], list[Fraction]]] = {}
            for (ccy, day), value in sorted(daily_rates(self._rates, quote).items()):
                days, values = series.setdefault(ccy, ([], []))
                days.append(day)
                values.append(value)
            self._by_quote[quote] = series
        return self._by_quote[quote]


def rate_table(scope: Scope) -> RateTable:
    return RateTable(list_rates(scope))
