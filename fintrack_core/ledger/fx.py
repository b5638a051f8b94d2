"""Exchange rates: manual rates per book (providers come later), looked up as of a date.

The rate used for a date is the one of that day or the latest before it. Inverse pairs are
derived (1 / rate) so a user entering EUR→USD also gets USD→EUR.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import or_, select

from fintrack_core.access import READ, WRITE, Scope, require
from fintrack_core.db.models import FxRate
from fintrack_core.errors import ValidationError
from fintrack_core.money import check_currency


@dataclass(frozen=True, slots=True)
class RateView:
    base: str
    quote: str
    date: dt.date
    rate: Decimal
    source: str


def _rate(value: Decimal | str) -> Decimal:
    try:
        rate = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError("rate", f"{value!r} is not a number") from None
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
        rows = s.scalars(select(FxRate).where(
            or_(FxRate.book_id == scope.book_id, FxRate.book_id.is_(None)))
            .order_by(FxRate.base, FxRate.quote, FxRate.date.desc())).all()
        return [RateView(r.base, r.quote, r.date, Decimal(r.rate), r.source) for r in rows]


class RateTable:
    """An in-memory snapshot of the rates one book may use, for converting many amounts."""

    def __init__(self, rates: list[RateView]) -> None:
        self._by_pair: dict[tuple[str, str], list[tuple[dt.date, Decimal]]] = {}
        for r in rates:
            self._by_pair.setdefault((r.base, r.quote), []).append((r.date, r.rate))
        for series in self._by_pair.values():
            series.sort()

    def rate(self, base: str, quote: str, on: dt.date) -> Decimal | None:
        """1 ``base`` in ``quote`` on ``on`` (latest rate on or before), or ``None``."""
        if base == quote:
            return Decimal(1)
        direct = self._latest((base, quote), on)
        inverse = self._latest((quote, base), on)
        if direct and (not inverse or direct[0] >= inverse[0]):
            return direct[1]
        if inverse:
            return Decimal(1) / inverse[1]
        return None

    def _latest(self, pair: tuple[str, str], on: dt.date) -> tuple[dt.date, Decimal] | None:
        best = None
        for day, rate in self._by_pair.get(pair, []):
            if day > on:
                break
            best = (day, rate)
        return best


def rate_table(scope: Scope) -> RateTable:
    return RateTable(list_rates(scope))
