"""The portfolio's value day by day in the base currency, built with numpy in one pass.

What "the portfolio" is: the investment accounts, i.e. their holdings at market value plus
their cash. Money that enters or leaves these accounts from outside (a transfer from
checking, a withdrawal, the opening balance) is an external flow; money moving inside them
(a buy, a sale, a dividend landing in the account's cash) is not, it is performance. So the
flows are the investment accounts' ledger transactions that are no trade's cash leg.

How each day is valued: units held (a step function of the trades, splits included) times
the latest price on or before the day, times the latest rate to the base currency on or
before the day. Before an asset's first stored price, the price of its last trade stands in
(a price actually paid that day); a day that still has no price or no exchange rate is not
valued as 0: it is NaN, and ``gaps`` says which asset or currency was missing from when.

These are floats: chart lines and the input of the time-weighted return. Reported totals
(``performance``) are recomputed exactly from the stored amounts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fintrack_core.db.models import Account, AccountType, Book, Transaction
from fintrack_core.db.portfolio_models import Asset, Trade, TradeKind
from fintrack_core.ledger.fx import daily_rates, rates_in_session
from fintrack_core.money import exponent
from fintrack_core.portfolio.lots import DAY_ORDER
from fintrack_core.portfolio.price_history import price_series

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def day_number(day: dt.date) -> int:
    return int(np.datetime64(day, "D").astype(np.int64))


def _day_numbers(days: list[dt.date]) -> list[int]:
    """Day numbers of many dates at once (one numpy conversion, not one call each)."""
    return [int(d) for d in np.array(days, dtype="datetime64[D]").astype(np.int64)] \
        if days else []


def _step(change_days: IntArray, values: FloatArray, grid: IntArray,
          before: float = 0.0) -> FloatArray:
    """The value in force on each grid day: the last change on or before it (``before``
    when there is none, e.g. an asset with only dividends recorded)."""
    if len(values) == 0:
        return np.full(len(grid), before)
    idx = np.searchsorted(change_days, grid, side="right") - 1
    return np.where(idx >= 0, values[np.maximum(idx, 0)], before)


@dataclass(frozen=True, slots=True)
class DailySeries:
    """Day-by-day figures over ``days`` (numpy day numbers), base currency, floats."""

    base_currency: str
    days: IntArray
    value: FloatArray  # holdings + cash at the end of each day (NaN: could not be valued)
    flows: FloatArray  # external money in (+) / out (-) that day
    invested: FloatArray  # net contributions since the accounts were opened
    gaps: tuple[str, ...]
    # not gaps, but worth saying: an account's cash below zero usually means the deposits
    # that paid for its buys were never entered, so the buys count as borrowed money
    notes: tuple[str, ...] = ()

    def without_first_day(self) -> DailySeries:
        """The same series from its second day (a period's figures start on the eve; its
        chart on the first day). Gaps and notes are kept as they were said."""
        return replace(self, days=self.days[1:], value=self.value[1:], flows=self.flows[1:],
                       invested=self.invested[1:])

    @property
    def dates(self) -> npt.NDArray[np.datetime64]:
        return self.days.astype("datetime64[D]")


class _Fx:
    """Daily rates of every currency to the base, forward-filled (the ledger's rule)."""

    def __init__(self, s: Session, book_id: int, base: str) -> None:
        self.base = base
        series: dict[str, tuple[list[int], list[float]]] = {}
        for (ccy, day), rate in sorted(daily_rates(rates_in_session(s, book_id), base).items()):
            days, rates = series.setdefault(ccy, ([], []))
            days.append(day_number(day))
            rates.append(float(rate))
        self._series = {c: (np.array(d, dtype=np.int64), np.array(r)) for c, (d, r)
                        in series.items()}

    def on(self, currency: str, grid: IntArray) -> FloatArray:
        if currency == self.base:
            return np.ones(len(grid))
        days, rates = self._series.get(currency, (np.array([], dtype=np.int64), np.array([])))
        if not len(days):
            return np.full(len(grid), np.nan)
        return _step(days, rates, grid, before=np.nan)


def _first_gap(mask: npt.NDArray[np.bool_], grid: IntArray) -> str:
    return str(grid[np.argmax(mask)].astype("datetime64[D]"))


def investment_accounts(s: Session, book_id: int, account_ids: Sequence[int] | None = None
                        ) -> list[Account]:
    q = select(Account).where(Account.book_id == book_id,
                              Account.type == AccountType.INVESTMENT)
    if account_ids is not None:
        q = q.where(Account.id.in_(list(account_ids)))
    return list(s.scalars(q.order_by(Account.id)))


def daily_series(s: Session, book_id: int, start: dt.date, end: dt.date,
                 account_ids: Sequence[int] | None = None) -> DailySeries:
    """The series from ``start`` to ``end`` inclusive (``start`` is usually the day before
    the period, so the period's first return has a value to start from)."""
    base = str(s.scalar(select(Book.base_currency).where(Book.id == book_id)))
    accs = investment_accounts(s, book_id, account_ids)
    acc_ids = [a.id for a in accs]
    grid = np.arange(day_number(start), day_number(end) + 1, dtype=np.int64)
    n = len(grid)
    fx = _Fx(s, book_id, base)
    gaps: list[str] = []
    notes: list[str] = []
    value = np.zeros(n)
    flows = np.zeros(n)
    invested = np.zeros(n)

    # holdings: units per asset as a step function of the trades
    trades = s.execute(select(Trade.asset_id, Trade.date, Trade.kind, Trade.quantity,
                              Trade.price, Trade.id)
                       .where(Trade.book_id == book_id, Trade.account_id.in_(acc_ids),
                              Trade.date <= end)).all()
    by_asset: dict[int, list[tuple[int, int, int, TradeKind, float, float]]] = {}
    trade_days = _day_numbers([t[1] for t in trades])
    for (asset_id, _, kind, quantity, unit_price, tid), trade_day in zip(
            trades, trade_days, strict=True):
        k = TradeKind(kind)
        by_asset.setdefault(asset_id, []).append(
            (trade_day, DAY_ORDER[k], tid, k, float(quantity), float(unit_price)))
    assets = {a.id: a for a in s.scalars(select(Asset).where(Asset.id.in_(list(by_asset))))}
    prices = price_series(s, assets.values(), end)
    for asset_id, events in by_asset.items():
        asset = assets[asset_id]
        events.sort()
        held = 0.0
        change_days: list[int] = []
        units: list[float] = []
        paid_days: list[int] = []
        paid: list[float] = []
        for day, _, _, kind, qty, price in events:
            if kind in (TradeKind.BUY, TradeKind.TRANSFER_IN, TradeKind.REINVEST):
                held += qty
            elif kind in (TradeKind.SELL, TradeKind.TRANSFER_OUT):
                held -= qty
            elif kind is TradeKind.SPLIT:
                held *= qty
                paid = [p / qty for p in paid]  # earlier trade prices in post-split units
            else:
                continue
            change_days.append(day)
            units.append(held)
            if kind in (TradeKind.BUY, TradeKind.SELL, TradeKind.REINVEST) or (
                    kind is TradeKind.TRANSFER_IN and price > 0):
                paid_days.append(day)
                paid.append(price)
        qty_daily = _step(np.array(change_days, dtype=np.int64), np.array(units), grid)
        series = prices.get(asset_id)
        p_days = series.days if series else np.array([], dtype=np.int64)
        p_vals = series.closes if series else np.array([])
        ccy = series.currency if series else asset.currency
        # Trade prices (in the asset's currency) fill the days before the first stored
        # price, unless the stored prices are in another currency (never mixed in a series).
        if paid_days and (series is None or series.currency == asset.currency):
            first = p_days[0] if len(p_days) else np.iinfo(np.int64).max
            t_days = np.array(paid_days, dtype=np.int64)
            keep = t_days < first
            if keep.any():
                # one trade price per day: the day's last trade
                t_days, t_vals = t_days[keep], np.array(paid)[keep]
                last = np.r_[t_days[1:] != t_days[:-1], True]
                p_days = np.concatenate((t_days[last], p_days))
                p_vals = np.concatenate((t_vals[last], p_vals))
        price_daily = (_step(p_days, p_vals, grid, before=np.nan) if len(p_days)
                       else np.full(n, np.nan))
        rate = fx.on(ccy, grid)
        worth = qty_daily * price_daily * rate
        holding = np.abs(qty_daily) > 1e-12
        bad = holding & np.isnan(worth)
        if bad.any():
            why = (f"no {ccy}→{base} exchange rate" if np.isnan(rate[bad]).all()
                   else "no price")
            gaps.append(f"{asset.symbol}: {why} from {_first_gap(bad, grid)}")
        value += np.where(holding, worth, 0.0)
        value[bad] = np.nan

    # cash and external flows of each account
    leg_ids = select(Trade.transaction_id).where(Trade.book_id == book_id,
                                                 Trade.transaction_id.is_not(None))
    daily = s.execute(
        select(Transaction.account_id, Transaction.date,
               func.sum(Transaction.amount_minor),
               func.sum(Transaction.amount_minor).filter(Transaction.id.not_in(leg_ids)))
        .where(Transaction.book_id == book_id, Transaction.account_id.in_(acc_ids),
               Transaction.date <= end)
        .group_by(Transaction.account_id, Transaction.date)).all()
    per_acc: dict[int, list[tuple[int, int, int]]] = {a: [] for a in acc_ids}
    for (acc_id, _, total, external), tx_day in zip(
            daily, _day_numbers([r[1] for r in daily]), strict=True):
        per_acc[acc_id].append((tx_day, int(total or 0), int(external or 0)))
    for acc in accs:
        scale = 10.0 ** -exponent(acc.currency)
        opened = day_number(acc.opened_on)
        rows = sorted([*per_acc[acc.id], (opened, acc.opening_balance, acc.opening_balance)])
        acc_days = np.array([r[0] for r in rows], dtype=np.int64)
        cash = np.cumsum(np.array([r[1] for r in rows], dtype=np.float64)) * scale
        ext = np.array([r[2] for r in rows], dtype=np.float64) * scale
        rate = fx.on(acc.currency, grid)
        cash_daily = _step(acc_days, cash, grid) * rate
        in_grid = (acc_days >= grid[0]) & (acc_days <= grid[-1])
        flow_daily = np.zeros(n)
        np.add.at(flow_daily, acc_days[in_grid] - grid[0], ext[in_grid])
        # each flow at the rate of its own day: what it was worth when it came in
        invested_daily = _step(acc_days, np.cumsum(ext * fx.on(acc.currency, acc_days)), grid)
        # a rate is needed only on days with cash or a flow (an empty account is 0 anywhere)
        bad = np.isnan(rate) & ((np.abs(_step(acc_days, cash, grid)) > 0) | (flow_daily != 0))
        if bad.any():
            gaps.append(f"cash in {acc.name}: no {acc.currency}→{base} exchange rate from "
                        f"{_first_gap(bad, grid)}")
        below = _step(acc_days, cash, grid) < -0.005
        if below.any():
            notes.append(f"{acc.name}'s cash is below zero from {_first_gap(below, grid)}: "
                         "if the money for its buys came from another account, enter those "
                         "transfers, or the returns treat the buys as borrowed money")
        value += np.where(bad, np.nan, np.nan_to_num(cash_daily))
        flows += np.nan_to_num(flow_daily * rate)
        invested += invested_daily
    return DailySeries(base, grid, value, flows, invested, tuple(gaps), tuple(notes))
