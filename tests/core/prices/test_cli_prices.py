"""``fintrack prices``: update, set, import, history and list, driven through the arguments
against a real SQLite file, with the providers replaced by offline tables."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from fintrack_core.access import Scope
from fintrack_core.db.engine import Database
from fintrack_core.db.models import Role
from fintrack_core.db.portfolio_models import AssetKind, PriceProvider
from fintrack_core.ledger.books import list_books, share_book
from fintrack_core.ledger.users import get_user
from fintrack_core.prices import Provider, Unreachable
from fintrack_core.prices import refresh as refresh_module
from tests.conftest import clock_kept_on
from tests.core.prices.asset_rows import add_asset
from tests.core.prices.fakes import TableProvider
from tests.core.test_cli import alice, as_json, database, db_url, fails, ok, run

__all__ = ["alice", "database", "db_url"]  # fixtures shared with test_cli

TODAY = dt.date.today()



_clock = clock_kept_on(TODAY)



def prices(*args: str) -> list[str]:
    return ["prices", *args, "--user", "alice"]


@pytest.fixture
def assets(alice: str, database: Database) -> Scope:
    """Alice's book with a Yahoo ETF, a CoinGecko coin and a house priced by hand."""
    user = get_user(database, "alice")
    scope = Scope(database, user.id, list_books(database, user.id)[0].id)
    add_asset(database, scope.book_id, "VWCE", AssetKind.ETF, "EUR", PriceProvider.YAHOO,
              "VWCE.DE")
    add_asset(database, scope.book_id, "BTC", AssetKind.CRYPTO, "USD",
              PriceProvider.COINGECKO, "bitcoin")
    add_asset(database, scope.book_id, "HOUSE", AssetKind.OTHER, "EUR", PriceProvider.MANUAL)
    return scope


def feed(monkeypatch: pytest.MonkeyPatch, **tables: TableProvider) -> None:
    """The production providers, replaced where the refresh makes them."""
    def make(name: str, scope: Scope) -> Provider:
        return tables[name]

    monkeypatch.setattr(refresh_module, "make_provider", make)


def online(monkeypatch: pytest.MonkeyPatch) -> None:
    feed(monkeypatch,
         yahoo=TableProvider("yahoo", {"VWCE.DE": Decimal("140.02"),
                                       "USDEUR=X": Decimal("0.8638")},
                             currency="EUR", day=TODAY),
         coingecko=TableProvider("coingecko", {"bitcoin": Decimal("67187.33")}, day=TODAY))


def test_update_stores_prices_and_rates_and_list_shows_them(
        assets: Scope, monkeypatch: pytest.MonkeyPatch) -> None:
    online(monkeypatch)
    result = as_json(ok(*prices("update", "--json")))
    assert (result["updated"], result["fx_updated"], result["failed"], result["error"]) == (
        ["BTC", "VWCE"], ["USD/EUR"], [], None)
    assert ok(*prices("update")).stdout.startswith("Updated 2 prices and 1 FX rates in ")
    listed = as_json(ok(*prices("list", "--json")))
    assert [(p["symbol"], p["price"], p["currency"], p["source"], p["label"], p["stale"])
            for p in listed] == [
        ("BTC", "67187.33", "USD", "coingecko quote", "price from today", False),
        ("VWCE", "140.02", "EUR", "yahoo quote", "price from today", False)]
    table = ok(*prices("list")).stdout
    assert "67187.33" in table
    assert "price from today" in table


def test_update_offline_exits_0_and_says_what_failed(
        assets: Scope, monkeypatch: pytest.MonkeyPatch) -> None:
    down = Unreachable("cannot reach Yahoo Finance (DNSError)")
    feed(monkeypatch,
         yahoo=TableProvider("yahoo", {}, errors={"VWCE.DE": down, "USDEUR=X": down}),
         coingecko=TableProvider("coingecko", {}, errors={"bitcoin": Unreachable(
             "cannot reach CoinGecko (ConnectionError)")}))
    result = ok(*prices("update"))
    assert result.stdout.startswith("Updated 0 prices and 0 FX rates")
    assert "Not updated: VWCE: cannot reach Yahoo Finance (DNSError)" in result.stderr
    assert "3 of 3 prices could not be updated" in result.stderr
    data = as_json(ok(*prices("update", "--json")))
    assert {f["symbol"]: f["kind"] for f in data["failed"]} == {
        "VWCE": "unreachable", "BTC": "unreachable", "USD/EUR": "unreachable"}


