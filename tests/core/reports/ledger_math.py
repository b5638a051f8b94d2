"""Independent expectations for the report tests: plain Python and Decimal over the fixture.

Nothing here touches the database or DuckDB: it reads ``LEDGER``, ``TRANSFERS``, ``RATES``,
``OPENING`` and ``TYPES`` and converts USD to EUR by dividing by the rate of the day (the
latest on or before it), half-even to the cent — once per transaction for flows, once per
month-end balance for net worth. The category tree is written out by hand for the same
reason.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from fintrack_core.access import Scope
from fintrack_core.ledger import users
from tests.core.reports.conftest import (
    LEDGER,
    OPENING,
    RATES,
    TRANSFERS,
    TYPES,
    ReportBook,
)

CENT = Decimal("0.01")
# Leaf used in the fixture -> its ancestors, nearest first (hand-written, not from the code).
ANCESTORS: dict[str, list[str]] = {
    "Salary": ["Income"], "Other income": ["Income"],
    "Rent": ["Housing"], "Groceries": ["Food"], "Restaurants": ["Food"],
    "Fuel": ["Car", "Transportation"],
}
INCOME_CATEGORIES = {"Income", "Salary", "Other income"}


def top(category: str) -> str:
    return ANCESTORS[category][-1] if ANCESTORS.get(category) else category


def rate_on(day: dt.date) -> Decimal | None:
    """EUR→USD rate of the day, i.e. how many USD one EUR buys (None before the first)."""
    found = None
    for start, rate in sorted(RATES):
        if start <= day:
            found = Decimal(rate)
    return found


def to_cents(amount: Decimal | str, currency: str, day: dt.date) -> int | None:
    value = Decimal(amount)
    if currency != "EUR":
        rate = rate_on(day)
        if rate is None:
            return None
        value = (value / rate).quantize(CENT, rounding=ROUND_HALF_EVEN)
    return int(value * 100)


@dataclass(frozen=True)
class Row:
    account: str
    date: dt.date
    amount: Decimal          # account currency
    currency: str
    payee: str
    category: str | None
    tags: tuple[str, ...]
    transfer: bool

    @property
    def base(self) -> int:
        cents = to_cents(self.amount, self.currency, self.date)
        assert cents is not None
        return cents

    @property
    def flow(self) -> str:
        if self.transfer:
            return "transfer"
        if self.category is not None:
            return "income" if self.category in INCOME_CATEGORIES else "expense"
        return "income" if self.amount > 0 else "expense"


def rows() -> list[Row]:
    """Every transaction of the fixture book, transfer legs included."""
    out = [Row(acc, day, Decimal(amount), TYPES[acc][1], payee, cat, tuple(tags), False)
           for acc, day, amount, payee, cat, tags in LEDGER]
    for src, dst, sent, got, day, _ in TRANSFERS:
        out.append(Row(src, day, -Decimal(sent), TYPES[src][1], dst, None, (), True))
        out.append(Row(dst, day, Decimal(got or sent), TYPES[dst][1], src, None, (), True))
    return out


def total(flow: str, keep: Callable[[Row], bool] = lambda r: True) -> int:
    return sum(r.base for r in rows() if r.flow == flow and keep(r))


def group(items: Iterable[Row], key: Callable[[Row], object]) -> dict[object, int]:
    out: dict[object, int] = {}
    for r in items:
        out[key(r)] = out.get(key(r), 0) + r.base
    return out


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def balance(account: str, day: dt.date, opened: dt.date = dt.date(2023, 12, 31)) -> Decimal:
    """Own-currency balance at the end of ``day``: opening (once opened) + movements."""
    opening = Decimal(OPENING[account]) if opened <= day else Decimal(0)
    return opening + sum((r.amount for r in rows() if r.account == account and r.date <= day),
                         Decimal(0))


def balance_cents(account: str, day: dt.date) -> int | None:
    """The month-end balance converted as a whole at that day's rate."""
    return to_cents(balance(account, day), TYPES[account][1], day)



def outsider(book: ReportBook) -> Scope:
    """A user who is no member of the fixture book, acting in it (must be refused).

    ``Scope(db, other_user_id, owner.book_id)``: the fixture's ``stranger`` is Bob in his own
    book, and Bob is a viewer of this one, so a third user is needed.
    """
    carol = users.create_user(book.db, "carol", "xmas-songs-31", "Carol",
                              acting_user_id=book.owner.user_id)
    return Scope(book.db, carol.id, book.owner.book_id)
