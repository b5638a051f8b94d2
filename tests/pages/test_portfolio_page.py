"""Portfolio page: header figures, holdings with price ages and lots, performance, dividends,
realised gains; owners and editors refresh prices and add trades, viewers only look.

The book: Alice's Depot (EUR, opened 1 Jan 2024) got 5,000 from the Girokonto on 2 Jan,
bought 10 VWCE at 100 (10 Jan) and 20 at 110 (1 Mar), sold 5 at 120 (2 Apr, FIFO: from the
first lot) and received a 15.00 dividend (15 May). Yahoo's closes end on Tue 4 June (125;
124 the day before). The clock stands at Fri 7 June 2024, noon.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from fintrack_core.access import Scope
from fintrack_core.db.portfolio_models import Price
from fintrack_core.errors import PermissionDenied
from fintrack_core.ledger import accounts
from fintrack_core.ledger import transactions as tx
from fintrack_core.portfolio import assets, trades
from fintrack_core.portfolio.assets import AssetInput
from fintrack_core.portfolio.trades import TradeInput, list_trades
from fintrack_core.prices import ProviderError, Unreachable, refresh
from fintrack_ui.markdown import md
from tests.conftest import SmallBook
from tests.core.prices.fakes import TableProvider
from tests.pages.conftest import OpenPage

PAGE = "pages/portfolio.py"
D = dt.date
TODAY = D(2024, 6, 7)
FETCHED = dt.datetime(2024, 6, 4, 22, tzinfo=dt.UTC).replace(tzinfo=None)  # stored naive UTC


def widget(items: Any, label: str) -> Any:
    return next(w for w in items if w.label == label)


def texts(at: Any) -> str:
    """Everything the page wrote as text, one string (for "is it said somewhere")."""
    parts = [e.value for kind in ("markdown", "caption", "info", "warning", "error", "success")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


@pytest.fixture
def on_7_june() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2024, 6, 7, 12, tzinfo=dt.UTC), tick=True):
        yield


@pytest.fixture
def depot(small_book: SmallBook, on_7_june: None) -> SmallBook:
    """The book described in the module docstring."""
    owner = small_book.owner
    acc = accounts.create_account(owner, "Depot", "investment", "EUR", "0", D(2024, 1, 1))
    tx.transfer(owner, small_book.checking.id, acc.id, "5000", D(2024, 1, 2))
    etf = assets.add_asset(owner, AssetInput("VWCE", "etf", "EUR", name="FTSE All-World"))
    for day, kind, numbers in (
            (D(2024, 1, 10), "buy", {"quantity": "10", "price": "100"}),
            (D(2024, 3, 1), "buy", {"quantity": "20", "price": "110"}),
            (D(2024, 4, 2), "sell", {"quantity": "5", "price": "120"}),
            (D(2024, 5, 15), "dividend", {"amount": "15"})):
        trades.add_trade(owner, TradeInput(acc.id, etf.id, day, kind, **numbers))
    with small_book.db.write() as s:
        for day, close in ((D(2024, 1, 10), "100"), (D(2024, 3, 1), "110"),
                           (D(2024, 4, 2), "120"), (D(2024, 6, 3), "124"),
                           (D(2024, 6, 4), "125")):
            s.add(Price(book_id=None, provider="yahoo", provider_id="VWCE", date=day,
                        close=close, currency="EUR", source="yahoo close",
                        fetched_at=FETCHED))
    return small_book


def providers(monkeypatch: pytest.MonkeyPatch, **errors: ProviderError) -> None:
    """Yahoo answers VWCE at 126.50 and USD at 0.92 EUR on 7 June, unless ``errors``
    (by id) says otherwise: the provider factory is replaced at its boundary."""
    def make(name: str, scope: Scope) -> TableProvider:
        return TableProvider(name, {"VWCE": Decimal("126.50"), "USDEUR=X": Decimal("0.92")},
                             currency="EUR", day=TODAY, errors=dict(errors))
    monkeypatch.setattr(refresh, "make_provider", make)


def test_owner_sees_header_figures_holdings_with_price_age_and_lots(
        depot: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    assert at.title[0].value == "Portfolio"
    # value 25 x 125 = 3,125; cash 5,000 - 1,000 - 2,200 + 600 + 15 = 2,415
    # cost of the 25 units left (FIFO): 5 x 100 + 20 x 110 = 2,700; gain 425 = 15.7 %
    assert [(m.label, m.value) for m in at.metric] == [
        ("Total value (EUR)", "€5,540.00"), ("Day change", "€25.00"),
        ("Total gain/loss", "€425.00")]
    # day change 25 x (125 - 124) = 25 on 5,515 (what it was worth the day before)
    assert [m.delta for m in at.metric] == ["", "+0.5 %", "+15.7 %"]
    [row] = at.dataframe[0].value.to_dict("records")
    assert (row["Symbol"], row["Units"], row["Price"], row["Value"], row["Gain %"]) == (
        "VWCE", "25", "125.00 EUR", "€3,125.00", "+15.7 %")
    # Tue's close on Fri: 3 days old, and stale (Thursday's close should be known)
    assert row["Price age"] == "price from 3 days ago ⚠ stale"
    [lots] = at.expander
    assert lots.label == md("VWCE in Depot: 25 units in 2 lot(s), FIFO")
    assert lots.dataframe[0].value.to_dict("records") == [
        {"Acquired": D(2024, 1, 10), "Units": "5", "Cost": "€500.00",
         "Cost per unit": "100.00 EUR"},
        {"Acquired": D(2024, 3, 1), "Units": "20", "Cost": "€2,200.00",
         "Cost per unit": "110.00 EUR"}]
    assert widget(at.button, "Refresh prices")
    assert not at.exception


def test_refresh_online_stores_the_new_price_and_shows_its_age(
        depot: SmallBook, as_owner: OpenPage, monkeypatch: pytest.MonkeyPatch) -> None:
    providers(monkeypatch)
    at = as_owner(PAGE)
    widget(at.button, "Refresh prices").click().run()
    assert [s.value for s in at.success] == [md("Prices refreshed: 1 updated.")]
    [row] = at.dataframe[0].value.to_dict("records")
    assert (row["Price"], row["Price age"]) == ("126.50 EUR", "price from today")
    assert not at.warning


def test_refresh_offline_keeps_the_last_prices_and_says_so_once(
        depot: SmallBook, as_owner: OpenPage, monkeypatch: pytest.MonkeyPatch) -> None:
    down = Unreachable("cannot reach Yahoo Finance (DNSError)")
    providers(monkeypatch, VWCE=down, **{"USDEUR=X": down})
    at = as_owner(PAGE)
    widget(at.button, "Refresh prices").click().run()
    [warning] = at.warning
    assert warning.value == md("2 of 2 prices could not be updated (cannot reach Yahoo Finance "
                               "(DNSError)); the last known prices are shown with their age")
    [row] = at.dataframe[0].value.to_dict("records")
    assert row["Price age"] == "price from 3 days ago ⚠ stale"
    at.run()  # the next run: the error was shown once
    assert not at.warning


def test_viewer_sees_the_portfolio_without_any_write_widget(
        depot: SmallBook, as_viewer: OpenPage) -> None:
    at = as_viewer(PAGE)
    assert "You have view-only access to this book." in [i.value for i in at.info]
    assert at.metric[0].value == "€5,540.00"
    assert "Refresh prices" not in [b.label for b in at.button]
    assert list(at.radio(key="pf_section").options) == [
        "Holdings", "Performance", "Dividends", "Realised gains"]
    assert not at.text_input
    assert not at.get("form")
    # and the core refuses a viewer's write whatever a page shows
    acc = next(a for a in accounts.list_accounts(depot.viewer) if a.name == "Depot")
    with pytest.raises(PermissionDenied):
        trades.add_trade(depot.viewer, TradeInput(acc.id, assets.list_assets(depot.viewer)[0].id,
                                                  TODAY, "buy", "1", "100"))
    with pytest.raises(PermissionDenied):
        refresh.refresh_prices(depot.viewer)
    assert len(list_trades(depot.owner)) == 4


def test_performance_shows_both_returns_with_their_meaning(
        depot: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    at.radio(key="pf_section").set_value("Performance").run()
    labels = [m.label for m in at.metric]
    assert labels[3:] == ["Time-weighted return (TWR)", "Money-weighted return (XIRR)"]
    # 1Y: the period starts on the portfolio's first day (the first deposit, 2 Jan 2024)
    assert at.caption[0].value == md(
        "2024-01-02 to 2024-06-07. €5,540.00 at the end, €0.00 at the start, €5,000.00 added: "
        "the investments earned €540.00.")
    assert md("Time-weighted return 10.80 %: how the investments themselves did") in texts(at)
    assert md("so the money-weighted and time-weighted returns are close.") in texts(at)
    assert at.get("plotly_chart")
    at.selectbox(key="pf_benchmark").set_value(
        assets.list_assets(depot.owner)[0].id).run()
    assert not at.exception
    at.selectbox(key="pf_period").set_value("custom").run()
    at.date_input(key="pf_from").set_value(D(2024, 3, 1)).run()
    at.date_input(key="pf_to").set_value(D(2024, 4, 30)).run()
    assert at.caption[0].value.startswith(md("2024-03-01 to 2024-04-30. "))
    assert not at.exception


def test_dividends_and_realised_gains_with_downloads(depot: SmallBook,
                                                     as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    at.radio(key="pf_section").set_value("Dividends").run()
    assert at.dataframe[0].value.to_dict("records") == [{"Year": "2024", "Received": "€15.00"}]
    at.radio(key="pf_section").set_value("Realised gains").run()
    # 5 units bought at 100, sold at 120
    [row] = at.dataframe[0].value.to_dict("records")
    assert (row["Symbol"], row["Units"], row["Cost"], row["Proceeds"], row["Gain/loss"]) == (
        "VWCE", "5", "€500.00", "€600.00", "€100.00")
    assert md("Realised gain/loss: €100.00") in texts(at)
    assert [b.proto.label for b in at.get("download_button")] == ["Download CSV",
                                                                  "Download XLSX"]


def test_trade_form_error_names_the_field_and_stores_nothing(
        depot: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    at.radio(key="pf_section").set_value("Manage").run()
    widget(at.selectbox, "Kind").set_value("sell")
    widget(at.text_input, "Quantity").input("100")
    widget(at.text_input, "Price per unit").input("130")
    widget(at.button, "Add trade").click().run()
    [error] = at.error
    assert error.value == md("quantity: selling 100 VWCE on 2024-06-07 is more than the 25 "
                             "held then")
    assert len(list_trades(depot.owner)) == 4


def test_trade_form_adds_a_buy(depot: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    at.radio(key="pf_section").set_value("Manage").run()
    widget(at.text_input, "Quantity").input("2")
    widget(at.text_input, "Price per unit").input("125")
    widget(at.button, "Add trade").click().run()
    assert [s.value for s in at.success] == [md("Buy of VWCE on 2024-06-07 added.")]
    assert len(list_trades(depot.owner)) == 5


def test_an_empty_portfolio_shows_the_first_step(small_book: SmallBook, on_7_june: None,
                                                  as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    [info] = at.info
    assert "add an investment account" in info.value
    assert not at.metric


def test_an_account_without_trades_points_to_the_forms(small_book: SmallBook,
                                                       on_7_june: None,
                                                       as_owner: OpenPage) -> None:
    accounts.create_account(small_book.owner, "Depot", "investment", "EUR", "0", D(2024, 1, 1))
    at = as_owner(PAGE)
    assert ("Nothing held yet. Add an asset, then a trade (a buy) in one of your investment "
            "accounts: the forms are under Manage.") in [i.value for i in at.info]
    assert at.metric[0].value == "€0.00"
    at.radio(key="pf_section").set_value("Manage").run()
    widget(at.text_input, "Symbol").input("VWCE")
    widget(at.button, "Add asset").click().run()
    assert [s.value for s in at.success] == [md("Asset VWCE added.")]


def test_an_incomplete_total_says_what_is_missing(depot: SmallBook, as_owner: OpenPage) -> None:
    """A flat brought in at its cost, never priced: listed, not valued at zero, and named."""
    acc = next(a for a in accounts.list_accounts(depot.owner) if a.name == "Depot")
    flat = assets.add_asset(depot.owner, AssetInput("FLAT", "other", "EUR", name="Flat"))
    trades.add_trade(depot.owner, TradeInput(acc.id, flat.id, D(2024, 2, 1), "transfer_in",
                                             quantity="1", price="250000"))
    at = as_owner(PAGE)
    assert at.metric[0].value == "€5,540.00"  # the flat is not counted as 0, nor guessed
    assert [w.value for w in at.warning] == [md(
        "This total is incomplete: it leaves out what has no price or exchange rate yet — "
        "FLAT (Depot): no price on or before 2024-06-07. Set a price by hand or refresh "
        "prices.")]
    rows = at.dataframe[0].value.to_dict("records")
    assert [(r["Symbol"], r["Price"], r["Price age"]) for r in rows] == [
        ("VWCE", "125.00 EUR", "price from 3 days ago ⚠ stale"),
        ("FLAT", "no price yet", "missing")]


def test_lots_of_holdings_beyond_the_twenty_largest_are_picked_from_a_list(
        depot: SmallBook, as_owner: OpenPage) -> None:
    """VWCE (3,125) and 20 small funds F01..F20, one unit each at 1..20: the 20 largest get
    an expander, the smallest (F01, worth 1) is chosen from the list."""
    acc = next(a for a in accounts.list_accounts(depot.owner) if a.name == "Depot")
    for n in range(1, 21):
        fund = assets.add_asset(depot.owner, AssetInput(f"F{n:02d}", "fund", "EUR"))
        trades.add_trade(depot.owner, TradeInput(acc.id, fund.id, D(2024, 2, 1), "buy",
                                                 quantity="1", price=str(n)))
        with depot.db.write() as s:
            s.add(Price(book_id=None, provider="yahoo", provider_id=f"F{n:02d}",
                        date=D(2024, 6, 6), close=str(n), currency="EUR",
                        source="yahoo close", fetched_at=FETCHED))
    at = as_owner(PAGE)
    assert len(at.expander) == 20
    assert at.expander[0].label == md("VWCE in Depot: 25 units in 2 lot(s), FIFO")
    picker = at.selectbox(key="pf_lots_more")
    assert picker.label == "Lots of the other 1 holdings"
    picker.set_value(0).run()
    assert md("F01 in Depot: 1 units in 1 lot(s), FIFO") in [m.value for m in at.markdown]
    # the picked lots are the table before the two performers tables
    assert at.dataframe[-3].value.to_dict("records") == [
        {"Acquired": D(2024, 2, 1), "Units": "1", "Cost": "€1.00", "Cost per unit": "1.00 EUR"}]