def test_update_of_chosen_assets_and_unknown_ones(
        assets: Scope, monkeypatch: pytest.MonkeyPatch) -> None:
    online(monkeypatch)
    assert as_json(ok(*prices("update", "--asset", "vwce", "--no-fx", "--json")))[
        "updated"] == ["VWCE"]
    fails(run(*prices("update", "--asset", "NOPE")), "asset", "NOPE")


def test_set_a_price_by_hand(assets: Scope) -> None:
    data = as_json(ok(*prices("set", "HOUSE", "450000.00", "--date", "2026-01-15", "--json")))
    assert {k: data[k] for k in ("symbol", "date", "price", "currency", "source", "own")} == {
        "symbol": "HOUSE", "date": "2026-01-15", "price": "450000.00", "currency": "EUR",
        "source": "manual", "own": True}
    assert ok(*prices("set", "HOUSE", "460000")).stdout.strip() == \
        f"Set HOUSE to 460000 EUR on {TODAY.isoformat()}."
    fails(run(*prices("set", "HOUSE", "12,5")), "price")
    fails(run(*prices("set", "HOUSE", "1", "--date", "15.01.2026")), "date")
    fails(run(*prices("set", "NOPE", "1")), "asset")


def test_import_a_price_file(assets: Scope, tmp_path: Path) -> None:
    good = tmp_path / "prices.csv"
    good.write_text("symbol,date,price,currency\nHOUSE,2026-01-15,450000,\n"
                    "VWCE,2026-01-15,131.2,EUR\n", encoding="utf-8")
    preview = as_json(ok(*prices("import", str(good), "--dry-run", "--json")))
    assert (preview["imported"], preview["dry_run"]) == (2, True)
    assert ok(*prices("import", str(good))).stdout.strip() == \
        "Imported: 2 new, 0 replacing a price, 0 invalid."
    again = as_json(ok(*prices("import", str(good), "--json")))
    assert (again["imported"], again["replaced"]) == (0, 2)
    bad = tmp_path / "bad.csv"
    bad.write_text("symbol,date,price\nHOUSE,2026-01-16,1\nNOPE,2026-01-16,2\n",
                   encoding="utf-8")
    rejected = run(*prices("import", str(bad)))
    assert rejected.exit_code == 1
    assert rejected.stdout.startswith("Rejected: 1 new")
    assert "line 3: symbol: no asset 'NOPE' in this book" in rejected.stderr
    data = as_json(run(*prices("import", str(bad), "--json")))
    assert (data["rejected"], data["invalid"]) == (
        True, [{"line": 3, "error": "symbol: no asset 'NOPE' in this book"}])
    assert as_json(ok(*prices("import", str(bad), "--skip-invalid", "--json")))[
        "imported"] == 1
    other = tmp_path / "other.csv"
    other.write_text("Date,Amount\n2026-01-15,3\n", encoding="utf-8")
    fails(run(*prices("import", str(other))), "file", "header must be symbol,date,price")


def test_history_stores_closes_or_exits_1(assets: Scope,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    online(monkeypatch)
    data = as_json(ok(*prices("history", "VWCE", "--from", "2026-11-16", "--to", "2026-11-20",
                              "--json")))
    assert data == {"symbol": "VWCE", "stored": 5, "first": "2026-11-16",
                    "last": "2026-11-20", "error": None}
    feed(monkeypatch, yahoo=TableProvider("yahoo", {}, errors={"VWCE.DE": Unreachable(
        "cannot reach Yahoo Finance (DNSError)")}))
    result = run(*prices("history", "VWCE", "--from", "2026-11-16"))
    assert result.exit_code == 1
    assert "VWCE: nothing stored: cannot reach Yahoo Finance" in result.stderr
    fails(run(*prices("history", "HOUSE", "--from", "2026-11-16")), "priced by hand")


def test_a_viewer_cannot_update_or_set(assets: Scope, monkeypatch: pytest.MonkeyPatch) -> None:
    online(monkeypatch)
    ok("user", "add", "bob", "--password-stdin", input="builder-jobs1\n")
    share_book(assets, "bob", Role.VIEWER)
    book = str(assets.book_id)
    fails(run("prices", "update", "--user", "bob", "--book", book), "viewer")
    fails(run("prices", "set", "HOUSE", "1", "--user", "bob", "--book", book), "viewer")
    assert as_json(ok("prices", "list", "--user", "bob", "--book", book, "--json")) == []
