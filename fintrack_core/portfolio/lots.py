"""Holdings and tax lots, derived from the trades every time (never typed, never stored).

Why derived: a lot table typed by hand drifts from the trades the first time someone edits a
back-dated buy. Replaying an account's trades of one asset in order gives the open lots, and
every sale matched to the lots it used, under the account's cost-basis method:

- **FIFO** (the default): a sale uses the oldest open lots first;
- **LIFO**: the newest first;
- **average cost**: every sale costs the pool's average cost per unit; the units still leave
  oldest first, so each match keeps an acquisition date for its holding period.

Fees on a buy are part of the lot's cost; fees on a sale reduce its proceeds. A split
multiplies the quantity of every open lot by its ratio and keeps each lot's total cost (so
the cost per unit is divided by it). A transfer in opens a lot at the cost per unit it came
with; a transfer out removes units like a sale but realises nothing. Same-day trades replay
as split, then acquisitions, then income and fees, then disposals (then entry order), so a
day's buy always covers that day's sale.

Cost and proceeds are exact ``Decimal`` in the asset's currency, computed in a 60-digit
context (a partial sale's share of a lot's cost is a division) and rounded to the currency's
minor unit only where they are reported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fintrack_core.access import READ, WRITE, Scope, require
from fintrack_core.db.models import Account, AccountType
from fintrack_core.db.portfolio_models import (
    AccountCostBasis,
    Asset,
    CostBasisMethod,
    Trade,
    TradeKind,
)
from fintrack_core.errors import ValidationError
from fintrack_core.ledger.accounts import get_account
from fintrack_core.money import to_decimal

PRECISION = 60
# Replay order of a day's trades (see the module docstring).
DAY_ORDER = {TradeKind.SPLIT: 0, TradeKind.BUY: 1, TradeKind.TRANSFER_IN: 1,
             TradeKind.REINVEST: 1, TradeKind.DIVIDEND: 2, TradeKind.INTEREST: 2,
             TradeKind.FEE: 2, TradeKind.SELL: 3, TradeKind.TRANSFER_OUT: 3}
ACQUISITIONS = frozenset({TradeKind.BUY, TradeKind.TRANSFER_IN, TradeKind.REINVEST})
DISPOSALS = frozenset({TradeKind.SELL, TradeKind.TRANSFER_OUT})
INCOME = frozenset({TradeKind.DIVIDEND, TradeKind.INTEREST, TradeKind.REINVEST})


@dataclass(frozen=True, slots=True)
class LotEvent:
    """One trade as the lot engine sees it, in the asset's currency.

    ``quantity``: units (a split's ratio); ``price``: per unit (for a dividend or interest,
    the total amount); ``fees``: the trade's fees converted to the asset's currency.
    """

    trade_id: int
    date: dt.date
    kind: TradeKind
    quantity: Decimal
    price: Decimal
    fees: Decimal = Decimal(0)

    @property
    def order(self) -> tuple[dt.date, int, int]:
        return self.date, DAY_ORDER[self.kind], self.trade_id


@dataclass(slots=True)
class Lot:
    """Units bought in one trade and still held: ``cost`` is their total cost (fees in)."""

    trade_id: int
    acquired: dt.date
    quantity: Decimal
    cost: Decimal

    @property
    def unit_cost(self) -> Decimal:
        with localcontext(prec=PRECISION):
            return self.cost / self.quantity if self.quantity else Decimal(0)


@dataclass(frozen=True, slots=True)
class Match:
    """Part of one sale matched to one lot (a row of the realised-gains report)."""

    sell_trade_id: int
    lot_trade_id: int
    acquired: dt.date
    sold: dt.date
    quantity: Decimal
    cost: Decimal
    proceeds: Decimal

    @property
    def gain(self) -> Decimal:
        return self.proceeds - self.cost

    @property
    def holding_days(self) -> int:
        return (self.sold - self.acquired).days


@dataclass(frozen=True, slots=True)
class Income:
    """A dividend, reinvested dividend or interest payment, with the units held then."""

    trade_id: int
    date: dt.date
    kind: TradeKind
    amount: Decimal
    units_held: Decimal


@dataclass(slots=True)
class Position:
    """The outcome of replaying one account's trades of one asset."""

    lots: list[Lot] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    income: list[Income] = field(default_factory=list)
    fees: Decimal = Decimal(0)  # standalone fee trades (not part of any lot)

    @property
    def quantity(self) -> Decimal:
        return sum((lot.quantity for lot in self.lots), Decimal(0))

    @property
    def cost(self) -> Decimal:
        return sum((lot.cost for lot in self.lots), Decimal(0))


