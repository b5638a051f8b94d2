"""Realised gains in the asset's and the base currency, missing rates said out loud, and
the yearly report a tax adviser gets (CSV and XLSX)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest

from fintrack_core.errors import ValidationError
from fintrack_core.ledger.fx import set_rate
from fintrack_core.portfolio import gains
from tests.core.portfolio.conftest import Folio

D = Decimal


@pytest.fixture
def sold(folio: Folio) -> Folio:
    """The small book's rate is 1 EUR = 1.10 USD from 2024-01-01; 1.20 from 2024-06-01.

    US Broker (USD): AAPL 10 @ 100 + 1 fee on 2024-02-01, all sold @ 120 - 1 fee on
    2024-06-03. Depot (EUR): VWCE 10 @ 100 on 2024-02-01, 5 sold @ 110 on 2025-03-01.
    """
    set_rate(folio.owner, "EUR", "USD", dt.date(2024, 6, 1), "1.20")
    aapl = folio.asset("AAPL", "stock", "USD")
    vwce = folio.asset("VWCE")
    folio.trade(folio.broker, aapl, "2024-02-01", "buy", quantity="10", price="100", fees="1")
    folio.trade(folio.broker, aapl, "2024-06-03", "sell", quantity="10", price="120", fees="1")
    folio.trade(folio.depot, vwce, "2024-02-01", "buy", quantity="10", price="100")
    folio.trade(folio.depot, vwce, "2025-03-01", "sell", quantity="5", price="110")
    return folio


def test_a_foreign_sale_converts_cost_and_proceeds_at_their_own_days_rates(sold: Folio) -> None:
    report = gains.realised_gains(sold.owner, 2024)
    [row] = report.rows
    # USD: cost 1001, proceeds 1199, gain 198
    assert (row.symbol, row.quantity, row.cost, row.proceeds, row.gain) == (
        "AAPL", D(10), D("1001.00"), D("1199.00"), D("198.00"))
    # EUR: cost 1001 / 1.10 = 910.00 (2024-02-01), proceeds 1199 / 1.20 = 999.17 (2024-06-03)
    assert (row.cost_base, row.proceeds_base, row.gain_base) == (
        D("910.00"), D("999.17"), D("89.17"))
    assert (row.acquired, row.sold, row.holding_days, row.long_term) == (
        dt.date(2024, 2, 1), dt.date(2024, 6, 3), 123, False)
    assert report.totals == {"USD": D("198.00")}
    assert report.total_base == D("89.17")
    assert report.missing == ()


def test_a_sale_after_more_than_a_year_is_long_term(sold: Folio) -> None:
    [row] = gains.realised_gains(sold.owner, 2025).rows
    # 5 of the 10 bought at 100: cost 500, proceeds 550
    assert (row.symbol, row.cost, row.gain, row.holding_days, row.long_term) == (
        "VWCE", D("500.00"), D("50.00"), 394, True)
    assert len(gains.realised_gains(sold.owner).rows) == 2


def test_a_missing_rate_leaves_the_base_columns_empty_and_says_which(folio: Folio) -> None:
    gbp = folio.asset("VOD", "stock", "GBP")
    folio.trade(folio.depot, gbp, "2024-02-01", "buy", quantity="100", price="0.70",
                fx_rate="1.16")
    folio.trade(folio.depot, gbp, "2024-03-01", "sell", quantity="100", price="0.75",
                fx_rate="1.17")
    report = gains.realised_gains(folio.owner, 2024)
    [row] = report.rows
    assert (row.gain, row.gain_base) == (D("5.00"), None)
    assert report.total_base is None
    [message] = report.missing
    assert "GBP→EUR" in message
    assert "2024-02-01" in message


def test_the_yearly_report_as_csv_and_xlsx(sold: Folio) -> None:
    csv_text = gains.export_realised_gains(sold.owner, 2024, "csv").decode("utf-8-sig")
    header, line = csv_text.splitlines()[:2]
    assert header.split(",")[:7] == ["account", "symbol", "currency", "quantity",
                                     "date_acquired", "date_sold", "days_held"]
    assert line == ("US Broker,AAPL,USD,10,2024-02-01,2024-06-03,123,short,1001.00,1199.00,"
                    "198.00,EUR,910.00,999.17,89.17")
    book = openpyxl.load_workbook(io.BytesIO(gains.export_realised_gains(sold.owner, 2024,
                                                                          "xlsx")))
    assert book.sheetnames == ["Realised gains 2024", "Summary"]
    summary = {r[0]: r[2] for r in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["total gain USD"] == pytest.approx(198)
    assert summary["total gain in base currency (EUR)"] == pytest.approx(89.17)
    with pytest.raises(ValidationError) as err:
        gains.export_realised_gains(sold.owner, 2024, "pdf")
    assert err.value.field == "format"


def test_income_received_lists_dividends_and_interest_with_the_units_held(folio: Folio) -> None:
    vwce = folio.asset("VWCE")
    folio.trade(folio.depot, vwce, "2024-02-01", "buy", quantity="40", price="100")
    folio.trade(folio.depot, vwce, "2024-04-01", "dividend", amount="12", fees="2")
    folio.trade(folio.depot, vwce, "2024-05-01", "reinvest", quantity="0.5", price="110")
    rows, missing = gains.income_received(folio.owner, dt.date(2024, 1, 1))
    # 12 paid - 2 withheld; the reinvested 0.5 x 110 = 55 is income too
    assert [(r.kind.value, r.amount, r.units_held, r.amount_base) for r in rows] == [
        ("dividend", D("10.00"), D(40), D("10.00")), ("reinvest", D("55.00"), D(40),
                                                      D("55.00"))]
    assert missing == ()


def test_realised_gains_and_the_report_on_sqlite_and_postgresql(folio_any: Folio) -> None:
    f = folio_any
    set_rate(f.owner, "EUR", "USD", dt.date(2024, 1, 1), "1.25")
    btc = f.asset("BTC", "crypto", "USD")
    f.trade(f.broker, btc, "2024-02-01", "buy", quantity="0.12345678", price="40000")
    f.trade(f.broker, btc, "2024-03-01", "sell", quantity="0.02345678", price="50000")
    [row] = gains.realised_gains(f.owner, 2024).rows
    # cost 0.02345678 x 40000 = 938.2712 USD -> 938.27; proceeds 1172.839 -> 1172.84
    # (half-even on each exact amount); in EUR at 1/1.25: 750.62 and 938.27
    assert (row.cost, row.proceeds, row.gain) == (D("938.27"), D("1172.84"), D("234.57"))
    assert (row.cost_base, row.proceeds_base, row.gain_base) == (D("750.62"), D("938.27"),
                                                                 D("187.65"))
    csv_lines = gains.export_realised_gains(f.owner, 2024, "csv").decode("utf-8-sig")
    assert "US Broker,BTC,USD,0.02345678,2024-02-01,2024-03-01,29,short" in csv_lines
