"""Overview: bills due in the next seven days, and the subscription alerts."""

from __future__ import annotations

import datetime as dt

import time_machine

from fintrack_core.ledger import transactions as tx
from tests.conftest import SmallBook
from tests.pages.conftest import OpenPage

D = dt.date


def add_series(sb: SmallBook, payee: str, day: int, amounts: list[str]) -> None:
    """Monthly payments on ``day`` of January, February, ... 2024."""
    for month, amount in enumerate(amounts, start=1):
        tx.add_transaction(sb.owner, tx.TransactionInput(
            sb.checking.id, D(2024, month, day), amount, payee, "", None))


def test_bills_of_the_next_week_and_the_alerts(small_book: SmallBook, as_viewer: OpenPage) -> None:
    add_series(small_book, "Spotify AB", 12, ["-10.99", "-10.99", "-10.99", "-12.99"])  # due 12 May
    add_series(small_book, "Netflix", 7, ["-13.99"] * 4)                                # due 7 May
    add_series(small_book, "Gym", 28, ["-30.00"] * 3)         # last 28 March: 28 April is missed
    with time_machine.travel(dt.datetime(2024, 5, 6, 12, tzinfo=dt.UTC), tick=True):
        at = as_viewer(None)
    assert any(h.value == "Upcoming bills" for h in at.subheader)
    bills = at.dataframe[1].value
    assert bills.to_dict("records") == [
        {"Name": "Netflix", "Date": D(2024, 5, 7), "Amount": "-€13.99"},
        {"Name": "Spotify AB", "Date": D(2024, 5, 12), "Amount": "-€12.99"}]
    warnings = [w.value.replace("\\", "") for w in at.warning]
    assert warnings == [
        "**Gym**: the payment of -€30.00 expected on Apr 28, 2024 has not arrived. Cancelled, "
        "or did the debit fail?",
        "**Spotify AB**: price changed from -€10.99 to -€12.99 on Apr 12, 2024."]


def test_no_bills_due_is_said(small_book: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner(None)
    assert "No bills due in the next 7 days." in [i.value for i in at.info]
