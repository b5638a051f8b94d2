"""Category breakdown, top payees, month over month and calendar spending, to the cent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import cast

import pytest

from fintrack_core.errors import PermissionDenied, ValidationError
from fintrack_core.filters import TransactionFilter
from fintrack_core.ledger import accounts
from fintrack_core.ledger import transactions as tx
from fintrack_core.reports.categories import (
    NO_PAYEE,
    UNCATEGORISED,
    category_breakdown,
    month_over_month,
    spending_by_day_of_month,
    spending_by_weekday,
    top_payees,
)
from tests.core.reports import ledger_math as lm
from tests.core.reports.conftest import ReportBook

D = dt.date


def _expected_breakdown(flow: str, keep: Callable[[lm.Row], bool] = lambda r: True
                        ) -> tuple[dict[str, int], dict[str, int]]:
    """(own, total) per category name, from the ledger and the hand-written tree."""
    own: dict[str, int] = {}
    rolled: dict[str, int] = {}
    for r in lm.rows():
        if r.flow != flow or not keep(r):
            continue
        name = r.category or "Uncategorised"
        own[name] = own.get(name, 0) + r.base
        for n in [name, *lm.ANCESTORS.get(name, [])]:
            rolled[n] = rolled.get(n, 0) + r.base
    return own, {k: v for k, v in rolled.items() if v}


def test_expense_breakdown_rolls_up_to_the_cent(report_book: ReportBook) -> None:
    frame = category_breakdown(report_book.owner)
    own, total = _expected_breakdown("expense")
    assert dict(zip(frame["name"], frame["total"], strict=True)) == total
    assert {n: o for n, o in zip(frame["name"], frame["own"], strict=True) if o} == own
    # Hand-checked: Fuel = -60.00 + 25.00 refund - 74.50; Food includes USD rows /1.10, /1.20.
    by_name = frame.set_index("name")
    assert by_name.loc["Fuel", "total"] == -10950
    assert by_name.loc["Transportation", "total"] == -10950
    assert by_name.loc["Car", "own"] == 0
    assert by_name.loc["Food", "total"] == -8240 - 4590 - 5000 - 12035 - 8900 - 9999 - 10000
    assert by_name.loc["Uncategorised", "category_id"] == UNCATEGORISED
    assert by_name.loc["Fuel", "path"] == "Transportation → Car → Fuel"
    assert by_name.loc["Fuel", "depth"] == 2
    assert frame.attrs == {"base_currency": "EUR", "unconverted": {}}
    # The roots add up to all expenses; transfers are nowhere.
    assert frame.loc[frame["depth"] == 0, "total"].sum() == lm.total("expense")
    assert "Transfers" not in set(frame["name"])


def test_income_breakdown(report_book: ReportBook) -> None:
    frame = category_breakdown(report_book.owner, kind="income")
    _, total = _expected_breakdown("income")
    assert dict(zip(frame["name"], frame["total"], strict=True)) == total
    assert total == {"Income": 935000, "Salary": 920000, "Other income": 15000}


def test_breakdown_honours_filters(report_book: ReportBook) -> None:
    acc = report_book.accounts
    feb = TransactionFilter(date_from=D(2024, 2, 1), date_to=D(2024, 2, 29))
    frame = category_breakdown(report_book.owner, feb)
    _, total = _expected_breakdown("expense", lambda r: r.date.month == 2)
    assert dict(zip(frame["name"], frame["total"], strict=True)) == total
    assert frame.set_index("name").loc["Fuel", "total"] == 2500  # only the refund

    visa = category_breakdown(report_book.owner, TransactionFilter(account_ids=(acc["Visa"],)))
    _, total = _expected_breakdown("expense", lambda r: r.account == "Visa")
    assert dict(zip(visa["name"], visa["total"], strict=True)) == total

    food = TransactionFilter(category_ids=(report_book.categories["Food"],), tags=("travel",))
    frame = category_breakdown(report_book.owner, food)
    assert dict(zip(frame["name"], frame["total"], strict=True)) == {
        "Food": -15000, "Restaurants": -5000, "Groceries": -10000}

    big = category_breakdown(report_book.owner, TransactionFilter(amount_min=Decimal("100")))
    assert set(big["name"]) == {"Housing", "Rent", "Food", "Groceries"}


def test_breakdown_rejects_unknown_kind(report_book: ReportBook) -> None:
    with pytest.raises(ValidationError) as err:
        category_breakdown(report_book.owner, kind="transfer")
    assert err.value.field == "kind"


def test_top_payees(report_book: ReportBook) -> None:
    frame = top_payees(report_book.owner)
    expected = lm.group([r for r in lm.rows() if r.flow == "expense"], lambda r: r.payee)
    counts: dict[object, int] = {}
    for r in lm.rows():
        if r.flow == "expense":
            counts[r.payee] = counts.get(r.payee, 0) + 1
    assert dict(zip(frame["payee"], frame["amount"], strict=True)) == expected
    assert dict(zip(frame["payee"], frame["count"], strict=True)) == counts
    assert list(frame["payee"][:3]) == ["Landlord", "REWE", "Trattoria"]
    assert list(frame["amount"].abs()) == sorted(frame["amount"].abs(), reverse=True)
    assert len(top_payees(report_book.owner, limit=3)) == 3
    income = top_payees(report_book.owner, kind="income")
    assert dict(zip(income["payee"], income["amount"], strict=True)) == {
        "ACME GmbH": 920000, "Tax office": 15000}
    # Transfer legs carry the other account as payee; they never show up.
    assert not {"Savings", "Visa", "US Checking", "Girokonto"} & set(frame["payee"])


def test_top_payees_names_an_empty_payee(report_book: ReportBook) -> None:
    tx.add_transaction(report_book.owner, tx.TransactionInput(
        report_book.accounts["Girokonto"], D(2024, 3, 3), "-7.00"))
    frame = top_payees(report_book.owner, limit=20)
    assert frame.set_index("payee").loc[NO_PAYEE, "amount"] == -700


def test_month_over_month(report_book: ReportBook) -> None:
    frame = month_over_month(report_book.owner, D(2024, 3, 17))
    prev = lm.group([r for r in lm.rows() if r.flow == "expense" and r.date.month == 2],
                    lambda r: lm.top(r.category) if r.category else "Uncategorised")
    cur = lm.group([r for r in lm.rows() if r.flow == "expense" and r.date.month == 3],
                   lambda r: lm.top(r.category) if r.category else "Uncategorised")
    got = frame.set_index("path")
    assert set(got.index) == set(prev) | set(cur)
    for path in got.index:
        assert got.loc[path, "previous"] == prev.get(path, 0)
        assert got.loc[path, "current"] == cur.get(path, 0)
        assert got.loc[path, "change"] == cur.get(path, 0) - prev.get(path, 0)
    assert got.loc["Transportation", "previous"] == 2500  # the refund
    assert got.loc["Housing", "change_pct"] == Decimal("0.0")
    # Food: -209.35 -> -199.99 is 4.5 % less spent.
    assert got.loc["Food", "change_pct"] == Decimal("-4.5")
    assert got.loc["Uncategorised", "category_id"] == UNCATEGORISED
    assert got.loc["Uncategorised", "change_pct"] is None
    assert got.loc["Food", "category_id"] == report_book.categories["Food"]


def test_month_over_month_ignores_the_filter_dates(report_book: ReportBook) -> None:
    flt = TransactionFilter(date_from=D(2030, 1, 1), account_ids=(report_book.accounts["Visa"],))
    frame = month_over_month(report_book.owner, D(2024, 2, 1), flt).set_index("path")
    assert frame.loc["Food", "previous"] == -4590
    assert frame.loc["Food", "current"] == -8900
    assert frame.loc["Transportation", "change_pct"] == Decimal("-141.7")  # -60 -> +25
    assert "Housing" not in frame.index


def test_spending_by_weekday(report_book: ReportBook) -> None:
    frame = spending_by_weekday(report_book.owner)
    expense = [r for r in lm.rows() if r.flow == "expense"]
    sums = lm.group(expense, lambda r: r.date.weekday())
    assert list(frame["weekday"]) == list(range(7))
    assert list(frame["name"]) == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                                   "Saturday", "Sunday"]
    assert list(frame["amount"]) == [sums.get(d, 0) for d in range(7)]
    assert list(frame["count"]) == [sum(r.date.weekday() == d for r in expense)
                                    for d in range(7)]
    assert frame["count"].sum() == len(expense)


def test_spending_by_day_of_month(report_book: ReportBook) -> None:
    flt = TransactionFilter(date_to=D(2024, 2, 29))
    frame = spending_by_day_of_month(report_book.owner, flt)
    expense = [r for r in lm.rows() if r.flow == "expense" and r.date <= D(2024, 2, 29)]
    sums = lm.group(expense, lambda r: r.date.day)
    assert list(frame["day"]) == list(range(1, 32))
    assert list(frame["amount"]) == [sums.get(d, 0) for d in range(1, 32)]
    assert frame.set_index("day").loc[16, "amount"] == 2500  # refund day
    assert frame["count"].sum() == len(expense)


def test_rows_without_a_rate_are_reported_not_counted(report_book: ReportBook) -> None:
    gbp = accounts.create_account(report_book.owner, "London", "checking", "GBP", "0",
                                  D(2023, 12, 31))
    tx.add_transaction(report_book.owner, tx.TransactionInput(
        gbp.id, D(2024, 3, 5), "-12.34", "Pret", category_id=report_book.categories["Coffee"]))
    frame = category_breakdown(report_book.owner)
    assert frame.attrs["unconverted"] == {"GBP": -1234}
    assert "Coffee" not in set(frame["name"])
    assert top_payees(report_book.owner, limit=20).attrs["unconverted"] == {"GBP": -1234}


def test_a_write_shows_up_in_the_next_call(report_book: ReportBook) -> None:
    before = category_breakdown(report_book.owner).set_index("name")
    tx.add_transaction(report_book.owner, tx.TransactionInput(
        report_book.accounts["Visa"], D(2024, 3, 30), "-3.50", "Café",
        category_id=report_book.categories["Coffee"]))
    after = category_breakdown(report_book.owner).set_index("name")
    assert after.loc["Coffee", "total"] == -350
    assert after.loc["Food", "total"] == cast(int, before.loc["Food", "total"]) - 350
    assert spending_by_weekday(report_book.owner)["count"].sum() == \
        len([r for r in lm.rows() if r.flow == "expense"]) + 1


def test_viewer_reads_outsider_is_refused(report_book: ReportBook) -> None:
    assert len(category_breakdown(report_book.viewer)) == \
        len(category_breakdown(report_book.owner))
    other = lm.outsider(report_book)
    for report in (category_breakdown, top_payees, spending_by_weekday,
                   spending_by_day_of_month):
        with pytest.raises(PermissionDenied):
            report(other)
    with pytest.raises(PermissionDenied):
        month_over_month(other, D(2024, 3, 1))


def test_ties_round_half_even_like_dividing_by_the_rate(report_book: ReportBook) -> None:
    """9 US cents at 1.20 are exactly 7.5 euro cents: the even 8, as ``amount / rate`` says."""
    usd = report_book.accounts["US Checking"]
    for amount in ("-0.09", "-0.03", "-10.05", "-0.15"):
        tx.add_transaction(report_book.owner, tx.TransactionInput(
            usd, D(2024, 3, 5), amount, f"Tie {amount}",
            category_id=report_book.categories["Coffee"]))
    frame = top_payees(report_book.owner, limit=50).set_index("payee")
    for amount in ("-0.09", "-0.03", "-10.05", "-0.15"):
        assert frame.loc[f"Tie {amount}", "amount"] == lm.to_cents(amount, "USD",
                                                                      D(2024, 3, 5))
    assert list(frame.loc[["Tie -0.09", "Tie -10.05"], "amount"]) == [-8, -838]
