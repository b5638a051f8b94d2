"""Net worth with investments: the holdings count at market value on each month end (the
report) and on the day (the Overview), converted at that day's rate, to the cent; a holding
without a price is named, never counted as 0.

The book is the report fixture plus a EUR depot (5,000.00 opened 2024-01-01):

    2024-01-15 buy 10 VWCE (EUR) @ 100.00            cash -1000.00
    2024-02-10 buy  3 AAPL (USD) @ 150.00, booked    cash  -409.09
    2024-03-05 buy  0.05 BTC (EUR) @ 40000, no price  cash -2000.00
    VWCE closes 105.125 on 2024-01-31 and 98.005 on 2024-02-29
    AAPL closes 181.01 USD on 2024-02-28 and 170.00 USD on 2024-03-28
    (1 EUR = 1.10 USD from January, 1.20 from March)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from fintrack_core.db.portfolio_models import Price
from fintrack_core.ledger import accounts
from fintrack_core.ledger.overview import overview
from fintrack_core.portfolio import assets, trades
from fintrack_core.portfolio.assets import AssetInput
from fintrack_core.portfolio.market_value import holdings_market_value
from fintrack_core.portfolio.trades import TradeInput
from fintrack_core.reports.networth import net_worth
from tests.core.reports import ledger_math as lm
from tests.core.reports.conftest import TYPES, ReportBook

D = dt.date
FETCHED = dt.datetime(2024, 4, 1, 12, 0, tzinfo=dt.UTC).replace(tzinfo=None)  # naive UTC


@pytest.fixture
def invested(report_book: ReportBook) -> ReportBook:
    owner = report_book.owner
    depot = accounts.create_account(owner, "Depot", "investment", "EUR", "5000.00", D(2024, 1, 1))
    ids = {}
    for symbol, ccy, kind in (("VWCE", "EUR", "etf"), ("AAPL", "USD", "stock"),
                              ("BTC", "EUR", "crypto")):
        ids[symbol] = assets.add_asset(owner, AssetInput(symbol, kind, ccy,
                                                         provider="manual")).id
    trades.add_trade(owner, TradeInput(depot.id, ids["VWCE"], D(2024, 1, 15), "buy", "10",
                                       "100"))
    trades.add_trade(owner, TradeInput(depot.id, ids["AAPL"], D(2024, 2, 10), "buy", "3",
                                       "150", cash_amount="409.09"))
    trades.add_trade(owner, TradeInput(depot.id, ids["BTC"], D(2024, 3, 5), "buy", "0.05",
                                       "40000"))
    with report_book.db.write() as s:
        for symbol, day, close, ccy in (("VWCE", D(2024, 1, 31), "105.125", "EUR"),
                                        ("VWCE", D(2024, 2, 29), "98.005", "EUR"),
                                        ("AAPL", D(2024, 2, 28), "181.01", "USD"),
                                        ("AAPL", D(2024, 3, 28), "170.00", "USD")):
            s.add(Price(book_id=owner.book_id, provider="manual", provider_id=symbol, date=day,
                        close=close, currency=ccy, source="test", fetched_at=FETCHED))
    return report_book


# month end -> (holdings at market value, the depot's cash), in cents, by hand:
# Jan: 10 x 105.125 = 1051.25 EUR
# Feb: 10 x 98.005 = 980.05 + 3 x 181.01 = 543.03 USD / 1.10 = 493.663.. -> 493.66; 1473.71
# Mar: 980.05 + 3 x 170.00 = 510.00 USD / 1.20 = 425.00; 1405.05 (BTC has no price)
HOLDINGS = {D(2023, 12, 31): 0, D(2024, 1, 31): 105125, D(2024, 2, 29): 147371,
            D(2024, 3, 31): 140505}
DEPOT_CASH = {D(2023, 12, 31): 0, D(2024, 1, 31): 400000, D(2024, 2, 29): 359091,
              D(2024, 3, 31): 159091}


def test_net_worth_counts_the_holdings_at_month_end_value(invested: ReportBook) -> None:
    result = net_worth(invested.owner, D(2023, 12, 1), D(2024, 3, 31))
    monthly = result.monthly.set_index("month")
    for month, held in HOLDINGS.items():
        ledger_assets = sum(lm.balance_cents(n, month) or 0 for n in TYPES if n != "Visa")
        liabilities = -(lm.balance_cents("Visa", month) or 0)
        assert monthly.at[month, "investments"] == held, month
        assert monthly.at[month, "assets"] == ledger_assets + DEPOT_CASH[month] + held, month
        assert monthly.at[month, "net_worth"] == (ledger_assets + DEPOT_CASH[month] + held
                                                  - liabilities), month
    march = result.holdings[result.holdings["month"] == D(2024, 3, 31)]
    values = [None if v is pd.NA else int(v) for v in march["value_base"].tolist()]
    assert list(zip(march["symbol"], march["quantity"], values, strict=True)) == [
        ("AAPL", "3", 42500), ("BTC", "0.05", None), ("VWCE", "10", 98005)]


def test_a_holding_without_a_price_is_named_not_counted_as_zero(invested: ReportBook) -> None:
    result = net_worth(invested.owner, D(2024, 3, 1), D(2024, 3, 31))
    assert [(r.month, r.account, r.symbol, r.reason) for r in result.unvalued.itertuples()] == [
        (D(2024, 3, 31), "Depot", "BTC", "no price on or before 2024-03-31")]


def test_a_holding_in_a_currency_without_a_rate_is_named(invested: ReportBook) -> None:
    owner = invested.owner
    depot = next(a.id for a in accounts.list_accounts(owner) if a.name == "Depot")
    vod = assets.add_asset(owner, AssetInput("VOD", "stock", "GBP", provider="manual"))
    trades.add_trade(owner, TradeInput(depot, vod.id, D(2024, 3, 1), "buy", "100", "0.70",
                                       cash_amount="81.90"))
    with invested.db.write() as s:
        s.add(Price(book_id=owner.book_id, provider="manual", provider_id="VOD",
                    date=D(2024, 3, 1), close="0.70", currency="GBP", source="test",
                    fetched_at=FETCHED))
    values = holdings_market_value(owner, [D(2024, 2, 29), D(2024, 3, 31)])
    assert values.total_minor(D(2024, 2, 29)) == 147371  # VOD not bought yet
    assert values.total_minor(D(2024, 3, 31)) == 140505  # VOD left out, not worth 0
    assert [(u.symbol, u.reason) for u in values.unvalued] == [
        ("BTC", "no price on or before 2024-03-31"),
        ("VOD", "no GBP→EUR exchange rate on or before 2024-03-31")]


def test_the_overview_net_worth_is_one_number_with_investments(invested: ReportBook) -> None:
    day = D(2024, 3, 31)
    data = overview(invested.owner, day, recent=0)
    ledger_total = sum(lm.balance_cents(n, day) or 0 for n in TYPES) + DEPOT_CASH[day]
    assert data.investments_minor == 140505
    assert data.total_minor == ledger_total + 140505
    [depot] = [a for a in data.accounts if a.account.name == "Depot"]
    assert (depot.base_minor, depot.holdings_minor) == (159091, 140505)
    assert data.unvalued == ("BTC (Depot): no price on or before 2024-03-31",)


def test_a_viewer_sees_the_same_net_worth(invested: ReportBook) -> None:
    owner = net_worth(invested.owner, D(2024, 1, 1), D(2024, 3, 31)).monthly
    viewer = net_worth(invested.viewer, D(2024, 1, 1), D(2024, 3, 31)).monthly
    assert owner.equals(viewer)
    assert Decimal(int(viewer["investments"].iloc[-1])) / 100 == Decimal("1405.05")