class Oversold(Exception):
    """A disposal of more units than were held at that point of the replay."""

    def __init__(self, event: LotEvent, held: Decimal) -> None:
        super().__init__(f"trade {event.trade_id}: {event.quantity} > {held}")
        self.event = event
        self.held = held


def replay(events: Iterable[LotEvent], method: CostBasisMethod) -> Position:
    """The position after ``events`` (any order; replayed in ``LotEvent.order``).

    Raises ``Oversold`` at the first disposal of more units than were held then.
    """
    pos = Position()
    with localcontext(prec=PRECISION):
        for ev in sorted(events, key=lambda e: e.order):
            if ev.kind in ACQUISITIONS:
                cost = ev.quantity * ev.price + ev.fees
                pos.lots.append(Lot(ev.trade_id, ev.date, ev.quantity, cost))
                if ev.kind is TradeKind.REINVEST:
                    pos.income.append(Income(ev.trade_id, ev.date, ev.kind,
                                             ev.quantity * ev.price, pos.quantity - ev.quantity))
            elif ev.kind in DISPOSALS:
                _dispose(pos, ev, method)
            elif ev.kind is TradeKind.SPLIT:
                for lot in pos.lots:
                    lot.quantity *= ev.quantity
            elif ev.kind in (TradeKind.DIVIDEND, TradeKind.INTEREST):
                pos.income.append(Income(ev.trade_id, ev.date, ev.kind, ev.price - ev.fees,
                                         pos.quantity))
            elif ev.kind is TradeKind.FEE:
                pos.fees += ev.fees
    return pos


def _dispose(pos: Position, ev: LotEvent, method: CostBasisMethod) -> None:
    held = pos.quantity
    if ev.quantity > held:
        raise Oversold(ev, held)
    if method is CostBasisMethod.AVERAGE and held:
        average = pos.cost / held
        for lot in pos.lots:
            lot.cost = lot.quantity * average
    order = reversed(pos.lots) if method is CostBasisMethod.LIFO else iter(pos.lots)
    remaining = ev.quantity
    is_sale = ev.kind is TradeKind.SELL
    net = ev.quantity * ev.price - ev.fees  # the sale's proceeds, fees out
    for lot in list(order):
        if not remaining:
            break
        used = min(lot.quantity, remaining)
        cost = lot.cost if used == lot.quantity else lot.cost * used / lot.quantity
        if is_sale:
            proceeds = net * used / ev.quantity
            pos.matches.append(Match(ev.trade_id, lot.trade_id, lot.acquired, ev.date, used,
                                     cost, proceeds))
        lot.quantity -= used
        lot.cost -= cost
        remaining -= used
    pos.lots = [lot for lot in pos.lots if lot.quantity]


# --- from stored trades ------------------------------------------------------------------


def event_of(t: Trade | Any, asset_currency: str) -> LotEvent:
    """A stored trade as a ``LotEvent``: fees (account currency) converted to the asset's
    currency at the rate the trade's own cash leg implies (see ``trades.cash_leg``)."""
    quantity, price = Decimal(t.quantity), Decimal(t.price)
    fees = to_decimal(t.fees_minor, t.currency)
    if fees and t.currency != asset_currency:
        with localcontext(prec=PRECISION):
            fees = fees / trade_rate(t)
    return LotEvent(t.id, t.date, TradeKind(t.kind), quantity, price, fees)


def trade_rate(t: Trade | Any) -> Decimal:
    """1 unit of the asset's currency in the account's, as the trade's cash leg implies
    (gross cash in the account's currency / gross amount in the asset's)."""
    kind = TradeKind(t.kind)
    gross_asset = (Decimal(t.price) if kind in (TradeKind.DIVIDEND, TradeKind.INTEREST)
                   else Decimal(t.quantity) * Decimal(t.price))
    # buy: cash = -(gross + fees); sale, dividend, interest: cash = gross - fees
    gross_cash = (-t.cash_minor - t.fees_minor if kind is TradeKind.BUY
                  else t.cash_minor + t.fees_minor)
    if not gross_asset:
        return Decimal(1)
    with localcontext(prec=PRECISION):
        return to_decimal(gross_cash, t.currency) / gross_asset


Key = tuple[int, int]  # (account id, asset id)


def load_trades(s: Session, book_id: int, account_ids: Sequence[int] | None = None
                ) -> dict[Key, list[Any]]:
    """The book's trades by (account, asset), in replay order, as plain rows with the
    ``Trade`` column names (read-only: building ORM objects cost more than the replay)."""
    q = select(Trade.id, Trade.account_id, Trade.asset_id, Trade.date, Trade.kind,
               Trade.quantity, Trade.price, Trade.fees_minor, Trade.cash_minor,
               Trade.currency).where(Trade.book_id == book_id)
    if account_ids is not None:
        q = q.where(Trade.account_id.in_(list(account_ids)))
    out: dict[Key, list[Any]] = {}
    for t in s.execute(q.order_by(Trade.date, Trade.id)):
        out.setdefault((t.account_id, t.asset_id), []).append(t)
    return out


