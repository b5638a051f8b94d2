"""Realised gains (each sale matched to its lots), income received, and the yearly report
a person can hand to a tax adviser.

Amounts are in the asset's currency, rounded half-even to its minor unit per row (so each
row adds up: gain = proceeds - cost), and in the book's base currency: the cost at the rate
of the day the lot was acquired, the proceeds at the rate of the day it was sold (how most
tax rules convert a foreign sale). Without a rate, the base columns are empty and the report
says which rate is missing; a total over rows with gaps is None, never a partial sum.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from fintrack_core.access import READ, Scope, require
from fintrack_core.db.models import Account
from fintrack_core.db.portfolio_models import TradeKind
from fintrack_core.errors import ValidationError
from fintrack_core.ledger.accounts import get_account
from fintrack_core.portfolio.base_currency import Converter, round_amount
from fintrack_core.portfolio.lots import positions_in_session
from fintrack_core.reports.exports import check_format, export_report

LONG_TERM_DAYS = 365  # "held more than a year": the usual line between short and long term


@dataclass(frozen=True, slots=True)
class RealisedGain:
    """One sale (or the part of it) matched to one lot."""

    sell_trade_id: int
    account_id: int
    account: str
    symbol: str
    currency: str
    acquired: dt.date
    sold: dt.date
    quantity: Decimal
    cost: Decimal
    proceeds: Decimal
    gain: Decimal
    holding_days: int
    cost_base: Decimal | None
    proceeds_base: Decimal | None
    gain_base: Decimal | None

    @property
    def long_term(self) -> bool:
        return self.holding_days > LONG_TERM_DAYS


@dataclass(frozen=True, slots=True)
class GainsReport:
    base_currency: str
    rows: tuple[RealisedGain, ...]
    totals: dict[str, Decimal]  # gain per asset currency
    total_base: Decimal | None  # None when a row lacks a rate (see ``missing``)
    missing: tuple[str, ...]


def _accounts(s: Session, book_id: int) -> dict[int, str]:
    return {a.id: a.name for a in s.scalars(select(Account).where(Account.book_id == book_id))}


def gains_in_session(s: Session, book_id: int, start: dt.date | None = None,
                     end: dt.date | None = None, account_id: int | None = None
                     ) -> GainsReport:
    conv = Converter(s, book_id)
    names = _accounts(s, book_id)
    ids = None if account_id is None else [get_account(s, book_id, account_id).id]
    rows = []
    for (acc, _), (asset, pos) in positions_in_session(s, book_id, end, ids).items():
        ccy = asset.currency
        for m in pos.matches:
            if start is not None and m.sold < start:
                continue
            cost, proceeds = round_amount(m.cost, ccy), round_amount(m.proceeds, ccy)
            cost_b = conv.to_base(m.cost, ccy, m.acquired)
            proceeds_b = conv.to_base(m.proceeds, ccy, m.sold)
            cb = None if cost_b is None else round_amount(cost_b, conv.base)
            pb = None if proceeds_b is None else round_amount(proceeds_b, conv.base)
            rows.append(RealisedGain(
                m.sell_trade_id, acc, names[acc], asset.symbol, ccy, m.acquired, m.sold,
                m.quantity, cost, proceeds, proceeds - cost, m.holding_days, cb, pb,
                None if cb is None or pb is None else pb - cb))
    rows.sort(key=lambda r: (r.sold, r.symbol, r.account, r.acquired, r.sell_trade_id))
    totals: dict[str, Decimal] = {}
    for r in rows:
        totals[r.currency] = totals.get(r.currency, Decimal(0)) + r.gain
    gaps = [r for r in rows if r.gain_base is None]
    total_base = None if gaps else sum((r.gain_base or Decimal(0) for r in rows), Decimal(0))
    return GainsReport(conv.base, tuple(rows), totals,
                       round_amount(total_base, conv.base) if total_base is not None else None,
                       conv.missing)


def realised_gains(scope: Scope, year: int | None = None, account_id: int | None = None
                   ) -> GainsReport:
    """Every sale matched to its lots (of one year of sale, if given), oldest sale first."""
    start, end = _year(year)
    with scope.db.read() as s:
        require(s, scope, READ)
        return gains_in_session(s, scope.book_id, start, end, account_id)


def _year(year: int | None) -> tuple[dt.date | None, dt.date | None]:
    if year is None:
        return None, None
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 9999:
        raise ValidationError("year", f"{year!r} is not a year")
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


@dataclass(frozen=True, slots=True)
class IncomeRow:
    """A dividend, reinvested dividend or interest payment received."""

    trade_id: int
    date: dt.date
    account: str
    symbol: str
    kind: TradeKind
    amount: Decimal  # in the asset's currency, fees (withholding) out
    currency: str
    units_held: Decimal  # units held when it was paid (for per-unit figures)
    amount_base: Decimal | None


def income_in_session(s: Session, book_id: int, start: dt.date | None, end: dt.date | None
                      ) -> tuple[list[IncomeRow], Converter]:
    conv = Converter(s, book_id)
    names = _accounts(s, book_id)
    rows = []
    for (acc, _), (asset, pos) in positions_in_session(s, book_id, end).items():
        for inc in pos.income:
            if start is not None and inc.date < start:
                continue
            amount = round_amount(inc.amount, asset.currency)
            base = conv.to_base(inc.amount, asset.currency, inc.date)
            rows.append(IncomeRow(inc.trade_id, inc.date, names[acc], asset.symbol, inc.kind,
                                  amount, asset.currency, inc.units_held,
                                  None if base is None else round_amount(base, conv.base)))
    rows.sort(key=lambda r: (r.date, r.symbol, r.trade_id))
    return rows, conv


def income_received(scope: Scope, start: dt.date | None = None, end: dt.date | None = None
                    ) -> tuple[list[IncomeRow], tuple[str, ...]]:
    """Dividends (cash and reinvested) and interest received in the period, with the
    messages of any missing exchange rate."""
    with scope.db.read() as s:
        require(s, scope, READ)
        rows, conv = income_in_session(s, scope.book_id, start, end)
        return rows, conv.missing


GAIN_COLUMNS = ("account", "symbol", "currency", "quantity", "date_acquired", "date_sold",
                "days_held", "term", "cost", "proceeds", "gain", "base_currency", "cost_base",
                "proceeds_base", "gain_base")


def gains_frames(report: GainsReport, year: int) -> dict[str, pd.DataFrame]:
    """The report as tables: one row per matched lot, a summary per currency, notes."""
    rows = [(r.account, r.symbol, r.currency, r.quantity, r.acquired, r.sold, r.holding_days,
             "long" if r.long_term else "short", r.cost, r.proceeds, r.gain,
             report.base_currency, r.cost_base, r.proceeds_base, r.gain_base)
            for r in report.rows]
    detail = pd.DataFrame(rows, columns=list(GAIN_COLUMNS), dtype=object)
    summary_rows: list[tuple[str, str, object]] = [
        (f"total gain {ccy}", ccy, total) for ccy, total in sorted(report.totals.items())]
    summary_rows.append((f"total gain in base currency ({report.base_currency})",
                         report.base_currency,
                         report.total_base if report.total_base is not None
                         else "not computed: an exchange rate is missing"))
    summary_rows += [("note", "", m) for m in report.missing]
    summary_rows.append(("method", "", "cost in base currency at the rate of the day "
                                       "acquired, proceeds at the rate of the day sold; fees "
                                       "on buys are in the cost, fees on sales reduce proceeds"))
    summary = pd.DataFrame(summary_rows, columns=["item", "currency", "value"], dtype=object)
    return {f"Realised gains {year}": detail, "Summary": summary}


def export_realised_gains(scope: Scope, year: int, fmt: str) -> bytes:
    """The realised gains of ``year`` as CSV (the detail table) or XLSX (detail and
    summary sheets), formula-safe and with exact amounts (see ``reports.exports``)."""
    fmt = check_format(fmt)
    report = realised_gains(scope, year)
    text = {f"Realised gains {year}": ["account", "symbol", "term"],
            "Summary": ["item", "value"]}
    return export_report(gains_frames(report, year), fmt, text)
