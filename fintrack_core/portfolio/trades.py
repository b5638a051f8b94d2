"""Trades in investment accounts, each with its cash leg in the account's ledger.

A trade that moves cash writes a ledger transaction in the investment account in the same
database transaction (``trades.transaction_id``), through the ledger's own in-session
functions, so the account's balance, the budget alert check, the audit log and the book's
data version behave as for any other write. Editing a trade edits its transaction (its
category and notes, if someone set them, stay); deleting a trade deletes it.

The cash leg, in the account's currency (``cash_minor``):

============  ===========================================  =================================
kind          what is typed                                cash leg
============  ===========================================  =================================
buy           quantity, price per unit, fees               -(quantity x price + fees)
sell          quantity, price per unit, fees               +(quantity x price - fees)
dividend      amount (total, asset's currency), fees       +(amount - fees)
interest      amount (total, asset's currency), fees       +(amount - fees)
fee           fees                                         -fees
reinvest      quantity, price per unit                     none: the dividend never reached
                                                           the cash balance (it bought units)
split         quantity = ratio (new units per old unit)    none
transfer_in   quantity, price = cost per unit              none (units, not cash)
transfer_out  quantity                                     none
============  ===========================================  =================================

Rounding: quantity x price (x the FX rate) is exact; it is rounded once, half-even, to the
account currency's minor unit; fees are typed in minor units already. When the asset's
currency differs from the account's, the trade needs either ``fx_rate`` (1 unit of the
asset's currency in the account's) or ``cash_amount`` (what the broker actually booked, in
the account's currency, fees included). We never guess a rate: the ledger's stored rates are
for reports, not for what a broker charged on a given fill.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields, replace
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fintrack_core.access import READ, WRITE, Scope, require
from fintrack_core.db.models import Account
from fintrack_core.db.portfolio_models import Asset, CostBasisMethod, Trade, TradeKind
from fintrack_core.errors import NotFound, ValidationError
from fintrack_core.ledger import transactions as ledger
from fintrack_core.money import to_decimal, to_minor
from fintrack_core.portfolio.alerts import check_in_session
from fintrack_core.portfolio.assets import get_asset_row
from fintrack_core.portfolio.cash_legs import (
    AMOUNTS,
    PRICED,
    UNITS,
    WITH_FEES,
    cash_leg,
    exact,
)
from fintrack_core.portfolio.lots import (
    LotEvent,
    Oversold,
    event_of,
    investment_account,
    methods_of,
    replay,
)
from fintrack_core.text import MAX_TEXT, clean_text


@dataclass(frozen=True, slots=True)
class TradeInput:
    """What a person types. ``quantity`` and ``price`` are in units and the asset's currency;
    ``amount`` is a dividend's or interest payment's total in the asset's currency; ``fees``
    are in the account's currency. ``fx_rate`` / ``cash_amount``: see the module docstring.
    """

    account_id: int
    asset_id: int
    date: dt.date
    kind: str | TradeKind
    quantity: Decimal | str | int = 0
    price: Decimal | str | int = 0
    fees: Decimal | str | int = 0
    amount: Decimal | str | int | None = None
    fx_rate: Decimal | str | None = None
    cash_amount: Decimal | str | int | None = None
    notes: str = ""
    external_id: str | None = None


@dataclass(frozen=True, slots=True)
class TradeView:
    id: int
    account_id: int
    asset_id: int
    symbol: str
    date: dt.date
    kind: TradeKind
    quantity: Decimal
    price: Decimal  # per unit; a dividend's or interest payment's total amount
    fees_minor: int
    cash_minor: int  # the signed cash leg in ``currency`` (the account's); 0: none
    currency: str
    transaction_id: int | None
    notes: str
    external_id: str | None

    @property
    def cash(self) -> Decimal:
        return to_decimal(self.cash_minor, self.currency)


def trade_view(t: Trade, symbol: str) -> TradeView:
    return TradeView(t.id, t.account_id, t.asset_id, symbol, t.date, TradeKind(t.kind),
                     Decimal(t.quantity), Decimal(t.price), t.fees_minor, t.cash_minor,
                     t.currency, t.transaction_id, t.notes, t.external_id)


def _kind(value: str | TradeKind) -> TradeKind:
    try:
        return TradeKind(str(value).strip().lower())
    except ValueError:
        raise ValidationError("kind", f"{value!r} is not a trade kind; choose one of "
                                      f"{', '.join(k.value for k in TradeKind)}") from None


@dataclass(frozen=True, slots=True)
class _Checked:
    kind: TradeKind
    quantity: Decimal
    price: Decimal
    fees_minor: int
    cash_minor: int


def _check(s: Session, book_id: int, data: TradeInput, acc: Account, asset: Asset
           ) -> _Checked:
    """The trade's numbers and cash leg, or the first rule ``data`` breaks, by field."""
    kind = _kind(data.kind)
    if not isinstance(data.date, dt.date):
        raise ValidationError("date", f"{data.date!r} is not a date")
    if data.date > dt.date.today():
        raise ValidationError("date", f"{data.date} is in the future; enter trades once done")
    if data.date < acc.opened_on:
        raise ValidationError("date", f"{data.date} is before {acc.name!r} was opened "
                                      f"({acc.opened_on})")
    if acc.closed_on is not None:
        raise ValidationError("account", f"account {acc.name!r} is closed since {acc.closed_on}")
    quantity, price = exact(data.quantity, "quantity"), exact(data.price, "price")
    fees = to_minor(exact(data.fees, "fees"), acc.currency, "fees")
    for name, value in (("quantity", quantity), ("price", price), ("fees", fees)):
        if value < 0:
            raise ValidationError(name, f"must not be negative (got {value}); the kind of "
                                        "trade says which way it goes")
    if kind is TradeKind.SPLIT and quantity == 0:
        raise ValidationError("quantity", "a split's ratio (new units per old unit) cannot be "
                                          "zero; e.g. 3 for a 3-for-1 split, 0.5 for 1-for-2")
    if kind in UNITS and quantity == 0:
        raise ValidationError("quantity", f"a {kind.value} needs a quantity above zero")
    if kind in PRICED and price == 0:
        raise ValidationError("price", f"a {kind.value} needs a price above zero (units that "
                                       "cost nothing arrive as a transfer_in)")
    if fees and kind not in WITH_FEES:
        raise ValidationError("fees", f"a {kind.value} moves no cash, so it has no fees; "
                                      "enter a separate fee trade")
    if kind is TradeKind.FEE and not fees:
        raise ValidationError("fees", "a fee trade needs the fee amount")
    if kind in AMOUNTS:
        if data.amount is None:
            raise ValidationError("amount", f"a {kind.value} needs the amount received")
        quantity, price = Decimal(0), exact(data.amount, "amount")
        if price <= 0:
            raise ValidationError("amount", "must be more than zero")
    elif data.amount is not None:
        raise ValidationError("amount", f"a {kind.value} has no amount; give quantity and price")
    if kind not in UNITS and kind is not TradeKind.SPLIT:
        quantity = Decimal(0)
    if kind not in PRICED and kind not in AMOUNTS and kind is not TradeKind.TRANSFER_IN:
        price = Decimal(0)
    cash = cash_leg(kind, quantity, price, fees, data, acc, asset)
    return _Checked(kind, plain(quantity), plain(price), fees, cash)


