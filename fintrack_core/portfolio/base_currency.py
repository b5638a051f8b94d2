"""Converting portfolio amounts to the book's base currency with the ledger's rate rule.

The rate of a day is the one ``ledger.fx`` would use (``RateTable``: the book's own rate
beats a shared one, a direct pair beats an inverted one, the latest day on or before wins),
so a portfolio figure and a net-worth report agree. A missing rate is never 0 and never a
skipped row: the converted amount is None and the converter collects one message per
currency naming the first day that had no rate, for the report to show.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

from sqlalchemy import select
from sqlalchemy.orm import Session

from fintrack_core.db.models import Book
from fintrack_core.ledger.fx import RateTable, rates_in_session
from fintrack_core.money import exponent

PRECISION = 60


def round_minor(value: Decimal, currency: str) -> int:
    """An exact amount to the currency's minor units, half-even (the one rounding rule)."""
    with localcontext(prec=PRECISION):
        return int(value.scaleb(exponent(currency)).quantize(Decimal(1),
                                                             rounding=ROUND_HALF_EVEN))


def round_amount(value: Decimal, currency: str) -> Decimal:
    """An exact amount rounded half-even to the currency's minor unit, as a ``Decimal``."""
    with localcontext(prec=PRECISION):
        return value.quantize(Decimal(1).scaleb(-exponent(currency)), rounding=ROUND_HALF_EVEN)


class Converter:
    """Converts amounts of any currency to the book's base currency, remembering gaps."""

    def __init__(self, s: Session, book_id: int) -> None:
        self.base: str = str(s.scalar(select(Book.base_currency).where(Book.id == book_id)))
        self.table = RateTable(rates_in_session(s, book_id))
        self._first_gap: dict[str, dt.date] = {}

    def rate(self, currency: str, day: dt.date) -> Decimal | None:
        """1 ``currency`` in the base currency on ``day``, or None (and the gap noted)."""
        found = self.table.rate(currency, self.base, day)
        if found is None and (currency not in self._first_gap
                              or day < self._first_gap[currency]):
            self._first_gap[currency] = day
        return found

    def to_base(self, amount: Decimal, currency: str, day: dt.date) -> Decimal | None:
        """``amount`` in the base currency, exact (round where it is reported), or None.
        Zero is zero in any currency: it needs no rate."""
        if not amount:
            return Decimal(0)
        rate = self.rate(currency, day)
        if rate is None:
            return None
        with localcontext(prec=PRECISION):
            return amount * rate

    @property
    def missing(self) -> tuple[str, ...]:
        """One sentence per currency that lacked a rate, for the report to show."""
        return tuple(f"no {ccy}→{self.base} exchange rate on or before {day}: amounts in "
                     f"{ccy} from then on are not converted (add a rate under Exchange rates)"
                     for ccy, day in sorted(self._first_gap.items()))
