"""Demo prices: the same every time, independent of the range asked for, exact cents, and
stored as the demo book's own prices labelled "demo"."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fintrack_core.errors import ValidationError
from fintrack_core.prices import demo_price_history, latest_price, store_demo_prices
from tests.core.prices.conftest import PriceBook

START, END = dt.date(2025, 1, 1), dt.date(2026, 11, 27)


def test_the_same_call_gives_the_same_prices_and_a_longer_range_agrees() -> None:
    first = demo_price_history(["VWCE.DE", "bitcoin", "XYZ"], START, END)
    assert first == demo_price_history(["VWCE.DE", "bitcoin", "XYZ"], START, END)
    longer = demo_price_history(["VWCE.DE"], dt.date(2024, 1, 1), END)["VWCE.DE"]
    assert longer[-len(first["VWCE.DE"]):] == first["VWCE.DE"]


def test_stocks_trade_on_weekdays_crypto_every_day_in_exact_cents() -> None:
    h = demo_price_history(["VWCE.DE", "bitcoin", "XYZ"], START, END)
    days = (END - START).days + 1
    assert len(h["bitcoin"]) == days
    assert all(c.day.weekday() < 5 for c in h["VWCE.DE"])
    assert len(h["VWCE.DE"]) == sum(1 for i in range(days)
                                    if (START + dt.timedelta(days=i)).weekday() < 5)
    assert {c.currency for c in h["VWCE.DE"]} == {"EUR"}
    assert {c.currency for c in h["XYZ"]} == {"USD"}
    for closes in h.values():
        assert all(c.close > 0 and c.close == c.close.quantize(Decimal("0.01")) for c in closes)
        assert (closes[0].day, closes[-1].day) <= (closes[-1].day, END)
    # plausible day-to-day moves: no jump over 40 %
    steps = [b.close / a.close for a, b in zip(h["VWCE.DE"], h["VWCE.DE"][1:], strict=False)]
    assert all(Decimal("0.6") < s < Decimal("1.4") for s in steps)


def test_ranges_outside_the_demo_span_are_refused() -> None:
    with pytest.raises(ValidationError, match="after"):
        demo_price_history(["AAPL"], END, START)
    with pytest.raises(ValidationError, match="demo prices run from 2015-01-05"):
        demo_price_history(["AAPL"], dt.date(2010, 1, 1), END)


def test_stored_demo_prices_belong_to_the_book_and_say_demo(book: PriceBook) -> None:
    history = demo_price_history(["VWCE", "BTC"], dt.date(2026, 11, 1), END)
    with book.db.write() as s:
        count = store_demo_prices(s, book.owner.book_id, history)
    assert count == len(history["VWCE"]) + len(history["BTC"])
    view = latest_price(book.owner, book.assets["VWCE"], END)
    assert view is not None
    assert (view.day, view.close, view.source, view.own) == (
        END, history["VWCE"][-1].close, "demo", True)
    assert latest_price(book.other, book.other_asset, END) is None
