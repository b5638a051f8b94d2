"""The holdings' market value on given days, in the base currency's minor units, for net worth.

Why a module of its own: net worth (the report and the Overview) adds the holdings to the
ledger's balances. The investment accounts' cash is already a ledger balance, so only the
units held count here, each at its latest price on or before the day and at the base rate of
that day (``Converter``, the ledger's rate rule, which the reports use too). Each holding is
rounded once, half-even, to the base currency's minor unit, as an account balance is.

A holding without a price, or whose currency has no rate on the day, is never worth 0: it is
left out of the day's total and named in ``unvalued`` with the reason, for the report to say.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from fintrack_core.access import READ, Scope, require
from fintrack_core.db.portfolio_models import Trade
from fintrack_core.portfolio.base_currency import Converter, round_minor
from fintrack_core.portfolio.valuation import valued_holdings


@dataclass(frozen=True, slots=True)
class HoldingWorth:
    """One holding on one day; ``value_minor`` in the base currency, None when unvalued."""

    day: dt.date
    account_id: int
    account: str
    symbol: str
    quantity: str  # exact decimal text
    value_minor: int | None
    reason: str = ""  # why there is no value


@dataclass(frozen=True, slots=True)
class MarketValues:
    """The holdings of each requested day and their total (valued holdings only)."""

    base_currency: str
    rows: tuple[HoldingWorth, ...]
    totals: dict[dt.date, int] = field(default_factory=dict)

    @property
    def unvalued(self) -> tuple[HoldingWorth, ...]:
        return tuple(r for r in self.rows if r.value_minor is None)

    def total_minor(self, day: dt.date) -> int:
        return self.totals.get(day, 0)


def market_values_in_session(s: Session, book_id: int, days: Iterable[dt.date]
                             ) -> MarketValues:
    conv = Converter(s, book_id)
    rows: list[HoldingWorth] = []
    wanted = sorted(set(days))
    totals: dict[dt.date, int] = dict.fromkeys(wanted, 0)
    if s.scalar(select(Trade.id).where(Trade.book_id == book_id).limit(1)) is None:
        return MarketValues(conv.base, (), totals)  # no investments: the reports' usual case
    for day in wanted:
        held, missing = valued_holdings(s, book_id, day, conv)
        total = 0
        for h in held:
            value = None if h.value_base is None else round_minor(h.value_base, conv.base)
            reason = ""
            if value is None:
                said = [m.split(": ", 1)[1] for m in missing
                        if m.startswith((f"{h.symbol} (", f"{h.symbol}:"))]
                reason = said[0] if said else (f"no {h.currency}→{conv.base} exchange rate "
                                               f"on or before {day}")
            else:
                total += value
            rows.append(HoldingWorth(day, h.account_id, h.account, h.symbol, str(h.quantity),
                                     value, reason))
        totals[day] = total
    return MarketValues(conv.base, tuple(rows), totals)


def holdings_market_value(scope: Scope, days: Iterable[dt.date]) -> MarketValues:
    """The book's holdings at market value on each of ``days`` (base currency, minor units)."""
    with scope.db.read() as s:
        require(s, scope, READ)
        return market_values_in_session(s, scope.book_id, days)
