"""What the portfolio is worth on a day: each holding at its latest price, with the price's
age, the day's change and the unrealised gain; totals, allocation and performers.

Every holding is listed, priced or not. A holding without a price (or whose price is in a
currency with no exchange rate) has no value rather than a value of 0, and the valuation
names it in ``missing``; the totals are then over what could be valued and say so
(``complete`` False). The investment accounts' cash is part of the portfolio's value (it is
where sales and dividends land), listed per account.

Unrealised gain = value - cost of the open lots (fees in). In the base currency the cost is
converted at the rate of each lot's acquisition day and the value at today's rate, so a
currency move is part of the gain, as for realised gains.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, localcontext

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fintrack_core.access import READ, Scope, require
from fintrack_core.db.models import Account, AccountType, Transaction
from fintrack_core.db.portfolio_models import AssetKind
from fintrack_core.money import to_decimal
from fintrack_core.portfolio.base_currency import PRECISION, Converter, round_amount
from fintrack_core.portfolio.lots import positions_in_session
from fintrack_core.portfolio.price_history import PricePoint, latest_prices
from fintrack_core.prices.latest import is_stale


@dataclass(frozen=True, slots=True)
class HoldingValue:
    account_id: int
    account: str
    asset_id: int
    symbol: str
    name: str
    kind: AssetKind
    currency: str  # the asset's
    quantity: Decimal
    cost: Decimal
    price: PricePoint | None
    price_age_days: int | None
    stale: bool  # missing, or older than the last trading day (``prices.latest.is_stale``)
    value: Decimal | None
    day_change: Decimal | None  # quantity x (latest - previous close)
    gain: Decimal | None  # unrealised: value - cost
    gain_pct: Decimal | None
    value_base: Decimal | None
    cost_base: Decimal | None
    gain_base: Decimal | None
    day_change_base: Decimal | None


@dataclass(frozen=True, slots=True)
class CashBalance:
    account_id: int
    account: str
    currency: str
    amount: Decimal
    amount_base: Decimal | None


@dataclass(frozen=True, slots=True)
class Slice:
    label: str
    value_base: Decimal
    share: Decimal  # of the valued total, 0-1


@dataclass(frozen=True, slots=True)
class Valuation:
    on: dt.date
    base_currency: str
    holdings: tuple[HoldingValue, ...]
    cash: tuple[CashBalance, ...]
    total_value: Decimal  # base currency: valued holdings + cash
    cost: Decimal  # base currency, of the valued holdings
    gain: Decimal  # unrealised, base currency
    gain_pct: Decimal | None
    day_change: Decimal
    day_change_pct: Decimal | None
    by_kind: tuple[Slice, ...]
    by_currency: tuple[Slice, ...]
    by_account: tuple[Slice, ...]
    missing: tuple[str, ...]  # holdings without a value, rates without a value

    @property
    def complete(self) -> bool:
        return not self.missing


def _pct(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    with localcontext(prec=PRECISION):
        return round(part / whole, 6)


def _price_in(point: PricePoint, currency: str, conv: Converter) -> Decimal | None:
    """The price in the asset's currency (converted when the price source uses another)."""
    if point.currency == currency:
        return point.close
    rate = conv.table.rate(point.currency, currency, point.date)
    return None if rate is None else point.close * rate


