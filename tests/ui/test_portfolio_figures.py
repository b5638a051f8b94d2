"""The Portfolio page's figures and tables, built from core results typed here."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pandas as pd

from fintrack_core.db.portfolio_models import AssetKind, CostBasisMethod
from fintrack_core.portfolio.lots import HoldingView
from fintrack_core.portfolio.performance import Performance
from fintrack_core.portfolio.price_history import PricePoint
from fintrack_core.portfolio.valuation import HoldingValue, Slice, Valuation
from fintrack_ui.portfolio_figures import (
    allocation_pie,
    decimal_money,
    income_bars,
    value_history_lines,
)
from fintrack_ui.portfolio_view import (
    header_figures,
    holdings_frame,
    incomplete_text,
    largest_first,
    pct_text,
    quantity_text,
    returns_view,
)

D = Decimal
FRI = dt.date(2024, 6, 7)
FETCHED = dt.datetime(2024, 6, 6, 22, tzinfo=dt.UTC).replace(tzinfo=None)  # stored naive UTC


def holding(symbol: str, price: PricePoint | None, *, stale: bool = False,
            value: str | None = None) -> HoldingValue:
    return HoldingValue(1, "Depot", 1, symbol, symbol, AssetKind.ETF, "EUR", D("2.5"),
                        D("250"), price, None if price is None else (FRI - price.date).days,
                        stale, None if value is None else D(value), None, None, None,
                        None if value is None else D(value), D("250"), None, None)


def valuation(*holdings: HoldingValue, missing: tuple[str, ...] = ()) -> Valuation:
    return Valuation(FRI, "EUR", holdings, (), D("5540.004"), D("2700"), D("425"),
                     D("0.1574"), D("25"), D("0.0045"), (), (), (), missing)


def test_amounts_are_rounded_once_half_to_even() -> None:
    assert decimal_money(D("1234.505"), "EUR", "en_US") == "€1,234.50"
    assert decimal_money(D("1234.515"), "EUR", "de_DE") == "1.234,52\xa0€"
    assert decimal_money(None, "EUR", "en_US") == "—"
    assert decimal_money(D("1000.4"), "JPY", "en_US") == "¥1,000"


def test_percent_and_quantity_text() -> None:
    assert pct_text(D("0.1574"), "en_US") == "+15.7 %"
    assert pct_text(D("0.1574"), "de_DE") == "+15,7 %"
    assert pct_text(-0.05, "en_US") == "-5.0 %"
    assert pct_text(None, "en_US") == "—"
    assert quantity_text(D("0.12345678"), "en_US") == "0.12345678"
    assert quantity_text(D("1500.000"), "de_DE") == "1.500"


def test_header_figures_in_the_base_currency() -> None:
    figures = header_figures(valuation(), "en_US")
    assert [(f.label, f.value) for f in figures] == [
        ("Total value (EUR)", "€5,540.00"), ("Day change", "€25.00"),
        ("Total gain/loss", "€425.00")]
    assert figures[0].delta is None


def test_an_incomplete_total_names_what_is_missing() -> None:
    assert incomplete_text(valuation()) is None
    text = incomplete_text(valuation(missing=("HOUSE (Depot): no price",
                                              "USD: no rate to EUR")))
    assert text == ("This total is incomplete: it leaves out what has no price or exchange "
                    "rate yet — HOUSE (Depot): no price; USD: no rate to EUR. Set a price by "
                    "hand or refresh prices.")


def test_each_price_shows_its_age_and_a_stale_one_is_marked() -> None:
    fresh = PricePoint(dt.date(2024, 6, 6), D("125.5"), "EUR", "yahoo", FETCHED)
    old = PricePoint(dt.date(2024, 6, 4), D("12.3456"), "EUR", "yahoo", FETCHED)
    frame = holdings_frame(valuation(holding("NEW", fresh, value="313.75"),
                                     holding("OLD", old, stale=True, value="30.86"),
                                     holding("HOUSE", None)), FRI, "en_US")
    assert frame[["symbol", "price", "age", "value"]].to_dict("records") == [
        {"symbol": "NEW", "price": "125.50 EUR", "age": "price from yesterday",
         "value": "€313.75"},
        {"symbol": "OLD", "price": "12.3456 EUR", "age": "price from 3 days ago ⚠ stale",
         "value": "€30.86"},
        {"symbol": "HOUSE", "price": "no price yet", "age": "missing", "value": "—"}]


def test_a_demo_price_says_it_is_one() -> None:
    """The demo book's prices are made up: the age column says so."""
    made_up = PricePoint(dt.date(2024, 6, 6), D("101"), "EUR", "demo", FETCHED, own=True)
    frame = holdings_frame(valuation(holding("VWCE", made_up, value="252.50")), FRI, "en_US")
    assert frame["age"].tolist() == ["demo price from yesterday"]


