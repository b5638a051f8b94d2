"""Fixtures for the portfolio tests: the small book plus two investment accounts, and
helpers that keep each test's trades and prices next to its assertions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from fintrack_core.access import Scope
from fintrack_core.db.engine import Database
from fintrack_core.db.portfolio_models import Price
from fintrack_core.ledger import accounts
from fintrack_core.portfolio import assets, trades
from fintrack_core.portfolio.assets import AssetInput, AssetView
from fintrack_core.portfolio.trades import TradeInput, TradeView


@dataclass
class Folio:
    """Alice's EUR book with a EUR depot ("Depot", opened 2024-01-01) and a USD broker
    account ("US Broker"), both investment accounts; Bob is a viewer."""

    db: Database
    owner: Scope
    viewer: Scope
    other: Scope
    depot: accounts.AccountView
    broker: accounts.AccountView

    def asset(self, symbol: str, kind: str = "etf", currency: str = "EUR",
              **extra: Any) -> AssetView:
        return assets.add_asset(self.owner, AssetInput(symbol, kind, currency, **extra))

    def trade(self, account: accounts.AccountView, asset: AssetView, day: str, kind: str,
              **numbers: Any) -> TradeView:
        """``folio.trade(depot, etf, "2024-02-01", "buy", quantity="10", price="100")``"""
        return trades.add_trade(self.owner, TradeInput(
            account.id, asset.id, dt.date.fromisoformat(day), kind, **numbers))

    def prices(self, asset: AssetView, table: str) -> None:
        """Manual prices from lines ``2024-03-01 101.50`` (market rows for market assets)."""
        with self.db.write() as s:
            for line in table.strip().splitlines():
                day, close = line.split()
                manual = asset.provider.value == "manual"
                s.add(Price(book_id=self.owner.book_id if manual else None,
                            provider=asset.provider.value, provider_id=asset.provider_id,
                            date=dt.date.fromisoformat(day), close=str(Decimal(close)),
                            currency=asset.currency, source="test",
                            fetched_at=dt.datetime(2024, 1, 1, 18, 0)))


@pytest.fixture
def folio(small_book: Any) -> Folio:
    owner = small_book.owner
    start = dt.date(2024, 1, 1)
    depot = accounts.create_account(owner, "Depot", "investment", "EUR", "0", start)
    broker = accounts.create_account(owner, "US Broker", "investment", "USD", "0", start)
    return Folio(small_book.db, owner, small_book.viewer, small_book.other, depot, broker)
