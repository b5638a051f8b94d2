"""Report pages: each renders for owner and viewer, filters apply, drill-down works."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import SmallBook
from tests.pages.conftest import OpenPage

REPORT_PAGES = ["pages/report_monthly.py", "pages/report_trends.py",
                "pages/report_categories.py", "pages/report_cashflow.py",
                "pages/report_networth.py", "pages/report_explore.py"]
MARCH = dt.date(2024, 3, 1)


def metric(at: AppTest, label: str) -> str:
    return str(next(m.value for m in at.metric if m.label == label))


@pytest.mark.parametrize("page", REPORT_PAGES)
def test_every_report_page_renders_for_the_owner(small_book: SmallBook, as_owner: OpenPage,
                                                 page: str) -> None:
    at = as_owner(page)
    assert not at.exception, at.exception
    assert at.title


@pytest.mark.parametrize("page", REPORT_PAGES)
def test_every_report_page_renders_for_a_viewer(small_book: SmallBook, as_viewer: OpenPage,
                                                page: str) -> None:
    at = as_viewer(page)
    assert not at.exception, at.exception


def test_monthly_summary_of_march_to_the_cent(small_book: SmallBook, as_owner: OpenPage) -> None:
    # Income: salary 2,500.00. Expenses: rent 850.00 + groceries 64.37 + fuel 42.10 USD
    # (38.27 EUR at 1.10) - fuel refund 15.00 USD (13.64 EUR) = 939.00. Transfer excluded.
    at = as_owner("pages/report_monthly.py")
    at.selectbox(key="rm_month").set_value(MARCH).run()
    assert not at.exception, at.exception
    assert metric(at, "Income") == "€2,500.00"
    assert metric(at, "Expenses") == "-€939.00"
    assert metric(at, "Net") == "€1,561.00"
    assert metric(at, "Savings rate") == "62.4 %"


def test_filters_are_shared_between_report_pages(small_book: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner("pages/report_monthly.py")
    at.selectbox(key="rm_month").set_value(MARCH).run()
    at.sidebar.text_input(key="rf_text").input("REWE").run()
    assert metric(at, "Expenses") == "-€64.37"
    at.switch_page("pages/report_explore.py").run()
    assert not at.exception, at.exception
    assert at.sidebar.text_input(key="rf_text").value == "REWE"


def test_a_new_transaction_shows_up_at_once(small_book: SmallBook, as_owner: OpenPage) -> None:
    from fintrack_core.ledger import transactions as tx

    at = as_owner("pages/report_monthly.py")
    at.selectbox(key="rm_month").set_value(MARCH).run()
    assert metric(at, "Expenses") == "-€939.00"
    tx.add_transaction(small_book.owner, tx.TransactionInput(
        small_book.checking.id, dt.date(2024, 3, 30), "-61.00", "Bookshop",
        category_id=small_book.categories["Hobbies"]))
    at.run()
    assert metric(at, "Expenses") == "-€1,000.00"



def test_explore_lists_the_transactions_behind_the_filters(small_book: SmallBook,
                                                          as_owner: OpenPage) -> None:
    """The drill-down table (the same one chart clicks open) for a text filter."""
    at = as_owner("pages/report_explore.py")
    at.sidebar.text_input(key="rf_text").input("shell").run()
    assert not at.exception, at.exception
    assert any("Transactions matching the filters" in m.value and "2 transaction(s)" in m.value
               for m in at.markdown)
    table = at.dataframe[-1].value
    assert sorted(table["Description"]) == ["Fuel", "Refund"]
    assert list(table.columns) == ["Date", "Account", "Payee", "Description", "Category",
                                   "Amount", "In EUR", "Tags"]  # readable, and no id


def test_report_tables_have_readable_headers_and_month_names(small_book: SmallBook,
                                                             as_owner: OpenPage) -> None:
    at = as_owner("pages/report_explore.py")
    pivot = at.dataframe[0].value
    assert pivot.columns[0] == "Category"
    assert all(re.fullmatch(r"[A-Z][a-z]{2} \d{4}", c) for c in pivot.columns[1:]), pivot.columns
    at.switch_page("pages/report_networth.py").run()
    assert not at.exception, at.exception
    # the holdings at market value are part of assets, and shown on their own as well
    assert list(at.dataframe[0].value.columns) == ["Month", "Assets", "Liabilities",
                                                   "Net worth", "of which investments"]
    at.switch_page("pages/report_categories.py").run()
    assert not at.exception, at.exception
    mom = at.dataframe[0].value
    assert mom.columns[0] == "Category"
    assert list(mom.columns[-2:]) == ["Change", "Change %"]
    assert all(v == "—" or v.endswith("%") for v in mom["Change %"])


def test_cash_flow_without_a_date_filter_names_the_dates_it_covers(
        small_book: SmallBook, as_owner: OpenPage) -> None:
    """The title said "all dates", which tells the reader nothing; it names the rows' span."""
    import json

    at = as_owner("pages/report_cashflow.py")
    [chart] = at.get("plotly_chart")
    title = json.loads(chart.proto.spec)["layout"]["title"]["text"]
    assert title == "Cash flow · Mar 1, 2024 – Mar 12, 2024"  # the first and last row drawn


def test_monthly_summary_shows_each_budget_beside_the_actual(small_book: SmallBook,
                                                             as_owner: OpenPage) -> None:
    from fintrack_core.budgets.service import BudgetInput, add_budget

    # Groceries: 100.00 a month from January 2024; REWE 64.37 on 5 March.
    add_budget(small_book.owner, BudgetInput(small_book.categories["Groceries"], "100",
                                             starts_on=dt.date(2024, 1, 1)))
    at = as_owner("pages/report_monthly.py")
    at.selectbox(key="rm_month").set_value(MARCH).run()
    assert not at.exception, at.exception
    categories = at.dataframe[0].value
    budgeted = dict(zip(categories["Category"].str.strip(), categories["Budgeted"],
                        strict=True))
    assert budgeted["Groceries"] == "€100.00"
    assert budgeted["Rent"] == ""  # no budget
    against = at.dataframe[1].value
    assert against.to_dict("records") == [{"Budget": "Food → Groceries", "Budgeted": "€100.00",
                                           "Spent": "€64.37", "Left": "€35.63"}]
