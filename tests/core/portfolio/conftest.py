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

# stored like every fetched_at: naive UTC
FETCHED_AT = dt.datetime(2024, 1, 1, 18, 0, tzinfo=dt.UTC).replace(tzinfo=None)


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
                            fetched_at=FETCHED_AT))


@pytest.fixture
def folio(small_book: Any) -> Folio:
    owner = small_book.owner
    start = dt.date(2024, 1, 1)
    depot = accounts.create_account(owner, "Depot", "investment", "EUR", "0", start)
    broker = accounts.create_account(owner, "US Broker", "investment", "USD", "0", start)
    return Folio(small_book.db, owner, small_book.viewer, small_book.other, depot, broker)


@pytest.fixture
def folio_any(any_db: Database) -> Folio:
    """The same two investment accounts in a fresh book, on SQLite and on PostgreSQL."""
    from fintrack_core.db.models import Role
    from fintrack_core.ledger import books, users

    alice = users.create_user(any_db, "alice", "wonderland-42", "Alice", base_currency="EUR")
    bob = users.create_user(any_db, "bob", "builder-jobs1", "Bob", acting_user_id=alice.id)
    carol = users.create_user(any_db, "carol", "xmas-songs-3", "Carol", acting_user_id=alice.id)
    owner = Scope(any_db, alice.id, books.list_books(any_db, alice.id)[0].id)
    books.share_book(owner, "bob", Role.VIEWER)
    other = Scope(any_db, carol.id, books.list_books(any_db, carol.id)[0].id)
    start = dt.date(2024, 1, 1)
    depot = accounts.create_account(owner, "Depot", "investment", "EUR", "0", start)
    broker = accounts.create_account(owner, "US Broker", "investment", "USD", "0", start)
    return Folio(any_db, owner, Scope(any_db, bob.id, owner.book_id), other, depot, broker)


@pytest.fixture(autouse=True)
def _fresh_price_cache() -> None:
    """Each test starts without cached price arrays: the PostgreSQL tests reuse one URL with
    a recreated schema, where ids start again at 1."""
    from fintrack_core.portfolio.price_history import clear_price_cache

    clear_price_cache()
