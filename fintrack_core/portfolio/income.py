"""Dividends and interest: received per month and year, and the next 12 months projected.

The projection assumes each holding pays per unit what it paid per unit over the past 12
months (each payment divided by the units held on its day, adjusted for splits since), times
the units held now. It is a plain extrapolation, said as such: no forecast of dividend
growth or cuts, and a holding that paid nothing in the past year projects nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, localcontext

from sqlalchemy.orm import Session

from fintrack_core.access import READ, Scope, require
from fintrack_core.db.portfolio_models import TradeKind
from fintrack_core.portfolio.base_currency import PRECISION, Converter, round_amount
from fintrack_core.portfolio.gains import income_in_session
from fintrack_core.portfolio.lots import load_trades, positions_in_session


@dataclass(frozen=True, slots=True)
class IncomeSummary:
    base_currency: str
    by_month: dict[str, Decimal]  # "2024-03" -> base currency
    by_year: dict[int, Decimal]
    by_currency: dict[str, Decimal]  # total per asset currency, before conversion
    missing: tuple[str, ...]  # payments without an exchange rate (not in the base totals)


def income_summary(scope: Scope, start: dt.date | None = None, end: dt.date | None = None
                   ) -> IncomeSummary:
    """Dividends (cash and reinvested) and interest per month and per year."""
    with scope.db.read() as s:
        require(s, scope, READ)
        rows, conv = income_in_session(s, scope.book_id, start, end)
        months: dict[str, Decimal] = {}
        years: dict[int, Decimal] = {}
        currencies: dict[str, Decimal] = {}
        for r in rows:
            currencies[r.currency] = currencies.get(r.currency, Decimal(0)) + r.amount
            if r.amount_base is None:
                continue
            key = f"{r.date:%Y-%m}"
            months[key] = months.get(key, Decimal(0)) + r.amount_base
            years[r.date.year] = years.get(r.date.year, Decimal(0)) + r.amount_base
        return IncomeSummary(conv.base, dict(sorted(months.items())), dict(sorted(years.items())),
                             currencies, conv.missing)


@dataclass(frozen=True, slots=True)
class ProjectedIncome:
    symbol: str
    account_id: int
    currency: str
    quantity: Decimal  # held now
    per_unit: Decimal  # paid per (current) unit over the past 12 months
    amount: Decimal  # projected for the next 12 months, asset currency
    amount_base: Decimal | None


@dataclass(frozen=True, slots=True)
class Projection:
    on: dt.date
    base_currency: str
    rows: tuple[ProjectedIncome, ...]
    total_base: Decimal | None  # None when a rate is missing (see ``missing``)
    missing: tuple[str, ...]


def projection_in_session(s: Session, book_id: int, on: dt.date) -> Projection:
    conv = Converter(s, book_id)
    since = on.replace(year=on.year - 1, day=min(on.day, 28) if on.month == 2 else on.day)
    trades = load_trades(s, book_id)
    rows = []
    for key, (asset, pos) in positions_in_session(s, book_id, on).items():
        if not pos.quantity:
            continue
        splits = [(t.date, Decimal(t.quantity)) for t in trades[key]
                  if TradeKind(t.kind) is TradeKind.SPLIT and t.date <= on]
        per_unit = Decimal(0)
        with localcontext(prec=PRECISION):
            for inc in pos.income:
                if inc.date <= since or not inc.units_held:
                    continue
                factor = Decimal(1)
                for day, ratio in splits:
                    if day > inc.date:
                        factor *= ratio
                per_unit += inc.amount / inc.units_held / factor
            if not per_unit:
                continue
            amount = per_unit * pos.quantity
        base = conv.to_base(amount, asset.currency, on)
        rows.append(ProjectedIncome(asset.symbol, key[0], asset.currency, pos.quantity,
                                    per_unit, round_amount(amount, asset.currency),
                                    None if base is None else round_amount(base, conv.base)))
    rows.sort(key=lambda r: (r.symbol, r.account_id))
    total = (None if any(r.amount_base is None for r in rows)
             else sum((r.amount_base or Decimal(0) for r in rows), Decimal(0)))
    return Projection(on, conv.base, tuple(rows), total, conv.missing)


def projected_income(scope: Scope, on: dt.date | None = None) -> Projection:
    """Income to expect over the 12 months after ``on`` (default today) from what is held
    now, at the past 12 months' payments per unit."""
    with scope.db.read() as s:
        require(s, scope, READ)
        return projection_in_session(s, scope.book_id, on or dt.date.today())