def valued_holdings(s: Session, book_id: int, on: dt.date, conv: Converter
                    ) -> tuple[list[HoldingValue], list[str]]:
    """Each open position valued on ``on``, and what could not be valued."""
    positions = {k: v for k, v in positions_in_session(s, book_id, on).items()
                 if v[1].quantity}
    names = {int(i): str(n) for i, n in s.execute(
        select(Account.id, Account.name).where(Account.book_id == book_id))}
    prices = latest_prices(s, {a.id: a for a, _ in positions.values()}.values(), on, count=2)
    out: list[HoldingValue] = []
    missing: list[str] = []
    for (acc, _), (asset, pos) in sorted(positions.items(),
                                         key=lambda kv: (kv[1][0].symbol, kv[0][0])):
        ccy, qty = asset.currency, pos.quantity
        points = prices.get(asset.id, [])
        latest = points[0] if points else None
        price = _price_in(latest, ccy, conv) if latest else None
        prev = _price_in(points[1], ccy, conv) if len(points) > 1 else None
        cost_b: Decimal | None = Decimal(0)
        for lot in pos.lots:
            part = conv.to_base(lot.cost, ccy, lot.acquired)
            cost_b = None if part is None or cost_b is None else cost_b + part
        value = value_b = day = day_b = gain = gain_b = None
        if latest is None:
            missing.append(f"{asset.symbol} ({names[acc]}): no price on or before {on}")
        elif price is None:
            missing.append(f"{asset.symbol}: its price is in {latest.currency}, and there is "
                           f"no {latest.currency}→{ccy} rate on or before {latest.date}")
        else:
            with localcontext(prec=PRECISION):
                exact_value = qty * price
                value = round_amount(exact_value, ccy)
                gain = value - round_amount(pos.cost, ccy)
                rate = conv.rate(ccy, on)
                if rate is not None:
                    value_b = round_amount(exact_value * rate, conv.base)
                    if cost_b is not None:
                        gain_b = value_b - round_amount(cost_b, conv.base)
                if prev is not None:
                    day = round_amount(qty * (price - prev), ccy)
                    day_b = None if rate is None else round_amount(qty * (price - prev) * rate,
                                                                   conv.base)
        age = None if latest is None else latest.age_days(on)
        stale = latest is None or is_stale(asset, latest.date, latest.own, on)
        out.append(HoldingValue(
            acc, names[acc], asset.id, asset.symbol, asset.name, AssetKind(asset.kind), ccy,
            qty, round_amount(pos.cost, ccy), latest, age, stale, value, day, gain,
            None if gain is None else _pct(gain, round_amount(pos.cost, ccy)), value_b,
            None if cost_b is None else round_amount(cost_b, conv.base), gain_b, day_b))
    return out, missing


def cash_balances(s: Session, book_id: int, on: dt.date, conv: Converter,
                  account_ids: list[int] | None = None) -> list[CashBalance]:
    """The cash of each investment account on ``on`` (opening balance + transactions)."""
    q = select(Account).where(Account.book_id == book_id,
                              Account.type == AccountType.INVESTMENT)
    if account_ids is not None:
        q = q.where(Account.id.in_(account_ids))
    accs = s.scalars(q.order_by(Account.name)).all()
    sums = {int(a): int(total or 0) for a, total in s.execute(
        select(Transaction.account_id, func.sum(Transaction.amount_minor))
        .where(Transaction.book_id == book_id, Transaction.date <= on,
               Transaction.account_id.in_([a.id for a in accs]))
        .group_by(Transaction.account_id))}
    out = []
    for a in accs:
        if a.opened_on > on:
            continue
        amount = to_decimal(a.opening_balance + int(sums.get(a.id) or 0), a.currency)
        base = conv.to_base(amount, a.currency, on)
        out.append(CashBalance(a.id, a.name, a.currency, amount,
                               None if base is None else round_amount(base, conv.base)))
    return out


def _slices(pairs: list[tuple[str, Decimal]]) -> tuple[Slice, ...]:
    sums: dict[str, Decimal] = {}
    for label, value in pairs:
        sums[label] = sums.get(label, Decimal(0)) + value
    total = sum(sums.values(), Decimal(0))
    return tuple(Slice(label, value, _pct(value, total) or Decimal(0))
                 for label, value in sorted(sums.items(), key=lambda kv: (-kv[1], kv[0])))


