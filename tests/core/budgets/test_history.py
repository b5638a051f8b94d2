"""Budget against actual over time, the year table, income not yet budgeted, and the alert
list (read, dismissed, kept)."""

from __future__ import annotations

import datetime as dt

import pytest

from fintrack_core.budgets.history import (
    budget_history,
    income_not_budgeted,
    month_budgets,
    year_table,
)
from fintrack_core.budgets.inbox import dismiss_alerts, list_alerts, mark_read
from fintrack_core.budgets.service import BudgetInput, add_budget
from fintrack_core.errors import NotFound, PermissionDenied
from fintrack_core.ledger import transactions as tx
from tests.conftest import SmallBook

D = dt.date


def buy(sb: SmallBook, day: dt.date, amount: str) -> None:
    tx.add_transaction(sb.owner, tx.TransactionInput(sb.checking.id, day, f"-{amount}",
                                                     "Market", "", sb.categories["Groceries"]))


def test_the_last_periods_of_a_budget_against_what_was_spent(small_book: SmallBook) -> None:
    sb = small_book
    buy(sb, D(2024, 1, 31), "10.00")
    buy(sb, D(2024, 2, 1), "20.00")
    budget = add_budget(sb.owner, BudgetInput(sb.categories["Food"], "100", "monthly",
                                              starts_on=D(2024, 1, 1)))
    history = budget_history(sb.owner, budget.id, 12, as_of=D(2024, 3, 15))
    assert list(history.periods["start"]) == [D(2024, 1, 1), D(2024, 2, 1), D(2024, 3, 1)]
    assert list(history.periods["budgeted"]) == [10000] * 3
    assert list(history.periods["spent"]) == [1000, 2000, 6437]
    assert list(budget_history(sb.owner, budget.id, 2, as_of=D(2024, 3, 15))
                .periods["start"]) == [D(2024, 2, 1), D(2024, 3, 1)]


def test_the_year_table_puts_each_period_in_the_month_it_starts(small_book: SmallBook) -> None:
    sb = small_book
    buy(sb, D(2024, 3, 20), "5.00")
    add_budget(sb.owner, BudgetInput(sb.categories["Groceries"], "50", "weekly", start_day=0,
                                     starts_on=D(2024, 3, 1), ends_on=D(2024, 3, 31)))
    add_budget(sb.owner, BudgetInput(sb.categories["Rent"], "10000", "yearly", start_day=1,
                                     starts_on=D(2024, 1, 1)))
    table = year_table(sb.owner, 2024)
    rent = table[table["category"] == "Housing → Rent"]
    assert rent[["month", "budgeted", "spent"]].values.tolist() == [[1, 1000000, 85000]]
    food = table[table["category"] == "Food → Groceries"]
    # Weeks from Friday 1 March (cut), then Mondays 4, 11, 18, 25 March: all start in March
    assert food[["month", "budgeted", "spent"]].values.tolist() == [[3, 5 * 5000, 6437 + 500]]


def test_a_months_budgets_are_those_whose_periods_start_in_it(small_book: SmallBook) -> None:
    sb = small_book
    buy(sb, D(2024, 3, 20), "5.00")  # plus REWE 64.37 on 5 March
    add_budget(sb.owner, BudgetInput(sb.categories["Groceries"], "50", "weekly", start_day=0,
                                     starts_on=D(2024, 3, 1)))
    add_budget(sb.owner, BudgetInput(sb.categories["Food"], "300", "monthly", start_day=25,
                                     starts_on=D(2024, 1, 25)))
    march = month_budgets(sb.owner, D(2024, 3, 10))
    assert march[["category", "budgeted", "spent"]].values.tolist() == [
        ["Food", 30000, 0],  # 25 March - 24 April; the 5th and 20th belong to 25 Feb's
        ["Food → Groceries", 5 * 5000, 6437 + 500],  # five weeks start in March
    ]
    assert list(march["category_id"]) == [sb.categories["Food"], sb.categories["Groceries"]]
    assert month_budgets(sb.owner, D(2023, 12, 1)).empty


def test_income_not_yet_budgeted(small_book: SmallBook) -> None:
    sb = small_book
    add_budget(sb.owner, BudgetInput(sb.categories["Food"], "400", "monthly",
                                     starts_on=D(2024, 1, 1)))
    add_budget(sb.owner, BudgetInput(sb.categories["Rent"], "900", "monthly",
                                     starts_on=D(2024, 1, 1)))
    march = income_not_budgeted(sb.owner, D(2024, 3, 15))
    assert (march.income, march.budgeted, march.left) == (250000, 130000, 120000)
    april = income_not_budgeted(sb.owner, D(2024, 4, 1))
    assert (april.income, april.left) == (0, -130000)


def test_alerts_are_listed_read_and_dismissed_but_kept(small_book: SmallBook,
                                                      today: dt.date) -> None:
    sb = small_book
    add_budget(sb.owner, BudgetInput(sb.categories["Groceries"], "10", "monthly"))
    buy(sb, today, "9.00")  # 90 % in the current period: unread
    [alert] = list_alerts(sb.owner)
    assert (alert.threshold, alert.read, alert.resolved) == (80, False, False)
    assert alert.message.startswith("Food → Groceries: 80 % of its budget reached (€9.00 of "
                                    "€10.00, ")
    assert list_alerts(sb.viewer) == [alert]
    with pytest.raises(PermissionDenied):
        mark_read(sb.viewer, [alert.id])
    with pytest.raises(NotFound):
        mark_read(sb.other, [alert.id])
    mark_read(sb.owner, [alert.id])
    assert list_alerts(sb.owner, unread_only=True) == []
    dismiss_alerts(sb.owner, [alert.id])
    assert list_alerts(sb.owner) == []
    [kept] = list_alerts(sb.owner, include_dismissed=True)
    assert (kept.id, kept.dismissed, kept.read) == (alert.id, True, True)
