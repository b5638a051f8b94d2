"""The value history's money is exact: integer minor units, rounded half-even once, the
same figure as the valuation, where floats would be a cent off."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from fintrack_core.ledger import accounts
from fintrack_core.ledger import transactions as tx
from fintrack_core.ledger.fx import set_rate
from fintrack_core.portfolio import performance
from fintrack_core.portfolio.valuation import valuation
from tests.core.portfolio.conftest import Folio

JAN_2 = dt.date(2024, 1, 2)


def test_a_holding_worth_a_half_cent_is_rounded_half_even_like_the_valuation(
        folio: Folio) -> None:
    """3 units at 0.335 (moved in, no cash) are worth exactly 1.005: 1.00 half-even, as the
    valuation rounds it. As floats 3 x 0.335 is 1.0050000000000001, which rounds to 1.01."""
    penny = folio.asset("PENNY", "other")
    folio.trade(folio.depot, penny, "2024-01-02", "transfer_in", quantity="3", price="0.335")
    folio.prices(penny, "2024-01-02 0.335")
    history = performance.value_history(folio.owner, "custom", JAN_2, JAN_2)
    assert history.frame["value_minor"].tolist() == [100]
    assert valuation(folio.owner, JAN_2).total_value == Decimal("1.00")


def test_a_large_value_keeps_its_cents(folio: Folio, small_book: Any) -> None:
    """0.10 deposited, then 98,765,432,109.87 held as one unit: 98,765,432,109.97 in all.
    A float sum of the two is 98765432109.97000122..., exact only by luck of the rounding;
    in minor units it is an integer sum."""
    bar = folio.asset("GOLDBAR", "other")
    tx.transfer(folio.owner, small_book.checking.id, folio.depot.id, "0.10", JAN_2)
    folio.trade(folio.depot, bar, "2024-01-02", "transfer_in", quantity="1",
                price="98765432109.87")
    history = performance.value_history(folio.owner, "custom", JAN_2, JAN_2)
    assert history.frame["value_minor"].tolist() == [9876543210997]
    assert history.frame["invested_minor"].tolist() == [10]


def test_money_in_another_currency_is_converted_exactly_and_rounded_once(
        folio: Folio) -> None:
    """GBP cash 0.35 at 1 GBP = 0.5 EUR is 0.175 EUR: 0.18 half-even (7 is odd: up). The
    day before the first GBP rate the history cannot know the value: <NA>, never 0."""
    pounds = accounts.create_account(folio.owner, "UK ISA", "investment", "GBP", "0.35",
                                     JAN_2)
    set_rate(folio.owner, "GBP", "EUR", dt.date(2024, 1, 3), "0.5")
    history = performance.value_history(folio.owner, "custom", JAN_2, dt.date(2024, 1, 3))
    frame = history.frame
    assert frame["value_minor"].isna().tolist() == [True, False]
    assert frame["value_minor"].iloc[1] == 18
    assert history.missing == (f"cash in {pounds.name}: no GBP→EUR exchange rate from "
                               "2024-01-02",)
