"""The demo household's portfolio: a depot with ETFs, two stocks and a coin, traded over the
demo's two years (buys, a monthly savings plan, a sale, dividends, a split), priced by the
offline demo prices so the Portfolio page, net worth and the returns work with no network.

Why the assets are priced "manually" (by the book's own rows, source "demo") rather than by
Yahoo or CoinGecko: the prices are made up, and a refresh online must not mix real closes
into made-up trades; the price labels say "demo". Why the trades go through ``add_trade``:
the cash legs, the lot checks and the audit log are then those of any real trade.

Deterministic: every trade day and quantity is a fixed offset from the demo's first day, and
every price comes from ``demo_price_history``, which depends on the day only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from fintrack_core.access import Scope
from fintrack_core.db.engine import Database
from fintrack_core.ledger.accounts import create_account
from fintrack_core.ledger.fx import rate_table
from fintrack_core.portfolio.assets import AssetInput, add_asset
from fintrack_core.portfolio.base_currency import round_amount
from fintrack_core.portfolio.trades import TradeInput, add_trade
from fintrack_core.prices.demo import demo_price_history, store_demo_prices
from fintrack_core.prices.quotes import DailyClose

DEPOT = "Depot"
DEPOT_INSTITUTION = "Demo Broker"
DEPOT_OPENING = Decimal("25000.00")


@dataclass(frozen=True, slots=True)
class DemoAsset:
    symbol: str
    name: str
    kind: str
    series: str  # the key of its walk in ``prices.demo.DEMO_SERIES``


DEMO_ASSETS = (
    DemoAsset("VWCE", "Vanguard FTSE All-World (demo)", "etf", "VWCE.DE"),
    DemoAsset("EUNL", "iShares Core MSCI World (demo)", "etf", "EUNL.DE"),
    DemoAsset("AAPL", "Apple (demo)", "stock", "AAPL"),
    DemoAsset("MSFT", "Microsoft (demo)", "stock", "MSFT"),
    DemoAsset("BTC", "Bitcoin (demo)", "crypto", "bitcoin"),
)
SPLIT = ("MSFT", 400, Decimal(2))  # 2-for-1 on the demo's 400th day: quotes before it are x2

# (days after the first day, symbol, kind, quantity, dividend per unit in the asset currency)
TRADES: tuple[tuple[int, str, str, str, str], ...] = (
    (3, "VWCE", "buy", "40", ""),
    (10, "EUNL", "buy", "30", ""),
    (17, "AAPL", "buy", "15", ""),
    (24, "MSFT", "buy", "4", ""),
    (45, "BTC", "buy", "0.05", ""),
    *((31 + 30 * i, "VWCE", "buy", "2", "") for i in range(22)),  # the monthly savings plan
    *((60 + 91 * i, "AAPL", "dividend", "", "0.25") for i in range(7)),
    *((75 + 91 * i, "MSFT", "dividend", "", "0.80") for i in range(7)),
    (SPLIT[1], "MSFT", "split", str(SPLIT[2]), ""),
    (520, "EUNL", "sell", "12", ""),
)


def _quote_history(start: dt.date, end: dt.date) -> dict[str, list[DailyClose]]:
    """Each asset's demo closes by its symbol, the split-adjusted walk turned into quotes as
    they were traded (before the split a unit was worth ``ratio`` of today's units)."""
    walks = demo_price_history([a.series for a in DEMO_ASSETS], start, end)
    split_symbol, split_offset, ratio = SPLIT
    split_day = start + dt.timedelta(days=split_offset)
    out: dict[str, list[DailyClose]] = {}
    for asset in DEMO_ASSETS:
        closes = walks[asset.series]
        if asset.symbol == split_symbol:
            closes = [DailyClose(c.day, c.close * ratio if c.day < split_day else c.close,
                                 c.currency) for c in closes]
        out[asset.symbol] = closes
    return out


def _close_on(closes: list[DailyClose], day: dt.date) -> DailyClose | None:
    """The latest close on or before ``day`` (trades on a weekend fill at Friday's close)."""
    found = None
    for c in closes:
        if c.day > day:
            break
        found = c
    return found


def add_demo_portfolio(db: Database, user_id: int, book_id: int, start: dt.date,
                       end: dt.date) -> int:
    """Give the demo book its depot, assets, demo prices and trades; returns how many trades.
    Part of filling the demo (not a service of its own), acting as the demo user."""
    scope = Scope(db, user_id, book_id)
    depot = create_account(scope, DEPOT, "investment", "EUR", str(DEPOT_OPENING), start,
                           DEPOT_INSTITUTION)
    history = _quote_history(start, end)
    ids = {}
    for asset in DEMO_ASSETS:
        currency = history[asset.symbol][0].currency
        ids[asset.symbol] = add_asset(scope, AssetInput(
            asset.symbol, asset.kind, currency, asset.name, provider="manual")).id
    with db.write() as s:
        store_demo_prices(s, book_id, history)
    rates = rate_table(scope)
    held: dict[str, Decimal] = {}
    count = 0
    for offset, symbol, kind, quantity, per_unit in sorted(TRADES):
        day = start + dt.timedelta(days=offset)
        close = _close_on(history[symbol], day)
        units = held.get(symbol, Decimal(0))
        if day > end or close is None or (kind != "buy" and not units):
            continue
        fx_rate = None
        if close.currency != "EUR" and kind != "split":
            rate = rates.rate(close.currency, "EUR", day)
            if rate is None:
                continue  # the demo has no rate that early: no trade rather than a guess
            fx_rate = rate.quantize(Decimal("0.00000001"))
        price = close.close if kind in ("buy", "sell") else Decimal(0)
        amount = (round_amount(units * Decimal(per_unit), close.currency)
                  if kind == "dividend" else None)
        add_trade(scope, TradeInput(depot.id, ids[symbol], day, kind, quantity or 0, price,
                                    amount=amount, fx_rate=fx_rate))
        held[symbol] = (units + Decimal(quantity) if kind == "buy"
                        else units - Decimal(quantity) if kind == "sell"
                        else units * Decimal(quantity) if kind == "split" else units)
        count += 1
    return count
