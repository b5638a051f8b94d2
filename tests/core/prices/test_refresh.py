"""``refresh_prices`` and ``backfill_history``: what they store, and that no network failure
escapes them (offline, HTTP 429, timeouts, a provider's bug), within a deadline."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Sequence
from decimal import Decimal

import pytest
from sqlalchemy import select

from fintrack_core.db.models import FxRate
from fintrack_core.db.portfolio_models import AssetKind, Price, PriceProvider
from fintrack_core.errors import NotFound, PermissionDenied, ValidationError
from fintrack_core.ledger.fx import rate_table
from fintrack_core.prices import (
    RateLimit,
    RateLimited,
    Unreachable,
    backfill_history,
    latest_price,
    latest_prices,
    refresh_prices,
)
from fintrack_core.prices import refresh as refresh_module
from tests.core.prices.asset_rows import add_asset
from tests.core.prices.conftest import PriceBook
from tests.core.prices.fakes import TableProvider

FRIDAY = dt.date(2026, 11, 27)


def providers(**overrides: TableProvider) -> dict[str, TableProvider]:
    found = {"yahoo": TableProvider("yahoo", {"AAPL": Decimal("277.55"),
                                              "VWCE.DE": Decimal("140.02"),
                                              "USDEUR=X": Decimal("0.8638")},
                                    currencies={"VWCE.DE": "EUR", "USDEUR=X": "EUR"}),
             "coingecko": TableProvider("coingecko", {"bitcoin": Decimal("67187.33")},
                                        batch_size=250)}
    found.update(overrides)
    return found


def test_refresh_stores_quotes_and_fx_rates_the_ledger_uses(book: PriceBook) -> None:
    result = refresh_prices(book.owner, providers=providers())
    assert result.failed == []
    assert result.error is None
    assert result.updated == ["AAPL", "BTC", "VWCE"]  # HOUSE is priced by hand
    assert result.fx_updated == ["USD/EUR"]
    seen = latest_prices(book.owner, today=FRIDAY)
    assert {seen[i].symbol: (seen[i].close, seen[i].currency, seen[i].source)
            for i in seen} == {"AAPL": (Decimal("277.55"), "USD", "yahoo quote"),
                               "VWCE": (Decimal("140.02"), "EUR", "yahoo quote"),
                               "BTC": (Decimal("67187.33"), "USD", "coingecko quote")}
    with book.db.read() as s:
        rows = s.scalars(select(Price).where(Price.book_id.is_(None))).all()
        assert {r.close for r in rows} == {"277.55", "140.02", "67187.33"}  # exact text
        [rate] = s.scalars(select(FxRate)).all()
        assert (rate.book_id, rate.base, rate.quote, rate.rate, rate.source) == (
            None, "USD", "EUR", "0.8638", "yahoo")
    assert rate_table(book.owner).rate("USD", "EUR", FRIDAY) == Decimal("0.8638")


def test_market_prices_are_shared_but_each_book_refreshes_only_its_assets(
        book: PriceBook) -> None:
    fetched = providers()
    refresh_prices(book.other, providers=fetched)  # Carol: AAPL (and USD in her GBP book)
    assert fetched["yahoo"].calls == [("AAPL",), ("USDGBP=X",)]
    assert fetched["coingecko"].calls == []
    assert latest_price(book.owner, book.assets["AAPL"], FRIDAY) is not None  # shared row
    assert latest_price(book.owner, book.assets["VWCE"], FRIDAY) is None


def test_offline_nothing_raises_and_the_last_price_stays_marked_stale(
        book: PriceBook, today: dt.date) -> None:
    old = today - dt.timedelta(days=3)
    refresh_prices(book.owner, providers=providers(yahoo=TableProvider(
        "yahoo", {"AAPL": Decimal("270.10"), "VWCE.DE": Decimal("139"),
                  "USDEUR=X": Decimal("0.86")}, day=old),
        coingecko=TableProvider("coingecko", {"bitcoin": Decimal("61000")}, day=old)))
    down = Unreachable("cannot reach Yahoo Finance (DNSError)")
    yahoo = TableProvider("yahoo", {}, errors={"AAPL": down, "VWCE.DE": down,
                                               "USDEUR=X": down})
    gecko = TableProvider("coingecko", {}, errors={"bitcoin": Unreachable(
        "cannot reach CoinGecko (ConnectionError)")})
    result = refresh_prices(book.owner, providers={"yahoo": yahoo, "coingecko": gecko})
    assert result.updated == []
    assert {(f.symbol, f.kind) for f in result.failed} == {
        ("AAPL", "unreachable"), ("VWCE", "unreachable"), ("BTC", "unreachable"),
        ("USD/EUR", "unreachable")}
    assert result.error == ("4 of 4 prices could not be updated (cannot reach CoinGecko "
                            "(ConnectionError); cannot reach Yahoo Finance (DNSError)); the "
                            "last known prices are shown with their age")
    view = latest_price(book.owner, book.assets["AAPL"])
    assert view is not None
    assert (view.close, view.day, view.age_days, view.label) == (
        Decimal("270.10"), old, 3, "price from 3 days ago")
    # On a Monday, Friday's close is the latest a stock market has; crypto trades daily.
    assert view.stale == (today.weekday() != 0)
    btc = latest_price(book.owner, book.assets["BTC"])
    assert btc is not None
    assert (btc.close, btc.stale) == (Decimal("61000"), True)


def test_an_unreachable_provider_is_not_asked_again(sqlite_book: PriceBook) -> None:
    for n in range(20):
        add_asset(sqlite_book.db, sqlite_book.owner.book_id, f"S{n}", AssetKind.STOCK, "EUR",
                  PriceProvider.YAHOO)
    down = Unreachable("cannot reach Yahoo Finance (DNSError)")
    symbols = ["AAPL", "VWCE.DE", *(f"S{n}" for n in range(20))]
    yahoo = TableProvider("yahoo", {}, errors=dict.fromkeys(symbols, down),
                          limit=RateLimit(1000, 1000, concurrency=1))
    result = refresh_prices(sqlite_book.owner, include_fx=False,
                            providers=providers(yahoo=yahoo))
    assert len(yahoo.calls) == 1
    assert len([f for f in result.failed if f.provider == "yahoo"]) == 22


def test_http_429_stops_asking_that_provider_and_says_when_to_retry(
        sqlite_book: PriceBook) -> None:
    limited = RateLimited("Yahoo Finance is rate limiting requests (HTTP 429); try again in "
                          "30 s", 30.0)
    yahoo = TableProvider("yahoo", {"VWCE.DE": Decimal("140")}, errors={"AAPL": limited},
                          limit=RateLimit(1000, 1000, concurrency=1))
    result = refresh_prices(sqlite_book.owner, include_fx=False,
                            providers=providers(yahoo=yahoo))
    assert yahoo.calls == [("AAPL",)]
    assert result.updated == ["BTC"]
    assert {f.symbol: f.kind for f in result.failed} == {"AAPL": "rate_limited",
                                                         "VWCE": "rate_limited"}
    assert result.error is not None
    assert "try again in 30 s" in result.error


def test_after_http_429_the_provider_rests_as_long_as_it_asked(
        sqlite_book: PriceBook) -> None:
    limited = RateLimited("CoinGecko is rate limiting requests (HTTP 429)", 60.0)
    gecko = TableProvider("coingecko", {}, errors={"bitcoin": limited})
    first = refresh_prices(sqlite_book.owner, include_fx=False,
                           providers=providers(coingecko=gecko))
    assert [f.kind for f in first.failed if f.symbol == "BTC"] == ["rate_limited"]
    calm = TableProvider("coingecko", {"bitcoin": Decimal("67000")})
    second = refresh_prices(sqlite_book.owner, include_fx=False,
                            providers=providers(coingecko=calm))
    assert calm.calls == []
    [failure] = second.failed
    assert (failure.symbol, failure.kind) == ("BTC", "rate_limited")
    assert "try again in 60 s" in failure.reason or "try again in 59 s" in failure.reason
    until, said = refresh_module._COOLDOWN["coingecko"]
    assert 58 < until - time.monotonic() <= 60
    refresh_module._COOLDOWN["coingecko"] = (time.monotonic() - 1, said)  # the minute is over
    third = refresh_prices(sqlite_book.owner, include_fx=False,
                           providers=providers(coingecko=calm))
    assert (calm.calls, third.failed) == ([("bitcoin",)], [])


def test_unknown_symbols_and_provider_bugs_are_failures_not_errors(
        sqlite_book: PriceBook) -> None:
    class Broken(TableProvider):
        def latest(self, ids: Sequence[str]) -> dict[str, object]:  # type: ignore[override]
            raise KeyError("regularMarketPrice")

    result = refresh_prices(sqlite_book.owner, include_fx=False, providers=providers(
        yahoo=TableProvider("yahoo", {"AAPL": Decimal("1")}),
        coingecko=Broken("coingecko", {})))
    assert {f.symbol: (f.kind, f.reason) for f in result.failed} == {
        "VWCE": ("unknown_symbol", "Yahoo does not know 'VWCE.DE'"),
        "BTC": ("error", "Coingecko answered in a way FinTrack cannot read (KeyError)")}
    assert result.updated == ["AAPL"]


def test_two_hundred_assets_at_100_ms_each_refresh_in_under_5_s(
        sqlite_book: PriceBook) -> None:
    prices = {}
    for n in range(200):
        add_asset(sqlite_book.db, sqlite_book.owner.book_id, f"T{n:03}", AssetKind.STOCK,
                  "EUR", PriceProvider.YAHOO)
        prices[f"T{n:03}"] = Decimal(f"{100 + n}.25")
    yahoo = TableProvider("yahoo", prices, delay=0.1)
    seen: list[tuple[int, int]] = []
    result = refresh_prices(sqlite_book.owner, None, include_fx=False,
                            providers=providers(yahoo=yahoo),
                            progress=lambda done, total: seen.append((done, total)))
    assert len(result.updated) == 200 + 1  # and BTC
    assert result.seconds < 5, result.seconds
    assert seen[-1] == (203, 203)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_the_rate_limit_spaces_the_calls(sqlite_book: PriceBook) -> None:
    yahoo = TableProvider("yahoo", {"AAPL": Decimal("1"), "VWCE.DE": Decimal("2")},
                          limit=RateLimit(per_second=5, burst=1, concurrency=4))
    stamps: list[float] = []
    lock = threading.Lock()

    def note(ids: Sequence[str]) -> None:
        with lock:
            stamps.append(time.monotonic())

    yahoo.on_call = note
    refresh_prices(sqlite_book.owner, include_fx=True, providers=providers(yahoo=yahoo))
    assert len(stamps) == 3  # AAPL, VWCE.DE, USDEUR=X
    gaps = [b - a for a, b in zip(sorted(stamps), sorted(stamps)[1:], strict=False)]
    assert min(gaps) >= 0.15  # 5 a second: one every 0.2 s


def test_the_deadline_ends_a_refresh_that_hangs(sqlite_book: PriceBook) -> None:
    slow = TableProvider("yahoo", {"AAPL": Decimal("1"), "VWCE.DE": Decimal("2")}, delay=3)
    started = time.monotonic()
    result = refresh_prices(sqlite_book.owner, include_fx=False,
                            providers=providers(yahoo=slow), deadline_s=0.5)
    assert time.monotonic() - started < 1.5
    assert {f.symbol: f.kind for f in result.failed} == {"AAPL": "timeout", "VWCE": "timeout"}
    assert result.updated == ["BTC"]


def test_a_viewer_cannot_refresh_and_nothing_is_fetched(book: PriceBook) -> None:
    fetched = providers()
    with pytest.raises(PermissionDenied, match="viewer"):
        refresh_prices(book.viewer, providers=fetched)
    assert fetched["yahoo"].calls == []


def test_another_books_asset_is_not_found(book: PriceBook) -> None:
    with pytest.raises(NotFound):
        refresh_prices(book.owner, [book.other_asset], providers=providers())


def test_backfill_stores_daily_closes(book: PriceBook) -> None:
    start, end = dt.date(2026, 11, 16), dt.date(2026, 11, 27)
    result = backfill_history(book.owner, book.assets["AAPL"], start, end,
                              providers=providers())
    assert (result.stored, result.first, result.last, result.error) == (
        10, start, end, None)
    with book.db.read() as s:
        rows = s.scalars(select(Price).where(Price.provider_id == "AAPL")
                         .order_by(Price.date)).all()
    assert [(r.date, r.close, r.source) for r in rows][:2] == [
        (start, "277.55", "yahoo close"), (dt.date(2026, 11, 17), "278.55", "yahoo close")]


def test_backfill_reports_network_failures_and_refuses_manual_assets(
        book: PriceBook) -> None:
    down = TableProvider("yahoo", {}, errors={"AAPL": Unreachable("cannot reach Yahoo")})
    result = backfill_history(book.owner, book.assets["AAPL"], FRIDAY, FRIDAY,
                              providers=providers(yahoo=down))
    assert (result.stored, result.error) == (0, "cannot reach Yahoo")
    with pytest.raises(ValidationError, match="priced by hand"):
        backfill_history(book.owner, book.assets["HOUSE"], FRIDAY, FRIDAY,
                         providers=providers())
    with pytest.raises(PermissionDenied, match="viewer"):
        backfill_history(book.viewer, book.assets["AAPL"], FRIDAY, FRIDAY,
                         providers=providers())


def test_an_fx_pair_held_as_an_asset_also_feeds_the_ledgers_rates(book: PriceBook) -> None:
    pair = add_asset(book.db, book.owner.book_id, "GBPEUR", AssetKind.CASH_LIKE, "EUR",
                     PriceProvider.YAHOO, "GBPEUR=X")
    yahoo = TableProvider("yahoo", {"GBPEUR=X": Decimal("1.1532")}, currency="EUR", day=FRIDAY)
    result = refresh_prices(book.owner, [pair], include_fx=False, providers={"yahoo": yahoo})
    assert (result.updated, result.fx_updated) == (["GBPEUR"], ["GBP/EUR"])
    assert rate_table(book.owner).rate("GBP", "EUR", FRIDAY) == Decimal("1.1532")
    backfill_history(book.owner, "GBPEUR", dt.date(2026, 11, 16), dt.date(2026, 11, 20),
                     providers={"yahoo": yahoo})
    assert rate_table(book.owner).rate("GBP", "EUR", dt.date(2026, 11, 18)) == Decimal("3.1532")
    assert rate_table(book.owner).rate("GBP", "EUR", dt.date(2026, 11, 20)) == Decimal("5.1532")


def test_a_provider_that_cannot_start_is_a_failure_too(
        sqlite_book: PriceBook, monkeypatch: pytest.MonkeyPatch) -> None:
    gecko = TableProvider("coingecko", {"bitcoin": Decimal("67000")})

    def make(name: str, scope: object) -> TableProvider:
        if name == "yahoo":
            raise ImportError("No module named 'curl_cffi'")
        return gecko

    monkeypatch.setattr(refresh_module, "make_provider", make)
    result = refresh_prices(sqlite_book.owner, include_fx=False)
    assert result.updated == ["BTC"]
    assert {f.symbol: f.reason for f in result.failed} == dict.fromkeys(
        ("AAPL", "VWCE"), "the yahoo provider could not start (ImportError: No module named "
                          "'curl_cffi')")