def plain(value: Decimal) -> Decimal:
    """``value`` without trailing zeros or an exponent (10, not 1E+1 or 10.000)."""
    return Decimal(format(value.normalize(), "f")) if value else Decimal(0)


def _check_holdings(s: Session, book_id: int, account_id: int, asset: Asset,
                    replaced: int | None, added: LotEvent | None) -> None:
    """Replay the account's trades of ``asset`` with ``added`` in and trade ``replaced`` out:
    no disposal may take more units than were held on its day, later trades included."""
    trades = s.scalars(select(Trade).where(Trade.book_id == book_id,
                                           Trade.account_id == account_id,
                                           Trade.asset_id == asset.id)).all()
    events = [event_of(t, asset.currency) for t in trades if t.id != replaced]
    if added is not None:
        events.append(added)
    method = methods_of(s, book_id).get(account_id, CostBasisMethod.FIFO)
    try:
        replay(events, method)
    except Oversold as exc:
        ev = exc.event
        what = "selling" if ev.kind is TradeKind.SELL else "transferring out"
        raise ValidationError("quantity", f"{what} {ev.quantity} {asset.symbol} on {ev.date} "
                                          f"is more than the {exc.held} held then") from None


def _describe(kind: TradeKind, quantity: Decimal, price: Decimal, asset: Asset) -> str:
    if kind in AMOUNTS:
        return f"{kind.value.title()} {asset.symbol} {price} {asset.currency}"
    if kind is TradeKind.FEE:
        return f"Fee {asset.symbol}"
    return f"{kind.value.title()} {quantity} {asset.symbol} @ {price} {asset.currency}"


