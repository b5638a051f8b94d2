"""Performance over a period: value history against money invested, TWR and XIRR with
their explanations, the benchmark, periods, and income (received and projected)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest
import time_machine
from pyxirr import xirr as reference_xirr

from fintrack_core.errors import ValidationError
from fintrack_core.ledger import transactions as tx
from fintrack_core.portfolio import income, performance
from fintrack_core.portfolio.performance import period_dates
from tests.core.portfolio.conftest import Folio

D = Decimal
JAN_2, APR_1, JUL_1 = dt.date(2024, 1, 2), dt.date(2024, 4, 1), dt.date(2024, 7, 1)


@pytest.fixture
def bought_before_a_fall(folio: Folio, small_book: Any) -> Folio:
    """1000 deposited and invested at 100 on 2024-01-02; the price is 110 from 2024-03-01;
    1100 more deposited and invested at 110 on 2024-04-01; the price falls to 99 on
    2024-07-01.

    Values: 1000 until 02-29, 1100 from 03-01, 2200 from 04-01, 1980 on 07-01.
    TWR: 1.1 (Jan-Mar) x 1.0 (the deposit day) x 0.9 (the fall) - 1 = -1 %.
    """
    etf = folio.asset("VWCE")
    for day, amount, price in ((JAN_2, "1000", "100"), (APR_1, "1100", "110")):
        tx.transfer(folio.owner, small_book.checking.id, folio.depot.id, amount, day)
        folio.trade(folio.depot, etf, day.isoformat(), "buy", quantity="10", price=price)
    folio.prices(etf, """