def methods_of(s: Session, book_id: int) -> dict[int, CostBasisMethod]:
    """Each investment account's cost-basis method (FIFO when none was chosen)."""
    rows = s.execute(select(AccountCostBasis.account_id, AccountCostBasis.method)
                     .where(AccountCostBasis.book_id == book_id)).all()
    return {int(a): CostBasisMethod(m) for a, m in rows}


def positions_in_session(s: Session, book_id: int, on: dt.date | None = None,
                         account_ids: Sequence[int] | None = None
                         ) -> dict[Key, tuple[Asset, Position]]:
    """Every (account, asset) position of the book after the trades up to ``on``."""
    assets = {a.id: a for a in s.scalars(select(Asset).where(Asset.book_id == book_id))}
    methods = methods_of(s, book_id)
    out: dict[Key, tuple[Asset, Position]] = {}
    for key, trades in load_trades(s, book_id, account_ids).items():
        asset = assets[key[1]]
        events = [event_of(t, asset.currency) for t in trades if on is None or t.date <= on]
        if not events:
            continue
        method = methods.get(key[0], CostBasisMethod.FIFO)
        out[key] = (asset, replay(events, method))
    return out


@dataclass(frozen=True, slots=True)
class LotView:
    trade_id: int
    acquired: dt.date
    quantity: Decimal
    cost: Decimal  # total, fees in, in the asset's currency (exact; round to show)
    unit_cost: Decimal


@dataclass(frozen=True, slots=True)
class HoldingView:
    account_id: int
    asset_id: int
    symbol: str
    currency: str  # the asset's
    method: CostBasisMethod
    quantity: Decimal
    cost: Decimal
    lots: tuple[LotView, ...]

    @property
    def average_cost(self) -> Decimal:
        with localcontext(prec=PRECISION):
            return self.cost / self.quantity if self.quantity else Decimal(0)


def holdings(scope: Scope, on: dt.date | None = None, account_id: int | None = None
             ) -> list[HoldingView]:
    """What the book holds after the trades up to ``on`` (default: all), with open lots;
    positions sold to zero are left out. By symbol, then account."""
    with scope.db.read() as s:
        require(s, scope, READ)
        ids = None if account_id is None else [get_account(s, scope.book_id, account_id).id]
        methods = methods_of(s, scope.book_id)
        out = []
        for (acc, _), (asset, pos) in positions_in_session(s, scope.book_id, on, ids).items():
            if not pos.quantity:
                continue
            lots = tuple(LotView(lot.trade_id, lot.acquired, lot.quantity, lot.cost,
                                 lot.unit_cost) for lot in pos.lots)
            out.append(HoldingView(acc, asset.id, asset.symbol, asset.currency,
                                   methods.get(acc, CostBasisMethod.FIFO), pos.quantity,
                                   pos.cost, lots))
        return sorted(out, key=lambda h: (h.symbol, h.account_id))


def _method(value: str | CostBasisMethod) -> CostBasisMethod:
    try:
        return CostBasisMethod(str(value).strip().lower())
    except ValueError:
        raise ValidationError("method", f"{value!r} is not a cost-basis method; choose one of "
                                        f"{', '.join(m.value for m in CostBasisMethod)}"
                              ) from None


def investment_account(s: Session, book_id: int, account_id: int) -> Account:
    """An investment account of this book, or the error naming ``account``."""
    acc = get_account(s, book_id, account_id)
    if acc.type != AccountType.INVESTMENT:
        raise ValidationError("account", f"{acc.name!r} is a {acc.type.value} account; trades "
                                         "and cost basis belong to investment accounts")
    return acc


def set_cost_basis(scope: Scope, account_id: int, method: str | CostBasisMethod
                   ) -> CostBasisMethod:
    """Choose how an investment account matches sales to lots (FIFO, LIFO or average).

    It applies to the account's whole history: gains already reported are recomputed."""
    chosen = _method(method)
    with scope.db.write() as s:
        require(s, scope, WRITE)
        acc = investment_account(s, scope.book_id, account_id)
        row = s.get(AccountCostBasis, acc.id)
        if row is None:
            s.add(AccountCostBasis(account_id=acc.id, book_id=scope.book_id, method=chosen))
        else:
            row.method = chosen
        return chosen


def get_cost_basis(scope: Scope, account_id: int) -> CostBasisMethod:
    with scope.db.read() as s:
        require(s, scope, READ)
        acc = investment_account(s, scope.book_id, account_id)
        return methods_of(s, scope.book_id).get(acc.id, CostBasisMethod.FIFO)