def _write_cash_leg(s: Session, scope: Scope, t: Trade, asset: Asset) -> None:
    """Create, change or delete the trade's ledger transaction to match ``t.cash_minor``."""
    text = _describe(TradeKind(t.kind), Decimal(t.quantity), Decimal(t.price), asset)
    amount = to_decimal(t.cash_minor, t.currency)
    if t.transaction_id is not None and t.cash_minor:
        ledger.update_in_session(s, scope, t.transaction_id, {
            "account_id": t.account_id, "date": t.date, "amount": amount,
            "payee": asset.symbol, "description": text})
    elif t.transaction_id is not None:
        ledger.delete_in_session(s, scope, t.transaction_id)
        t.transaction_id = None
    elif t.cash_minor:
        tx = ledger.add_in_session(s, scope, ledger.TransactionInput(
            t.account_id, t.date, amount, asset.symbol, text))
        t.transaction_id = tx.id


def _save(s: Session, scope: Scope, data: TradeInput, existing: Trade | None) -> TradeView:
    acc = investment_account(s, scope.book_id, data.account_id)
    asset = get_asset_row(s, scope.book_id, data.asset_id)
    checked = _check(s, scope.book_id, data, acc, asset)
    notes = clean_text(data.notes, "notes", MAX_TEXT, multiline=True, strip=False)
    external = (clean_text(data.external_id, "external_id", 100) or None
                if data.external_id is not None else None)
    if external is not None and s.scalar(select(Trade.id).where(
            Trade.account_id == acc.id, Trade.external_id == external,
            Trade.id != (existing.id if existing else -1))) is not None:
        raise ValidationError("external_id", f"{external!r} is already a trade of "
                                             f"{acc.name!r} (imported before?)")
    t = existing or Trade(book_id=scope.book_id)
    if existing is not None and (existing.account_id, existing.asset_id) != (acc.id, asset.id):
        # the old position loses the trade: it must still hold together without it
        old_asset = get_asset_row(s, scope.book_id, existing.asset_id)
        _check_holdings(s, scope.book_id, existing.account_id, old_asset, existing.id, None)
    t.account_id, t.asset_id, t.date, t.kind = acc.id, asset.id, data.date, checked.kind
    t.quantity, t.price = str(checked.quantity), str(checked.price)
    t.fees_minor, t.cash_minor, t.currency = checked.fees_minor, checked.cash_minor, acc.currency
    t.notes, t.external_id = notes, external
    if existing is None:
        s.add(t)
    s.flush()
    _check_holdings(s, scope.book_id, acc.id, asset, t.id, event_of(t, asset.currency))
    _write_cash_leg(s, scope, t, asset)
    s.flush()
    return trade_view(t, asset.symbol)


def add_trade(scope: Scope, data: TradeInput) -> TradeView:
    """Record a trade and its cash leg (one database transaction, or nothing)."""
    with scope.db.write() as s:
        require(s, scope, WRITE)
        view = _save(s, scope, data, None)
        check_in_session(s, scope.book_id)  # portfolio alerts, recorded with the trade
        return view


