"""``fintrack asset`` and ``fintrack trade``: the assets a book can hold, and the trades in its
investment accounts (each with its cash leg in the account's ledger).

Each command is one ``fintrack_core.portfolio`` call as ``--user`` in one of their books, so
the validation (selling more than is held, a split ratio of 0, a date before the account was
opened, a non-investment account) and the role checks are the ones the Portfolio page gets.
Assets and accounts are named, not numbered: ``--account Depot --asset VWCE``. Quantities and
per-unit prices in ``--json`` are exact decimal strings; cash amounts are decimal strings in
the account's currency.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from fintrack_cli.common import (
    console,
    money_str,
    open_db,
    parse_date,
    parse_decimal,
    print_json,
    resolve_account,
    resolve_scope,
)
from fintrack_cli.ledger import BookOpt, JsonOpt, UserOpt
from fintrack_core.access import Scope
from fintrack_core.api import AssetKind, TradeKind
from fintrack_core.errors import ValidationError
from fintrack_core.ledger.accounts import list_accounts
from fintrack_core.portfolio.assets import AssetInput, AssetView, add_asset, list_assets
from fintrack_core.portfolio.trades import TradeInput, TradeView, add_trade, list_trades

asset_app = typer.Typer(help="Assets (stocks, ETFs, crypto, ...) the book can hold.",
                        no_args_is_help=True)
trade_app = typer.Typer(help="Trades in investment accounts: add and list.",
                        no_args_is_help=True)


def asset_json(a: AssetView) -> dict[str, Any]:
    return {"id": a.id, "symbol": a.symbol, "name": a.name, "kind": a.kind.value,
            "currency": a.currency, "provider": a.provider.value, "provider_id": a.provider_id}


def trade_json(t: TradeView, account: str) -> dict[str, Any]:
    return {"id": t.id, "date": t.date.isoformat(), "account": account, "symbol": t.symbol,
            "kind": t.kind.value, "quantity": str(t.quantity), "price": str(t.price),
            "fees": money_str(t.fees_minor, t.currency),
            "cash": money_str(t.cash_minor, t.currency), "currency": t.currency,
            "transaction_id": t.transaction_id, "notes": t.notes}


def resolve_asset(scope: Scope, symbol: str) -> AssetView:
    """An asset of the scope's book by symbol (exact first, then ignoring case)."""
    assets = list_assets(scope)
    wanted = symbol.strip()
    matches = ([a for a in assets if a.symbol == wanted]
               or [a for a in assets if a.symbol.casefold() == wanted.casefold()])
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(a.symbol for a in assets) or "none yet (fintrack asset add)"
    raise ValidationError("asset", f"no asset {symbol!r} in this book; assets: {known}")