def test_allocation_pie_has_a_slice_per_label_with_exact_hover() -> None:
    fig = allocation_pie([Slice("ETF", D("3125.00"), D("0.5641")),
                          Slice("Cash", D("2415.005"), D("0.4359"))], "By asset kind", "EUR")
    [pie] = fig.data
    assert list(pie.labels) == ["ETF", "Cash"]
    assert list(pie.values) == [3125.0, 2415.005]
    assert list(pie.hovertext) == ["€3,125.00", "€2,415.00"]
    assert fig.layout.title.text == "By asset kind"
    assert not fig.layout.annotations


def test_a_part_below_zero_is_named_under_the_donut_not_drawn() -> None:
    fig = allocation_pie([Slice("etf", D("3125.00"), D("1.2")),
                          Slice("cash", D("-520.50"), D("-0.2"))], "By asset kind", "EUR",
                         words={"etf": "ETF", "cash": "Cash"})
    [pie] = fig.data
    assert (list(pie.labels), list(pie.values)) == (["ETF"], [3125.0])
    [note] = fig.layout.annotations
    assert note.text == "Not shown (below zero): Cash -€520.50"


def test_value_history_against_money_invested_and_a_benchmark() -> None:
    frame = pd.DataFrame({"date": [dt.date(2024, 1, 2), dt.date(2024, 1, 3)],
                          "value_minor": pd.array([100000, 101050], dtype="Int64"),
                          "invested_minor": pd.array([100000, 100000], dtype="Int64"),
                          "benchmark_minor": pd.array([None, 100325], dtype="Int64")})
    fig = value_history_lines(frame, "EUR", benchmark="SPY")
    assert [t.name for t in fig.data] == ["Portfolio value", "Money invested", "SPY (scaled)"]
    assert list(fig.data[0].y) == [1000.0, 1010.5]  # floats only to draw the line
    assert list(fig.data[2].y) == [None, 1003.25]
    assert list(fig.data[2].hovertext) == ["2024-01-02: —", "2024-01-03: €1,003.25"]
    without = value_history_lines(frame, "EUR")
    assert [t.name for t in without.data] == ["Portfolio value", "Money invested"]


def test_income_bars_show_every_month_gaps_included() -> None:
    fig = income_bars({"2024-01": D("10.00"), "2024-03": D("12.50")}, "EUR")
    [bars] = fig.data
    assert list(bars.y) == [10.0, 0.0, 12.5]
    assert list(bars.hovertext) == ["Jan 2024: €10.00", "Feb 2024: €0.00", "Mar 2024: €12.50"]
    assert income_bars({}, "EUR").data == ()


def performance(start: dt.date, twr: float, yearly: float) -> Performance:
    return Performance("custom", start, FRI, "EUR", D("30229.47"), D("30575.74"), D(0),
                       D("346.27"), twr, yearly, 0.0114, 0.0114, "TWR means…", "XIRR means…",
                       "Why they differ…", ())


def test_returns_state_a_yearly_rate_only_for_periods_over_a_year() -> None:
    one_year = returns_view(performance(dt.date(2023, 6, 8), 0.0114, 0.0114), "en_US")
    assert (one_year.twr, one_year.xirr) == ("+1.1 %", "+1.1 % a year")
    two_years = returns_view(performance(dt.date(2022, 6, 7), 0.21, 0.1), "en_US")
    assert two_years.twr == "+21.0 % (+10.0 % a year)"
    assert two_years.span == "2022-06-07 to 2024-06-07"
    assert two_years.gain == ("€30,575.74 at the end, €30,229.47 at the start, €0.00 added: the "
                              "investments earned €346.27")


def test_lots_follow_the_holdings_table_largest_value_first() -> None:
    def held(symbol: str, asset_id: int) -> HoldingView:
        return HoldingView(1, asset_id, symbol, "EUR", CostBasisMethod.FIFO, D(1), D(1), ())

    def valued(symbol: str, asset_id: int, value: str | None) -> HoldingValue:
        return replace(holding(symbol, None, value=value), asset_id=asset_id)

    val = valuation(valued("SMALL", 1, "10"), valued("BIG", 2, "1000"),
                    valued("HOUSE", 3, None))
    order = largest_first([held("HOUSE", 3), held("SMALL", 1), held("BIG", 2)], val)
    assert [h.symbol for h in order] == ["BIG", "SMALL", "HOUSE"]
