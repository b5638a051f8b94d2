"""The cash-flow Sankey: income categories → Book → top-level expenses, balanced."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from fintrack_core.errors import PermissionDenied
from fintrack_core.filters import TransactionFilter
from fintrack_core.ledger import categories
from fintrack_core.ledger import transactions as tx
from fintrack_core.reports.cashflow import Sankey, cashflow_sankey
from fintrack_core.reports.categories import UNCATEGORISED
from tests.core.reports import ledger_math as lm
from tests.core.reports.conftest import ReportBook

D = dt.date


def _flows(sankey: Sankey) -> dict[tuple[str, str], int]:
    """Links as {(source label, target label): value}."""
    label = dict(zip(sankey.nodes["node"], sankey.nodes["label"], strict=True))
    return {(label[s], label[t]): int(v) for s, t, v in
            zip(sankey.links["source"], sankey.links["target"], sankey.links["value"],
                strict=True)}


def _assert_balanced(sankey: Sankey) -> None:
    links = sankey.links
    assert (links["value"] > 0).all()
    assert links.loc[links["target"] == "book", "value"].sum() == \
        links.loc[links["source"] == "book", "value"].sum()
    assert set(links["source"]) | set(links["target"]) <= set(sankey.nodes["node"])


def test_income_to_book_to_expenses_with_savings(report_book: ReportBook) -> None:
    sankey = cashflow_sankey(report_book.owner)
    income = lm.group([r for r in lm.rows() if r.flow == "income"], lambda r: r.category)
    expense = lm.group([r for r in lm.rows() if r.flow == "expense"],
                       lambda r: lm.top(r.category) if r.category else "Uncategorised")
    expected: dict[tuple[object, object], int] = {
        (name, "Book"): value for name, value in income.items()}
    expected |= {("Book", name): -value for name, value in expense.items()}
    savings = lm.total("income") + lm.total("expense")
    expected[("Book", "Savings")] = savings
    assert _flows(sankey) == expected
    assert savings == 935000 - 300000 - 58764 - 10950 - 1999
    assert sankey.income == lm.total("income")
    assert sankey.expenses == lm.total("expense")
    assert sankey.base_currency == "EUR"
    assert sankey.unconverted == {}
    flows = [r.date for r in lm.rows() if r.flow in ("income", "expense")]
    assert (sankey.first_date, sankey.last_date) == (min(flows), max(flows))
    _assert_balanced(sankey)
    kinds = dict(zip(sankey.nodes["label"], sankey.nodes["kind"], strict=True))
    assert kinds == {"Salary": "income", "Other income": "income", "Book": "book",
                     "Housing": "expense", "Food": "expense", "Transportation": "expense",
                     "Uncategorised": "expense", "Savings": "savings"}
    cats = dict(zip(sankey.nodes["label"], sankey.nodes["category_id"], strict=True))
    assert cats["Food"] == report_book.categories["Food"]
    assert cats["Uncategorised"] == UNCATEGORISED
    assert pd.isna(cats["Book"])
    # The refund lowered Transportation; transfers never appear.
    assert _flows(sankey)[("Book", "Transportation")] == 6000 - 2500 + 7450
    assert not {"Savings", "Visa", "Girokonto", "US Checking", "Transfers"} & \
        set(sankey.nodes.loc[sankey.nodes["kind"] != "savings", "label"])


def test_deficit_when_spending_exceeds_income(report_book: ReportBook) -> None:
    first, last = D(2024, 1, 2), D(2024, 1, 31)
    flt = TransactionFilter(date_from=first, date_to=last)  # no salary
    sankey = cashflow_sankey(report_book.owner, flt)
    spent = -lm.total("expense", lambda r: first <= r.date <= last)
    flows = _flows(sankey)
    assert flows[("From savings", "Book")] == spent
    assert "Savings" not in set(sankey.nodes["label"])
    assert sankey.nodes.set_index("label").loc["From savings", "kind"] == "deficit"
    _assert_balanced(sankey)


def test_refund_only_period_puts_the_category_on_the_income_side(
        report_book: ReportBook) -> None:
    flt = TransactionFilter(date_from=D(2024, 2, 16), date_to=D(2024, 2, 16))
    sankey = cashflow_sankey(report_book.owner, flt)
    assert _flows(sankey) == {("Transportation", "Book"): 2500, ("Book", "Savings"): 2500}
    _assert_balanced(sankey)


def test_income_is_shown_at_the_level_below_the_root(report_book: ReportBook) -> None:
    owner = report_book.owner
    salary = report_book.categories["Salary"]
    extra = categories.create_category(owner, "Overtime", parent_id=salary)
    girokonto = report_book.accounts["Girokonto"]
    for amount, cat in (("100.00", extra.id), ("40.00", report_book.categories["Income"]),
                        ("7.77", None)):
        tx.add_transaction(owner, tx.TransactionInput(girokonto, D(2024, 3, 31), amount,
                                                      "Somebody", category_id=cat))
    flows = _flows(cashflow_sankey(owner, TransactionFilter(date_from=D(2024, 3, 1))))
    assert flows[("Salary", "Book")] == 320000 + 10000
    assert flows[("Income", "Book")] == 4000
    assert flows[("Uncategorised income", "Book")] == 777


def test_empty_period(report_book: ReportBook) -> None:
    sankey = cashflow_sankey(report_book.owner, TransactionFilter(date_from=D(2030, 1, 1)))
    assert sankey.nodes.empty
    assert sankey.links.empty
    assert list(sankey.links.columns) == ["source", "target", "value", "category_id"]


def test_a_write_shows_up_and_outsiders_are_refused(report_book: ReportBook) -> None:
    before = _flows(cashflow_sankey(report_book.owner))
    tx.add_transaction(report_book.owner, tx.TransactionInput(
        report_book.accounts["Girokonto"], D(2024, 3, 30), "-10.00", "Hardware store",
        category_id=report_book.categories["Household"]))
    after = _flows(cashflow_sankey(report_book.viewer))
    assert after[("Book", "Shopping")] == 1000
    assert after[("Book", "Savings")] == before[("Book", "Savings")] - 1000
    with pytest.raises(PermissionDenied):
        cashflow_sankey(lm.outsider(report_book))
