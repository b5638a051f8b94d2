"""Forecast page: balances ahead per account and in total, the low point, accounts going below
zero and the payments used; a viewer sees the same."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine

from fintrack_core.ledger import transactions as tx
from fintrack_core.ledger.accounts import create_account
from tests.conftest import SmallBook
from tests.pages.conftest import OpenPage

PAGE = "pages/forecast.py"
D = dt.date


@pytest.fixture
def rent(small_book: SmallBook) -> Iterator[SmallBook]:
    """Rent 850 on the 2nd of Jan-Apr 2024 (March's is in the fixture), a scheduled 11,000 tax
    payment on 30 April; the clock at 15 April 2024."""
    sb = small_book
    for month in (1, 2, 4):
        tx.add_transaction(sb.owner, tx.TransactionInput(
            sb.checking.id, D(2024, month, 2), "-850.00", "Landlord", "Rent", None))
    tx.add_transaction(sb.owner, tx.TransactionInput(
        sb.checking.id, D(2024, 4, 30), "-11000.00", "Tax office", "", None, scheduled=True))
    with time_machine.travel(dt.datetime(2024, 4, 15, 12, tzinfo=dt.UTC), tick=True):
        yield sb


def test_the_low_point_and_the_account_going_below_zero_are_named(rent: SmallBook,
                                                                   as_owner: OpenPage) -> None:
    # Girokonto today: 1500 + 2500 - 4 x 850 - 64.37 - 300 = 235.63; -11,000 on 30 April
    # then rent on 2 May, June and July: 235.63 - 11,000 - 3 x 850 = -13,314.37 on 2 July.
    at = as_owner(PAGE)
    assert at.title[0].value == "Forecast"
    assert at.radio(key="fc_days").value == 90
    [below] = at.warning
    assert below.value.replace("\\", "") == (
        "**Girokonto** is forecast below zero: -€13,314.37 on Jul 2, 2024.")
    payments = at.dataframe[1].value
    assert list(payments["What"])[:2] == ["scheduled transactions", "Landlord"]
    assert list(payments["Amount"])[:2] == ["-€11,000.00", "-€850.00"]
    assert len(payments) == 4  # the tax, and rent on 2 May, 2 June, 2 July
    lows = at.dataframe[0].value.set_index("Account")
    assert lows.loc["Girokonto", "Lowest"] == "-€13,314.37"
    assert len(at.get("plotly_chart")) == 1


def test_a_shorter_horizon_uses_fewer_payments(rent: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    at.radio(key="fc_days").set_value(30).run()
    assert len(at.dataframe[1].value) == 2  # the tax and May's rent
    assert [m.label for m in at.metric] == ["Total today (EUR)", "Total in 30 days",
                                            "Lowest total, on May 2, 2024"]  # after rent


def test_accounts_without_a_rate_are_named(rent: SmallBook, as_owner: OpenPage) -> None:
    create_account(rent.owner, "Yen wallet", "cash", "JPY", "5000")
    at = as_owner(PAGE)
    assert any("No exchange rate to EUR for: Yen wallet" in w.value for w in at.warning)


def test_viewer_sees_the_same_forecast(rent: SmallBook, as_viewer: OpenPage) -> None:
    at = as_viewer(PAGE)
    assert "Girokonto" in at.warning[0].value
    assert len(at.dataframe[1].value) == 4
