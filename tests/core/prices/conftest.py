"""A EUR book with one asset per kind of price source, on SQLite and PostgreSQL (``any_db``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from fintrack_core.access import Scope
from fintrack_core.db.engine import Database
from fintrack_core.db.models import Role
from fintrack_core.db.portfolio_models import AssetKind, PriceProvider
from fintrack_core.ledger import books, users
from fintrack_core.prices import refresh
from tests.core.prices.asset_rows import add_asset


@dataclass(frozen=True)
class PriceBook:
    db: Database
    owner: Scope
    viewer: Scope
    other: Scope  # Carol in her own GBP book
    assets: dict[str, int]  # symbol -> id, in the owner's book
    other_asset: int  # Carol's AAPL


ASSETS = (("AAPL", AssetKind.STOCK, "USD", PriceProvider.YAHOO, "AAPL"),
          ("VWCE", AssetKind.ETF, "EUR", PriceProvider.YAHOO, "VWCE.DE"),
          ("BTC", AssetKind.CRYPTO, "USD", PriceProvider.COINGECKO, "bitcoin"),
          ("HOUSE", AssetKind.OTHER, "EUR", PriceProvider.MANUAL, "HOUSE"))


def build(db: Database) -> PriceBook:
    alice = users.create_user(db, "alice", "wonderland-42", "Alice", base_currency="EUR")
    bob = users.create_user(db, "bob", "builder-jobs1", "Bob", acting_user_id=alice.id)
    carol = users.create_user(db, "carol", "xmas-songs-3", "Carol", base_currency="GBP",
                              acting_user_id=alice.id)
    owner = Scope(db, alice.id, books.list_books(db, alice.id)[0].id)
    books.share_book(owner, "bob", Role.VIEWER)
    other = Scope(db, carol.id, books.list_books(db, carol.id)[0].id)
    ids = {sym: add_asset(db, owner.book_id, sym, kind, ccy, prov, pid)
           for sym, kind, ccy, prov, pid in ASSETS}
    carols = add_asset(db, other.book_id, "AAPL", AssetKind.STOCK, "USD", PriceProvider.YAHOO)
    return PriceBook(db, owner, Scope(db, bob.id, owner.book_id), other, ids, carols)


@pytest.fixture(autouse=True)
def _no_cooldown() -> Iterator[None]:
    """A provider's HTTP 429 pauses it for the process; each test starts without one."""
    refresh._COOLDOWN.clear()
    yield
    refresh._COOLDOWN.clear()


@pytest.fixture
def book(any_db: Database) -> PriceBook:
    return build(any_db)


@pytest.fixture
def sqlite_book(db: Database) -> PriceBook:
    """The same book on SQLite only, for tests about behaviour rather than storage."""
    return build(db)