2024-01-02 100
2024-03-01 110
2024-07-01 99
""")
    return folio


def test_twr_and_xirr_of_money_added_before_a_fall(bought_before_a_fall: Folio) -> None:
    perf = performance.performance(bought_before_a_fall.owner, "custom", JAN_2, JUL_1)
    assert (perf.start_value, perf.end_value, perf.net_flows, perf.gain) == (
        D(0), D("1980.00"), D("2100.00"), D("-120.00"))
    assert perf.twr == pytest.approx(-0.01, abs=1e-12)
    assert perf.twr_yearly is None  # half a year is not stated as a yearly rate
    # deposits count from the start of their day: the end of the day before
    day_before = dt.timedelta(days=1)
    reference = reference_xirr([JAN_2 - day_before, APR_1 - day_before, JUL_1],
                               [-1000, -1100, 1980])
    assert perf.xirr == pytest.approx(reference, abs=1e-9)
    assert perf.xirr_period is not None
    assert perf.twr is not None
    assert perf.xirr_period < perf.twr
    assert perf.difference_text == ("You added most money just before a fall, so your "
                                    "money-weighted return is below the time-weighted one.")
    assert perf.twr_text.startswith("Time-weighted return -1.00 %")
    assert perf.missing == ()
    assert perf.notes == ()


def test_buys_without_the_deposits_that_paid_for_them_are_pointed_out(folio: Folio) -> None:
    etf = folio.asset("VWCE")
    folio.trade(folio.depot, etf, "2024-02-01", "buy", quantity="10", price="100")
    folio.prices(etf, "2024-02-01 100\n2024-03-01 110")
    perf = performance.performance(folio.owner, "custom", dt.date(2024, 2, 1),
                                   dt.date(2024, 3, 1))
    assert perf.notes == ("Depot's cash is below zero from 2024-02-01: if the money for its "
                          "buys came from another account, enter those transfers, or the "
                          "returns treat the buys as borrowed money",)


def test_the_explanation_names_what_the_timing_of_the_money_did() -> None:
    day = dt.date(2024, 4, 1)
    # most money taken out just before the investments rose: below
    assert performance.explain(0.10, 0.02, [(day, D(-500))], {day: 1.2}) == (
        "You took most money out just before a rise, so your money-weighted return is below "
        "the time-weighted one.")
    # added just before a rise: above
    assert performance.explain(0.10, 0.15, [(day, D(500))], {day: 1.2}).startswith(
        "You added most money just before a rise")
    assert "little difference" in performance.explain(0.10, 0.101, [(day, D(5))], {day: 1.0})
    assert "No money came in" in performance.explain(0.10, 0.10, [], {})


def test_value_history_day_by_day_against_money_invested(bought_before_a_fall: Folio) -> None:
    bench = bought_before_a_fall.asset("MSCI")
    bought_before_a_fall.prices(bench, "2024-01-02 50\n2024-03-01 55")
    history = performance.value_history(bought_before_a_fall.owner, "custom", JAN_2, JUL_1,
                                        benchmark_asset_id=bench.id)
    frame = history.frame.set_index("date")
    at = {d: frame.loc[np.datetime64(d)] for d in ("2024-02-29", "2024-03-01", "2024-04-01",
                                                   "2024-07-01")}
    # money in minor units (cents), exact integers
    assert [at[d]["value_minor"] for d in at] == [100000, 110000, 220000, 198000]
    assert [at[d]["invested_minor"] for d in at] == [100000, 100000, 210000, 210000]
    # the benchmark starts at the portfolio's 1000 and follows its own price: 50 -> 55
    assert at["2024-03-01"]["benchmark_minor"] == 110000
    assert frame["twr_growth"].iloc[-1] == pytest.approx(0.99)
    assert len(frame) == 182
    assert history.missing == ()


@pytest.mark.parametrize(("period", "start"), [("custom", JAN_2), ("custom", APR_1),
                                               ("max", None)])
def test_performance_and_history_at_once_equal_the_two_calls(
        bought_before_a_fall: Folio, period: str, start: dt.date | None) -> None:
    """The page's one call builds the daily series once; its answers are the two calls'."""
    f = bought_before_a_fall
    bench = f.asset("MSCI")
    f.prices(bench, "2024-01-02 50\n2024-03-01 55")
    end = JUL_1 if start else None
    with time_machine.travel(dt.datetime(2024, 7, 2, 12, tzinfo=dt.UTC), tick=True):
        perf, history = performance.performance_and_history(f.owner, period, start, end,
                                                            benchmark_asset_id=bench.id)
        alone = performance.value_history(f.owner, period, start, end,
                                          benchmark_asset_id=bench.id)
        assert perf == performance.performance(f.owner, period, start, end)
    pd.testing.assert_frame_equal(history.frame, alone.frame)
    assert (history.missing, history.notes) == (alone.missing, alone.notes)


def test_a_missing_exchange_rate_stops_the_returns_and_says_why(folio: Folio) -> None:
    gbp = folio.asset("VOD", "stock", "GBP")
    folio.trade(folio.depot, gbp, "2024-02-01", "buy", quantity="100", price="0.70",
                fx_rate="1.16")
    folio.prices(gbp, "2024-02-01 0.70")
    perf = performance.performance(folio.owner, "custom", dt.date(2024, 2, 1),
                                   dt.date(2024, 3, 1))
    assert perf.twr is None
    assert perf.xirr is None
    assert any("VOD" in m and "GBP→EUR" in m for m in perf.missing)
    assert "cannot be computed" in perf.twr_text


def test_an_empty_portfolio_has_no_returns_rather_than_zero(folio: Folio) -> None:
    perf = performance.performance(folio.owner, "custom", JAN_2, JUL_1)
    assert (perf.twr, perf.xirr) == (None, None)
    assert perf.twr_text == "There was nothing invested in this period."
    assert perf.end_value == D(0)


def test_an_asset_with_only_income_recorded_counts_as_never_held(
        bought_before_a_fall: Folio) -> None:
    """Found by the API fuzzer: a dividend of an asset with no buy made the value history
    fail (an index into an empty list of holdings changes)."""
    bond = bought_before_a_fall.asset("DBR", "bond")
    bought_before_a_fall.trade(bought_before_a_fall.depot, bond, "2024-05-02", "interest",
                               amount="5")
    perf = performance.performance(bought_before_a_fall.owner, "custom", JAN_2, JUL_1)
    assert perf.end_value == D("1985.00")  # the ETF and the interest paid into the depot
    assert perf.twr is not None


@pytest.mark.parametrize(("period", "today", "start"), [
    ("1M", dt.date(2024, 3, 31), dt.date(2024, 3, 1)),
    ("1M", dt.date(2024, 3, 30), dt.date(2024, 3, 1)),  # 29 Feb + 1 day
    ("YTD", dt.date(2027, 1, 1), dt.date(2027, 1, 1)),
    ("1Y", dt.date(2028, 2, 29), dt.date(2027, 3, 1)),
    ("5Y", dt.date(2026, 11, 30), dt.date(2021, 12, 1)),
    ("max", dt.date(2026, 11, 30), dt.date(2020, 5, 4)),
])
def test_periods_end_today(period: str, today: dt.date, start: dt.date) -> None:
    assert period_dates(period, today, dt.date(2020, 5, 4)) == (max(start, dt.date(2020, 5, 4)),
                                                                today)


def test_a_period_never_starts_before_the_portfolio_and_bad_ones_are_named() -> None:
    assert period_dates("5Y", dt.date(2026, 11, 30), dt.date(2024, 1, 2))[0] == \
        dt.date(2024, 1, 2)
    for bad, field in (("2W", "period"), ("custom", "start")):
        with pytest.raises(ValidationError) as err:
            period_dates(bad, dt.date(2026, 11, 30), None)
        assert err.value.field == field


@pytest.mark.parametrize(("start", "end", "field"), [
    (dt.date(1, 1, 1), None, "start"),  # the day before it made the value history overflow
    (dt.date(2024, 1, 1), dt.date(9999, 12, 31), "end"),
])
def test_a_custom_period_outside_the_years_1900_to_2999_is_refused(
        start: dt.date, end: dt.date | None, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        period_dates("custom", dt.date(2026, 11, 30), None, start, end)
    assert err.value.field == field


def test_performance_for_a_named_period_uses_todays_date(bought_before_a_fall: Folio,
                                                         today: dt.date) -> None:
    perf = performance.performance(bought_before_a_fall.owner, "max")
    assert (perf.start, perf.end) == (JAN_2, today)
    assert perf.end_value == D("1980.00")  # the last price, 99, still stands


def test_dividends_per_month_and_the_projection_after_a_split(folio: Folio) -> None:
    etf = folio.asset("VWCE")
    folio.trade(folio.depot, etf, "2024-02-01", "buy", quantity="20", price="100")
    folio.trade(folio.depot, etf, "2024-03-15", "dividend", amount="10")
    folio.trade(folio.depot, etf, "2024-06-14", "dividend", amount="20")
    folio.trade(folio.depot, etf, "2024-06-15", "split", quantity="2")
    summary = income.income_summary(folio.owner)
    assert summary.by_month == {"2024-03": D("10.00"), "2024-06": D("20.00")}
    assert summary.by_year == {2024: D("30.00")}
    # per unit paid: 0.50 + 1.00 per old unit = 0.75 per new unit; 40 units held now
    projection = income.projected_income(folio.owner, dt.date(2024, 7, 1))
    [row] = projection.rows
    assert (row.quantity, row.per_unit, row.amount) == (D(40), D("0.75"), D("30.00"))
    assert projection.total_base == D("30.00")
    # a year later the March payment has dropped out of the past 12 months
    later = income.projected_income(folio.owner, dt.date(2025, 3, 20))
    assert later.rows[0].amount == D("20.00")


def test_value_history_and_returns_on_sqlite_and_postgresql(folio_any: Folio) -> None:
    """The settled prices are read through each driver's own cursor: both must agree."""
    from fintrack_core.ledger import accounts

    f = folio_any
    giro = accounts.create_account(f.owner, "Giro", "checking", "EUR", "5000", JAN_2)
    etf = f.asset("VWCE")
    tx.transfer(f.owner, giro.id, f.depot.id, "1000", JAN_2)
    f.trade(f.depot, etf, "2024-01-02", "buy", quantity="10", price="100")
    f.prices(etf, "2024-01-02 100\n2024-03-01 110")
    perf = performance.performance(f.owner, "custom", JAN_2, dt.date(2024, 3, 1))
    # 1000 in, worth 1100 at the end: +10 % both ways (one deposit at the very start)
    assert perf.twr == pytest.approx(0.10)
    assert perf.xirr_period == pytest.approx(0.10)
    assert (perf.end_value, perf.net_flows, perf.gain) == (D("1100.00"), D("1000.00"),
                                                           D("100.00"))
    history = performance.value_history(f.owner, "custom", JAN_2, dt.date(2024, 3, 1))
    assert history.frame["value_minor"].tolist()[:2] == [100000, 100000]
    assert history.frame["value_minor"].iloc[-1] == 110000


