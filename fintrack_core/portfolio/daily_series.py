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

Two kinds of figures come out. Floats (``value``, ``flows``, ``invested``): the input of the
time-weighted return, a chain of ratios. Money (``value_minor``, ``invested_minor``): integer
minor units of the base currency, what a chart or the API shows as an amount, never a float:

- cash and the money invested are integers from the start (the ledger's minor units); an
  amount in another currency is converted exactly (the ledger's rate is a ``Fraction``) and
  rounded half-even once, a day's cash balance on that day, a flow at its own day's rate;
- a holding's worth (units x price x rate) is rounded half-even to the base's minor unit,
  per asset and day, as the valuation rounds it. Ten years of daily prices are millions of
  such products, so they are multiplied as floats, whose error (a few parts in 1e16) moves
  the rounded figure only when the exact product lies next to a half minor unit: those days
  (rare) are recomputed exactly from the units (``Decimal``), the price (a stored close
  read back from its float: exact for closes of up to 15 significant digits) and the rate
  (``Fraction``). Reported totals (``performance``) are recomputed exactly from the stored
  amounts as before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_EVEN, Context, Decimal, Inexact
from fractions import Fraction

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


def _index(change_days: IntArray, grid: IntArray) -> IntArray:
    """For each grid day, the index of the last change on or before it (-1: none yet)."""
    return np.searchsorted(change_days, grid, side="right").astype(np.int64) - 1


def _round_half_even(value: Fraction) -> int:
    return round(value)  # Fraction rounds half to even, exactly


Exact = Decimal | Fraction
# Products of a few stored numbers (each at most 40 characters) fit in 1,000 digits: this
# context multiplies them exactly; a division that does not end raises Inexact instead.
_EXACT = Context(prec=1000, rounding=ROUND_HALF_EVEN, traps=[Inexact])
_ROUND = Context(prec=1000, rounding=ROUND_HALF_EVEN)  # the one rounding, to minor units


def _divided(price: Exact, ratio: Decimal) -> Exact:
    """A price in post-split units: a Decimal while the division ends, else a Fraction."""
    if isinstance(price, Decimal):
        try:
            return _EXACT.divide(price, ratio)
        except Inexact:
            pass
    return Fraction(price) / Fraction(ratio)


def _exact_minor(factors: Sequence[Exact], exp: int) -> int:
    """The product of ``factors`` in minor units (10^``exp`` per unit), half-even. Decimal
    arithmetic (in C) when every factor is a Decimal, which a same-currency holding's are."""
    decimals = [f for f in factors if isinstance(f, Decimal)]
    if len(decimals) == len(factors):
        product = Decimal(1).scaleb(exp)
        for d in decimals:
            product = _EXACT.multiply(product, d)
        return int(product.quantize(Decimal(1), context=_ROUND))
    value = Fraction(10) ** exp
    for f in factors:
        value *= Fraction(f)
    return _round_half_even(value)


def _near_half(scaled: FloatArray) -> npt.NDArray[np.bool_]:
    """Where a float product may round to another minor unit than its exact value: within
    the float error (relative 1e-15, a margin over the few ulps of three factors) of a half."""
    with np.errstate(invalid="ignore"):
        return np.abs(scaled - np.floor(scaled) - 0.5) < 1e-9 + np.abs(scaled) * 1e-15


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
    invested: FloatArray  # net contributions since the accounts were opened (NaN: no rate)
    # The same two as money: base-currency minor units, exact (see the module docstring);
    # 0 where the float is NaN, which says the day has no figure.
    value_minor: IntArray
    invested_minor: IntArray
    gaps: tuple[str, ...]
    # not gaps, but worth saying: an account's cash below zero usually means the deposits
    # that paid for its buys were never entered, so the buys count as borrowed money
    notes: tuple[str, ...] = ()

    def without_first_day(self) -> DailySeries:
        """The same series from its second day (a period's figures start on the eve; its
        chart on the first day). Gaps and notes are kept as they were said."""
        return replace(self, days=self.days[1:], value=self.value[1:], flows=self.flows[1:],
                       invested=self.invested[1:], value_minor=self.value_minor[1:],
                       invested_minor=self.invested_minor[1:])

    @property
    def dates(self) -> npt.NDArray[np.datetime64]:
        return self.days.astype("datetime64[D]")


class _Fx:
    """Daily rates of every currency to the base, forward-filled (the ledger's rule)."""

    def __init__(self, s: Session, book_id: int, base: str) -> None:
        self.base = base
        series: dict[str, tuple[list[int], list[Fraction]]] = {}
        for (ccy, day), rate in sorted(daily_rates(rates_in_session(s, book_id), base).items()):
            days, rates = series.setdefault(ccy, ([], []))
            days.append(day_number(day))
            rates.append(rate)
        self._series = {c: (np.array(d, dtype=np.int64), np.array([float(x) for x in r]))
                        for c, (d, r) in series.items()}
        self._exact = {c: r for c, (_, r) in series.items()}

    def on(self, currency: str, grid: IntArray) -> FloatArray:
        if currency == self.base:
            return np.ones(len(grid))
        days, rates = self._series.get(currency, (np.array([], dtype=np.int64), np.array([])))
        if not len(days):
            return np.full(len(grid), np.nan)
        return _step(days, rates, grid, before=np.nan)

    def index(self, currency: str, grid: IntArray) -> IntArray:
        """Per grid day, which of the currency's rates applies (-1: none; 0 for the base)."""
        if currency == self.base:
            return np.zeros(len(grid), dtype=np.int64)
        days = self._series.get(currency, (np.array([], dtype=np.int64), None))[0]
        return _index(days, grid)

    def exact(self, currency: str, i: int) -> Exact:
        """The rate ``index`` pointed at, exact."""
        return Decimal(1) if currency == self.base else self._exact[currency][i]


def _first_gap(mask: npt.NDArray[np.bool_], grid: IntArray) -> str:
    return str(grid[np.argmax(mask)].astype("datetime64[D]"))


def investment_accounts(s: Session, book_id: int, account_ids: Sequence[int] | None = None
                        ) -> list[Account]:
    q = select(Account).where(Account.book_id == book_id,
                              Account.type == AccountType.INVESTMENT)
    if account_ids is not None:
        q = q.where(Account.id.in_(list(account_ids)))
    return list(s.scalars(q.order_by(Account.id)))


def _worth_minor(worth: FloatArray, valued: npt.NDArray[np.bool_], exp: int,
                 factors: Callable[[int], Sequence[Exact]]) -> IntArray:
    """A holding's worth per day in base minor units, half-even (module docstring): the
    float product rounded, and the exact product of ``factors(i)`` (units, price, rate)
    where the float lies too close to a half minor unit to tell."""
    scaled = np.where(valued, worth, 0.0) * 10.0 ** exp
    minor = np.rint(scaled).astype(np.int64)
    for i in np.flatnonzero(valued & _near_half(scaled)).tolist():
        minor[i] = _exact_minor(factors(i), exp)
    return minor


def _converted_minor(amounts: IntArray, idx: IntArray, rates: IntArray, fx: _Fx,
                     currency: str, exp: int) -> IntArray:
    """``amounts[idx]`` (minor units of ``currency``) in the base's minor units at the rate
    ``rates`` points at, each distinct pair converted exactly once (0 where either is -1)."""
    out = np.zeros(len(idx), dtype=np.int64)
    known = (idx >= 0) & (rates >= 0)
    if currency == fx.base:
        out[known] = amounts[idx[known]]
        return out
    if not known.any():
        return out
    pairs, where = np.unique(np.stack((idx[known], rates[known])), axis=1,
                             return_inverse=True)
    shift = Fraction(10) ** (exp - exponent(currency))
    converted = [_round_half_even(int(amounts[a]) * Fraction(fx.exact(currency, int(r)))
                                  * shift) for a, r in pairs.T]
    out[known] = np.array(converted, dtype=np.int64)[where.reshape(-1)]
    return out


def daily_series(s: Session, book_id: int, start: dt.date, end: dt.date,
                 account_ids: Sequence[int] | None = None) -> DailySeries:
    """The series from ``start`` to ``end`` inclusive (``start`` is usually the day before
    the period, so the period's first return has a value to start from)."""
    base = str(s.scalar(select(Book.base_currency).where(Book.id == book_id)))
    exp = exponent(base)
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
    value_minor = np.zeros(n, dtype=np.int64)
    invested_minor = np.zeros(n, dtype=np.int64)

    # holdings: units per asset as a step function of the trades
    trades = s.execute(select(Trade.asset_id, Trade.date, Trade.kind, Trade.quantity,
                              Trade.price, Trade.id)
                       .where(Trade.book_id == book_id, Trade.account_id.in_(acc_ids),
                              Trade.date <= end)).all()
    by_asset: dict[int, list[tuple[int, int, int, TradeKind, Decimal, Decimal]]] = {}
    trade_days = _day_numbers([t[1] for t in trades])
    for (asset_id, _, kind, quantity, unit_price, tid), trade_day in zip(
            trades, trade_days, strict=True):
        k = TradeKind(kind)
        by_asset.setdefault(asset_id, []).append(
            (trade_day, DAY_ORDER[k], tid, k, Decimal(quantity), Decimal(unit_price)))
    assets = {a.id: a for a in s.scalars(select(Asset).where(Asset.id.in_(list(by_asset))))}
    prices = price_series(s, assets.values(), end)
    for asset_id, events in by_asset.items():
        asset = assets[asset_id]
        events.sort()
        held = Decimal(0)
        change_days: list[int] = []
        units: list[Decimal] = []
        paid_days: list[int] = []
        paid: list[Exact] = []
        for day, _, _, kind, qty, price in events:
            if kind in (TradeKind.BUY, TradeKind.TRANSFER_IN, TradeKind.REINVEST):
                held += qty
            elif kind in (TradeKind.SELL, TradeKind.TRANSFER_OUT):
                held -= qty
            elif kind is TradeKind.SPLIT:
                held *= qty
                paid = [_divided(p, qty) for p in paid]  # earlier prices, post-split units
            else:
                continue
            change_days.append(day)
            units.append(held)
            if kind in (TradeKind.BUY, TradeKind.SELL, TradeKind.REINVEST) or (
                    kind is TradeKind.TRANSFER_IN and price > 0):
                paid_days.append(day)
                paid.append(price)
        q_days = np.array(change_days, dtype=np.int64)
        qty_daily = _step(q_days, np.array([float(u) for u in units]), grid)
        series = prices.get(asset_id)
        p_days = series.days if series else np.array([], dtype=np.int64)
        p_vals = series.closes if series else np.array([])
        ccy = series.currency if series else asset.currency
        filled: list[Exact] = []  # the exact trade prices put before the stored ones
        # Trade prices (in the asset's currency) fill the days before the first stored
        # price, unless the stored prices are in another currency (never mixed in a series).
        if paid_days and (series is None or series.currency == asset.currency):
            first = p_days[0] if len(p_days) else np.iinfo(np.int64).max
            t_days = np.array(paid_days, dtype=np.int64)
            keep = t_days < first
            if keep.any():
                # one trade price per day: the day's last trade
                last = np.r_[t_days[keep][1:] != t_days[keep][:-1], True]
                filled = [p for p, k in zip(paid, keep, strict=True) if k]
                filled = [p for p, k in zip(filled, last, strict=True) if k]
                t_days = t_days[keep][last]
                p_days = np.concatenate((t_days, p_days))
                p_vals = np.concatenate((np.array([float(p) for p in filled]), p_vals))
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
        q_at, p_at, r_at = _index(q_days, grid), _index(p_days, grid), fx.index(ccy, grid)

        def factors(i: int, units: list[Decimal] = units, filled: list[Exact] = filled,
                    p_vals: FloatArray = p_vals, ccy: str = ccy, q_at: IntArray = q_at,
                    p_at: IntArray = p_at, r_at: IntArray = r_at) -> tuple[Exact, ...]:
            j = int(p_at[i])
            close = filled[j] if j < len(filled) else Decimal(repr(float(p_vals[j])))
            return units[int(q_at[i])], close, fx.exact(ccy, int(r_at[i]))

        value_minor += _worth_minor(worth, holding & ~bad, exp, factors)

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
        cash_minor = np.cumsum(np.array([r[1] for r in rows], dtype=np.int64))
        ext_minor = np.array([r[2] for r in rows], dtype=np.int64)
        cash = cash_minor.astype(np.float64) * scale
        ext = ext_minor.astype(np.float64) * scale
        rate = fx.on(acc.currency, grid)
        cash_daily = _step(acc_days, cash, grid) * rate
        in_grid = (acc_days >= grid[0]) & (acc_days <= grid[-1])
        flow_daily = np.zeros(n)
        np.add.at(flow_daily, acc_days[in_grid] - grid[0], ext[in_grid])
        # each flow at the rate of its own day: what it was worth when it came in
        invested_daily = _step(acc_days, np.cumsum(ext * fx.on(acc.currency, acc_days)), grid)
        rows_at = np.arange(len(rows), dtype=np.int64)
        flows_base = _converted_minor(ext_minor, rows_at, fx.index(acc.currency, acc_days),
                                      fx, acc.currency, exp)
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
        value_minor += _converted_minor(cash_minor, _index(acc_days, grid),
                                        fx.index(acc.currency, grid), fx, acc.currency, exp)
        flows += np.nan_to_num(flow_daily * rate)
        invested += invested_daily
        at = _index(acc_days, grid)
        invested_minor += np.where(at >= 0, np.cumsum(flows_base)[np.maximum(at, 0)], 0)
    return DailySeries(base, grid, value, flows, invested, value_minor, invested_minor,
                       tuple(gaps), tuple(notes))