def valuation_in_session(s: Session, book_id: int, on: dt.date) -> Valuation:
    conv = Converter(s, book_id)
    held, missing = valued_holdings(s, book_id, on, conv)
    cash = cash_balances(s, book_id, on, conv)
    valued = [h for h in held if h.value_base is not None]
    for h in held:
        if h.value is not None and h.value_base is None:
            missing.append(f"{h.symbol}: no {h.currency}→{conv.base} rate on or before {on}")
    for c in cash:
        if c.amount_base is None:
            missing.append(f"cash in {c.account}: no {c.currency}→{conv.base} rate on or "
                           f"before {on}")
    cash_total = sum((c.amount_base for c in cash if c.amount_base is not None), Decimal(0))
    value = sum((h.value_base for h in valued if h.value_base is not None), Decimal(0))
    with_cost = [h for h in valued if h.cost_base is not None and h.gain_base is not None]
    cost = sum((h.cost_base for h in with_cost if h.cost_base is not None), Decimal(0))
    gain = sum((h.gain_base for h in with_cost if h.gain_base is not None), Decimal(0))
    day = sum((h.day_change_base for h in valued if h.day_change_base is not None), Decimal(0))
    total = value + cash_total
    cash_pairs = [("cash", c.amount_base) for c in cash if c.amount_base is not None]
    return Valuation(
        on, conv.base, tuple(held), tuple(cash), total, cost, gain, _pct(gain, cost), day,
        _pct(day, total - day),
        _slices([(h.kind.value, h.value_base) for h in valued if h.value_base is not None]
                + cash_pairs),
        _slices([(h.currency, h.value_base) for h in valued if h.value_base is not None]
                + [(c.currency, c.amount_base) for c in cash if c.amount_base is not None]),
        _slices([(h.account, h.value_base) for h in valued if h.value_base is not None]
                + [(c.account, c.amount_base) for c in cash if c.amount_base is not None]),
        tuple(missing + [m for m in conv.missing if m not in missing]))


def valuation(scope: Scope, on: dt.date | None = None) -> Valuation:
    """The portfolio's value on ``on`` (default today) with everything the dashboard shows."""
    with scope.db.read() as s:
        require(s, scope, READ)
        return valuation_in_session(s, scope.book_id, on or dt.date.today())


@dataclass(frozen=True, slots=True)
class Performer:
    symbol: str
    name: str
    value_base: Decimal
    gain_base: Decimal
    gain_pct: Decimal | None


def performers(scope: Scope, count: int = 5, on: dt.date | None = None
               ) -> tuple[list[Performer], list[Performer]]:
    """The best and the worst ``count`` assets by unrealised gain in % (all accounts
    together, base currency); assets without a value or cost in base currency are left
    out (``valuation`` names them)."""
    return ranked_performers(valuation(scope, on), count)


def ranked_performers(val: Valuation, count: int = 5
                      ) -> tuple[list[Performer], list[Performer]]:
    """``performers`` of a valuation already made (the Portfolio page has one: valuing
    twice would double the page's main cost)."""
    by_symbol: dict[str, tuple[str, Decimal, Decimal, Decimal]] = {}
    for h in val.holdings:
        if h.value_base is None or h.gain_base is None or h.cost_base is None:
            continue
        name, v, g, c = by_symbol.get(h.symbol, (h.name, Decimal(0), Decimal(0), Decimal(0)))
        by_symbol[h.symbol] = (name, v + h.value_base, g + h.gain_base, c + h.cost_base)
    ranked = sorted((Performer(sym, name, v, g, _pct(g, c))
                     for sym, (name, v, g, c) in by_symbol.items()),
                    key=lambda p: (p.gain_pct if p.gain_pct is not None else Decimal(0),
                                   p.symbol))
    return list(reversed(ranked))[:count], ranked[:count]


def unrealised_gains(scope: Scope, on: dt.date | None = None) -> list[HoldingValue]:
    """Each open position with its unrealised gain (see ``HoldingValue``)."""
    return list(valuation(scope, on).holdings)