def test_a_day_before_any_money_arrived_needs_no_exchange_rate(folio: Folio) -> None:
    """A GBP broker account opened on 2 Jan with 1,000 GBP, the day of the book's first
    GBP→EUR rate; "max" starts on 2 Jan, so its eve (1 Jan) is valued too: an account with
    nothing in it is worth 0 in any currency, and the returns must not stop for want of a
    rate there."""
    from fintrack_core.ledger import accounts, fx

    uk = accounts.create_account(folio.owner, "UK Broker", "investment", "GBP", "1000", JAN_2)
    for day, rate in (("2024-01-02", "1.15"), ("2024-02-01", "1.16")):
        fx.set_rate(folio.owner, "GBP", "EUR", dt.date.fromisoformat(day), rate)
    shares = folio.asset("VOD", "stock", "GBP")
    folio.trade(uk, shares, "2024-01-02", "buy", quantity="10", price="100")
    folio.prices(shares, "2024-01-02 100\n2024-02-01 110")
    with time_machine.travel(dt.datetime(2024, 2, 2, 12, tzinfo=dt.UTC), tick=True):
        perf = performance.performance(folio.owner, "max")
    assert (perf.start, perf.missing) == (JAN_2, ())
    # 1,000 GBP at 1.15 = 1,150 EUR in; 10 x 110 GBP at 1.16 = 1,276 EUR now
    assert (perf.net_flows, perf.end_value) == (D("1150.00"), D("1276.00"))
    assert perf.twr is not None
    assert perf.xirr is not None
