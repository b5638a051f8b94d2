"""Overview page: totals in the base currency, this month, latest transactions."""

from __future__ import annotations

import datetime as dt

from streamlit.testing.v1 import AppTest

from fintrack_core.ledger import transactions as tx
from tests.conftest import SmallBook
from tests.pages.conftest import OpenPage


def metric(at: AppTest, label: str) -> str:
    return str(next(m.value for m in at.metric if m.label == label))


def test_owner_sees_net_worth_converted_to_the_base_currency(small_book: SmallBook,
                                                             as_owner: OpenPage) -> None:
    # EUR: checking 1500 + 2500 - 850 - 64.37 - 300 = 2785.63; savings 5000 + 300 = 5300
    # USD card: -42.10 + 15.00 = -27.10 USD at 1.10 USD/EUR = -24.636... -> -24.64 EUR
    at = as_owner(None)
    assert at.title[0].value == "Overview"
    assert metric(at, "Net worth") == "€8,060.99"
    table = at.dataframe[0].value
    assert list(table["Account"]) == ["Girokonto", "Tagesgeld", "US Visa"]
    assert list(table["Balance"]) == ["€2,785.63", "€5,300.00", "-$27.10"]
    assert list(table["In EUR"]) == ["€2,785.63", "€5,300.00", "-€24.64"]


def test_this_month_counts_income_and_expenses_but_not_transfers(today: dt.date,
                                                                 small_book: SmallBook,
                                                                 as_owner: OpenPage) -> None:
    o, a = small_book.owner, small_book.checking
    tx.add_transaction(o, tx.TransactionInput(a.id, today, "1000", "Employer",
                                              category_id=small_book.categories["Salary"]))
    tx.add_transaction(o, tx.TransactionInput(a.id, today, "-40.25", "Bakery"))
    tx.transfer(o, a.id, small_book.savings.id, "500", today)
    at = as_owner(None)
    month = f"{today:%B}"
    assert metric(at, f"Income in {month}") == "€1,000.00"
    assert metric(at, f"Expenses in {month}") == "-€40.25"
    assert metric(at, "Net this month") == "€959.75"
    recent = at.dataframe[1].value
    assert list(recent["Payee"])[:4] == ["Girokonto", "Tagesgeld", "Bakery", "Employer"]
    assert len(recent) == 10


def test_accounts_without_a_rate_are_named_not_counted(small_book: SmallBook,
                                                       as_owner: OpenPage) -> None:
    from fintrack_core.ledger.accounts import create_account

    create_account(small_book.owner, "Yen wallet", "cash", "JPY", "5000")
    at = as_owner(None)
    assert any("Yen wallet (JPY)" in w.value for w in at.warning)
    assert metric(at, "Net worth") == "€8,060.99"


def test_viewer_sees_the_same_numbers(small_book: SmallBook, as_viewer: OpenPage) -> None:
    at = as_viewer(None)
    assert metric(at, "Net worth") == "€8,060.99"
    switcher = at.sidebar.selectbox(key="book_selector")
    assert switcher.format_func(switcher.value) == "Alice's book (viewer)"


def test_budget_alerts_are_listed_with_a_link_to_the_budgets_page(small_book: SmallBook,
                                                                  as_owner: OpenPage) -> None:
    from fintrack_core.budgets.inbox import list_alerts
    from fintrack_core.budgets.service import BudgetInput, add_budget

    o, cats = small_book.owner, small_book.categories
    add_budget(o, BudgetInput(cats["Groceries"], "100"))
    tx.add_transaction(o, tx.TransactionInput(small_book.checking.id, dt.date.today(), "-85",
                                              "REWE", category_id=cats["Groceries"]))
    at = as_owner(None)
    assert any(h.value == "Budget alerts" for h in at.subheader)
    [line] = [m.value for m in at.markdown if "of its budget reached" in m.value]
    assert line.startswith("**New · Food → Groceries\\: 80 % of its budget reached")
    link = at.get("page_link")[0].proto
    assert (link.page, link.label) == ("budgets", "All budgets and alerts")
    alert = list_alerts(o)[0]
    at.button(key=f"ov_alerts_read_{alert.id}").click().run()
    [line] = [m.value for m in at.markdown if "of its budget reached" in m.value]
    assert not line.startswith("**")  # read: no longer bold
    at.button(key=f"ov_alerts_dismiss_{alert.id}").click().run()
    assert not any(h.value == "Budget alerts" for h in at.subheader)
    assert not at.get("page_link")


def test_without_alerts_the_overview_shows_no_alert_list(small_book: SmallBook,
                                                         as_owner: OpenPage) -> None:
    at = as_owner(None)
    assert not any(h.value == "Budget alerts" for h in at.subheader)
    assert not at.get("page_link")