@asset_app.command("add")
def asset_add(
    symbol: Annotated[str, typer.Argument(metavar="SYMBOL", help="Ticker or code: VWCE, BTC.")],
    kind: Annotated[str, typer.Option(
        help=f"One of {', '.join(k.value for k in AssetKind)}.")],
    currency: Annotated[str, typer.Option(help="The currency it is priced in (ISO 4217).")],
    name: Annotated[str, typer.Option(help="A longer name.")] = "",
    provider: Annotated[str | None, typer.Option(
        help="yahoo, coingecko or manual (default: by kind).")] = None,
    provider_id: Annotated[str | None, typer.Option(
        help="The provider's id, e.g. VWCE.DE on Yahoo, bitcoin on CoinGecko.")] = None,
    user: UserOpt = None,
    book: BookOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add an asset to the book (its price provider defaults by kind)."""
    with open_db() as db:
        scope, _ = resolve_scope(db, user, book)
        a = add_asset(scope, AssetInput(symbol, kind, currency, name, provider, provider_id))
    if as_json:
        print_json(asset_json(a))
        return
    typer.echo(f"Added asset #{a.id} {a.symbol} ({a.kind.value}, {a.currency}, prices from "
               f"{a.provider.value} {a.provider_id}).")


@asset_app.command("list")
def asset_list(user: UserOpt = None, book: BookOpt = None, as_json: JsonOpt = False) -> None:
    """List the book's assets."""
    with open_db() as db:
        scope, _ = resolve_scope(db, user, book)
        assets = list_assets(scope)
    if as_json:
        print_json([asset_json(a) for a in assets])
        return
    if not assets:
        typer.echo("No assets yet (fintrack asset add).")
        return
    table = Table()
    for col in ("Symbol", "Name", "Kind", "Currency", "Provider", "Provider id"):
        table.add_column(col)
    for a in assets:
        table.add_row(a.symbol, a.name, a.kind.value, a.currency, a.provider.value,
                      a.provider_id)
    console().print(table)


@trade_app.command("add")
def trade_add(
    account: Annotated[str, typer.Option(help="The investment account, by name.")],
    asset: Annotated[str, typer.Option(help="The asset's symbol.")],
    kind: Annotated[str, typer.Option(
        help=f"One of {', '.join(k.value for k in TradeKind)}.")],
    date: Annotated[str, typer.Option(help="Trade date, YYYY-MM-DD.")],
    quantity: Annotated[str, typer.Option(
        help="Units (a split: new units per old unit, 3 for 3-for-1).")] = "0",
    price: Annotated[str, typer.Option(help="Per unit, in the asset's currency.")] = "0",
    fees: Annotated[str, typer.Option(help="In the account's currency.")] = "0",
    amount: Annotated[str | None, typer.Option(
        help="Dividend or interest: the total, in the asset's currency.")] = None,
    fx_rate: Annotated[str | None, typer.Option(
        help="1 unit of the asset's currency in the account's (other currencies).")] = None,
    cash_amount: Annotated[str | None, typer.Option(
        help="What the broker booked in the account's currency, fees in (other "
             "currencies).")] = None,
    notes: Annotated[str, typer.Option(help="Free text.")] = "",
    user: UserOpt = None,
    book: BookOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a trade; its cash leg moves the account's balance in the same write."""
    day = parse_date(date, "date")
    assert day is not None  # a required option
    units, unit_price = parse_decimal(quantity, "quantity"), parse_decimal(price, "price")
    fee = parse_decimal(fees, "fees")
    total = parse_decimal(amount, "amount") if amount is not None else None
    rate = parse_decimal(fx_rate, "fx_rate") if fx_rate is not None else None
    cash = parse_decimal(cash_amount, "cash_amount") if cash_amount is not None else None
    with open_db() as db:
        scope, _ = resolve_scope(db, user, book)
        acc = resolve_account(scope, account)
        held = resolve_asset(scope, asset)
        t = add_trade(scope, TradeInput(acc.id, held.id, day, kind, units, unit_price, fee,
                                        total, rate, cash, notes))
    if as_json:
        print_json(trade_json(t, acc.name))
        return
    moved = (f"; cash {money_str(t.cash_minor, t.currency)} {t.currency}" if t.cash_minor
             else "")
    typer.echo(f"Added trade #{t.id}: {t.kind.value} {t.quantity} {t.symbol} on "
               f"{t.date.isoformat()} in {acc.name}{moved}.")


@trade_app.command("list")
def trade_list(
    account: Annotated[str | None, typer.Option(help="Only this account.")] = None,
    asset: Annotated[str | None, typer.Option(help="Only this asset symbol.")] = None,
    user: UserOpt = None,
    book: BookOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List the book's trades, oldest first."""
    with open_db() as db:
        scope, _ = resolve_scope(db, user, book)
        acc_id = resolve_account(scope, account).id if account else None
        asset_id = resolve_asset(scope, asset).id if asset else None
        names = {a.id: a.name for a in list_accounts(scope)}
        trades = list_trades(scope, acc_id, asset_id)
    if as_json:
        print_json([trade_json(t, names.get(t.account_id, "")) for t in trades])
        return
    if not trades:
        typer.echo("No trades yet (fintrack trade add).")
        return
    table = Table()
    for col in ("Id", "Date", "Account", "Kind", "Asset", "Quantity", "Price", "Fees", "Cash",
                "Currency"):
        table.add_column(col, justify="right" if col in ("Quantity", "Price", "Fees", "Cash")
                         else "left")
    for t in trades:
        table.add_row(str(t.id), t.date.isoformat(), names.get(t.account_id, ""), t.kind.value,
                      t.symbol, str(t.quantity), str(t.price),
                      money_str(t.fees_minor, t.currency), money_str(t.cash_minor, t.currency),
                      t.currency)
    console().print(table)
