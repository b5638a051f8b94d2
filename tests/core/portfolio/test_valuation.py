"""The portfolio's value on a day: prices with their age, day change, gains, missing prices
named, allocation and performers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from fintrack_core.ledger import transactions as tx
from fintrack_core.portfolio import price_history, valuation
from fintrack_core.prices import latest_price
from tests.core.portfolio.conftest import Folio

D = Decimal


def deposit(folio: Folio, small_book: Any, amount: str, day: str) -> None:
    """Money moved from the checking account into the depot (an external flow)."""
    tx.transfer(folio.owner, small_book.checking.id, folio.depot.id, amount,
                dt.date.fromisoformat(day))


def test_value_day_change_gain_and_price_age(folio_any: Folio) -> None:
    f = folio_any
    etf = f.asset("VWCE")
    f.trade(f.depot, etf, "2024-02-01", "buy", quantity="10", price="100")
    f.prices(etf, """
2024-03-01 105
2024-03-04 110
""")
    val = valuation.valuation(f.owner, dt.date(2024, 3, 5))
    [h] = val.holdings
    # 10 x 110 = 1100; day change 10 x (110 - 105) = 50; gain 1100 - 1000 = 100 (10 %)
    assert (h.value, h.day_change, h.gain, h.gain_pct) == (D("1100.00"), D("50.00"),
                                                           D("100.00"), D("0.1"))
    assert (h.price_age_days, h.stale) == (1, False)
    assert h.price is not None
    assert h.price.date == dt.date(2024, 3, 4)
    # the depot's cash: -1000 (the buy, nothing deposited)
    assert [c.amount for c in val.cash] == [D("-1000.00"), D("0.00")]
    assert val.total_value == D("100.00")
    assert val.complete
    # two weeks without a new close: the same price, now stale
    [later] = valuation.valuation(f.owner, dt.date(2024, 3, 20)).holdings
    assert (later.price_age_days, later.stale) == (16, True)


def test_a_holding_without_a_price_is_listed_and_named_not_valued_at_zero(
        folio: Folio, small_book: Any) -> None:
    deposit(folio, small_book, "2000", "2024-01-15")
    etf, house = folio.asset("VWCE"), folio.asset("FLAT", "other")
    folio.trade(folio.depot, etf, "2024-02-01", "buy", quantity="10", price="100")
    folio.trade(folio.depot, house, "2024-02-01", "transfer_in", quantity="1", price="90000")
    folio.prices(etf, "2024-02-01 100")
    val = valuation.valuation(folio.owner, dt.date(2024, 2, 2))
    flat = next(h for h in val.holdings if h.symbol == "FLAT")
    assert (flat.value, flat.stale) == (None, True)
    assert not val.complete
    assert val.missing == ("FLAT (Depot): no price on or before 2024-02-02",)
    # what could be valued: 1000 of VWCE + 1000 cash
    assert val.total_value == D("2000.00")
    assert [(s.label, s.value_base, s.share) for s in val.by_kind] == [
        ("cash", D("1000.00"), D("0.5")), ("etf", D("1000.00"), D("0.5"))]


def test_a_usd_holding_is_valued_in_eur_with_the_ledgers_rate(folio: Folio) -> None:
    # the small book: 1 EUR = 1.10 USD from 2024-01-01
    aapl, etf = folio.asset("AAPL", "stock", "USD"), folio.asset("VWCE")
    folio.trade(folio.broker, aapl, "2024-02-01", "buy", quantity="10", price="110")
    folio.trade(folio.depot, etf, "2024-02-01", "buy", quantity="10", price="100")
    folio.prices(aapl, "2024-03-01 121")
    folio.prices(etf, "2024-03-01 90")
    val = valuation.valuation(folio.owner, dt.date(2024, 3, 1))
    usd = next(h for h in val.holdings if h.symbol == "AAPL")
    # 10 x 121 USD = 1210 USD = 1100 EUR; cost 1100 USD = 1000 EUR: gain 100 EUR
    assert (usd.value, usd.value_base, usd.cost_base, usd.gain_base) == (
        D("1210.00"), D("1100.00"), D("1000.00"), D("100.00"))
    assert [(s.label, s.value_base) for s in val.by_currency] == [
        ("USD", D("100.00")), ("EUR", D("-100.00"))]  # 1100 - 1000 cash; 900 - 1000 cash
    best, worst = valuation.performers(folio.owner, 1, dt.date(2024, 3, 1))
    assert [(p.symbol, p.gain_pct) for p in best] == [("AAPL", D("0.1"))]
    assert [(p.symbol, p.gain_pct) for p in worst] == [("VWCE", D("-0.1"))]


def test_market_prices_are_shared_and_manual_prices_stay_in_their_book(folio: Folio) -> None:
    from fintrack_core.portfolio import assets
    from fintrack_core.portfolio.assets import AssetInput

    house = folio.asset("FLAT", "other")
    folio.prices(house, "2024-02-01 90000")
    carols = assets.add_asset(folio.other, AssetInput("FLAT", "other", "EUR"))
    assert latest_price(folio.other, carols.id, dt.date(2024, 3, 1)) is None
    mine = latest_price(folio.owner, house.id, dt.date(2024, 3, 1))
    assert mine is not None
    assert (mine.close, mine.age_days, mine.label) == (D(90000), 29, "price from 29 days ago")
    btc = folio.asset("BTC", "crypto", "EUR")
    folio.prices(btc, "2024-02-01 40000")
    carols_btc = assets.add_asset(folio.other, AssetInput("BTC", "crypto", "EUR"))
    shared = latest_price(folio.other, carols_btc.id, dt.date(2024, 3, 1))
    assert shared is not None
    assert shared.close == D(40000)


def test_cached_price_history_sees_a_price_stored_after_it_was_read(folio: Folio) -> None:
    """Settled prices are cached per process; a new row (even for an old day) is read at
    once, because every read first looks for rows above the highest id it has seen."""
    from fintrack_core.db.portfolio_models import Asset

    etf = folio.asset("VWCE")
    folio.prices(etf, "2024-03-01 100")
    with folio.db.read() as s:
        row = s.get(Asset, etf.id)
        assert row is not None
        first = price_history.price_series(s, [row], dt.date(2024, 3, 31))[etf.id]
    assert first.closes.tolist() == [100.0]
    folio.prices(etf, "2024-02-15 95")  # a back-filled day, older than the cached ones
    with folio.db.read() as s:
        row = s.get(Asset, etf.id)
        assert row is not None
        again = price_history.price_series(s, [row], dt.date(2024, 3, 31))[etf.id]
    assert again.closes.tolist() == [95.0, 100.0]
    assert again.days.astype("datetime64[D]").astype(str).tolist() == ["2024-02-15",
                                                                        "2024-03-01"]


def test_one_asset_held_in_a_eur_and_a_usd_account(folio: Folio) -> None:
    # AAPL (USD): 10 bought in the USD broker at 110 USD; 10 in the EUR depot at 110 USD
    # paid 100.00 EUR each (the broker's rate 1/1.10); the book's rate: 1 EUR = 1.10 USD
    aapl = folio.asset("AAPL", "stock", "USD")
    folio.trade(folio.broker, aapl, "2024-02-01", "buy", quantity="10", price="110")
    folio.trade(folio.depot, aapl, "2024-02-01", "buy", quantity="10", price="110",
                cash_amount="1000")
    folio.prices(aapl, "2024-03-01 132")
    val = valuation.valuation(folio.owner, dt.date(2024, 3, 1))
    # each: 10 x 132 = 1320 USD = 1200 EUR, cost 1100 USD = 1000 EUR
    assert [(h.account, h.value, h.value_base, h.gain_base) for h in val.holdings] == [
        ("Depot", D("1320.00"), D("1200.00"), D("200.00")),
        ("US Broker", D("1320.00"), D("1200.00"), D("200.00"))]
    [best], _ = valuation.performers(folio.owner, 1, dt.date(2024, 3, 1))
    assert (best.symbol, best.value_base, best.gain_base, best.gain_pct) == (
        "AAPL", D("2400.00"), D("400.00"), D("0.2"))


def test_a_price_typed_by_hand_values_a_market_asset_and_wins_its_day(folio: Folio) -> None:
    """The one rule of ``prices.latest``: the latest day wins; on a shared day the book's own
    price beats the market's. An own price is never stale (no feed would update it)."""
    from fintrack_core.db.portfolio_models import Asset
    from fintrack_core.prices import set_price

    etf = folio.asset("VWCE")  # a Yahoo asset
    folio.trade(folio.depot, etf, "2024-02-01", "buy", quantity="10", price="100")
    folio.prices(etf, """
2024-03-01 105
2024-03-04 110
""")
    set_price(folio.owner, etf.id, dt.date(2024, 3, 4), "112", today=dt.date(2024, 3, 5))
    set_price(folio.owner, etf.id, dt.date(2024, 2, 15), "101", today=dt.date(2024, 3, 5))
    [h] = valuation.valuation(folio.owner, dt.date(2024, 3, 5)).holdings
    assert h.price is not None
    # 10 x 112 (own, same day as the market's 110); day change 10 x (112 - 105)
    assert (h.price.close, h.price.own, h.value, h.day_change) == (
        D(112), True, D("1120.00"), D("70.00"))
    [later] = valuation.valuation(folio.owner, dt.date(2024, 3, 20)).holdings
    assert (later.price_age_days, later.stale) == (16, False)
    with folio.db.read() as s:
        row = s.get(Asset, etf.id)
        assert row is not None
        series = price_history.price_series(s, [row], dt.date(2024, 3, 31))[etf.id]
    assert series.days.astype("datetime64[D]").astype(str).tolist() == [
        "2024-02-15", "2024-03-01", "2024-03-04"]
    assert series.closes.tolist() == [101.0, 105.0, 112.0]