def _get(s: Session, book_id: int, trade_id: int) -> Trade:
    t = s.get(Trade, NotFound.unless_id("trade", trade_id))
    if t is None or t.book_id != book_id:
        raise NotFound("trade", trade_id)
    return t


def _input_of(t: Trade) -> TradeInput:
    """The ``TradeInput`` that stored trade ``t`` (FX given as the booked cash amount)."""
    kind = TradeKind(t.kind)
    cash = abs(to_decimal(t.cash_minor, t.currency)) if t.cash_minor else None
    return TradeInput(t.account_id, t.asset_id, t.date, kind,
                      quantity=Decimal(t.quantity) if kind not in AMOUNTS else 0,
                      price=Decimal(t.price) if kind not in AMOUNTS else 0,
                      fees=to_decimal(t.fees_minor, t.currency),
                      amount=Decimal(t.price) if kind in AMOUNTS else None,
                      cash_amount=cash, notes=t.notes, external_id=t.external_id)


def update_trade(scope: Scope, trade_id: int, **changes: object) -> TradeView:
    """Change fields of a trade (names as in ``TradeInput``); everything is checked again and
    its cash leg follows. A changed quantity, price or fees of a trade in another currency
    needs the new ``fx_rate`` or ``cash_amount`` (the old cash amount no longer fits)."""
    names = {f.name for f in fields(TradeInput)}
    unknown = sorted(set(changes) - names)
    if unknown:
        raise ValidationError(unknown[0], "is not a trade field")
    with scope.db.write() as s:
        require(s, scope, WRITE)
        t = _get(s, scope.book_id, trade_id)
        current = _input_of(t)
        asset = get_asset_row(s, scope.book_id, int(changes.get("asset_id", t.asset_id)))  # type: ignore[call-overload]
        acc = investment_account(s, scope.book_id, int(changes.get("account_id", t.account_id)))  # type: ignore[call-overload]
        moved = {"quantity", "price", "fees", "amount", "kind", "asset_id", "account_id"}
        if (asset.currency == acc.currency or "fx_rate" in changes
                or ("cash_amount" not in changes and moved & set(changes))):
            current = replace(current, cash_amount=None)
        view = _save(s, scope, replace(current, **changes), t)  # type: ignore[arg-type]
        check_in_session(s, scope.book_id)
        return view


def delete_trade(scope: Scope, trade_id: int) -> None:
    """Delete a trade and its cash leg; refused when a later sale would then sell units
    the account no longer held."""
    with scope.db.write() as s:
        require(s, scope, WRITE)
        t = _get(s, scope.book_id, trade_id)
        asset = get_asset_row(s, scope.book_id, t.asset_id)
        _check_holdings(s, scope.book_id, t.account_id, asset, t.id, None)
        if t.transaction_id is not None:
            ledger.delete_in_session(s, scope, t.transaction_id)
        s.delete(t)
        s.flush()
        check_in_session(s, scope.book_id)


def get_trade(scope: Scope, trade_id: int) -> TradeView:
    with scope.db.read() as s:
        require(s, scope, READ)
        t = _get(s, scope.book_id, trade_id)
        return trade_view(t, get_asset_row(s, scope.book_id, t.asset_id).symbol)


def list_trades(scope: Scope, account_id: int | None = None, asset_id: int | None = None
                ) -> list[TradeView]:
    """The book's trades (of one account and/or asset), oldest first."""
    with scope.db.read() as s:
        require(s, scope, READ)
        return trades_in_session(s, scope.book_id, account_id, asset_id)


def trades_in_session(s: Session, book_id: int, account_id: int | None = None,
                      asset_id: int | None = None) -> list[TradeView]:
    q = select(Trade, Asset.symbol).join(Asset, Asset.id == Trade.asset_id).where(
        Trade.book_id == book_id)
    if account_id is not None:
        q = q.where(Trade.account_id == investment_account(s, book_id, account_id).id)
    if asset_id is not None:
        q = q.where(Trade.asset_id == get_asset_row(s, book_id, asset_id).id)
    rows = s.execute(q.order_by(Trade.date, Trade.id)).all()
    return [trade_view(t, symbol) for t, symbol in rows]
