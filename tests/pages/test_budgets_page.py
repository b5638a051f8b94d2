"""Budgets page: this period's bars and table, the transactions behind them, history, the
year, income not yet budgeted, alerts; owners change budgets, viewers only read."""

from __future__ import annotations

import calendar
import datetime as dt
import json
from decimal import Decimal

import pytest
from streamlit.testing.v1 import AppTest

from fintrack_core.budgets.inbox import list_alerts
from fintrack_core.budgets.service import BudgetInput, add_budget, list_budgets
from fintrack_core.ledger import transactions as tx
from fintrack_ui.markdown import md
from tests.conftest import SmallBook
from tests.pages.conftest import OpenPage

PAGE = "pages/budgets.py"


@pytest.fixture
def budgeted(small_book: SmallBook) -> SmallBook:
    """Food 500.00 and its child Groceries 100.00 a month; 85.00 of groceries today, which
    crosses Groceries' 80 % threshold (an unread alert)."""
    o, cats = small_book.owner, small_book.categories
    add_budget(o, BudgetInput(cats["Food"], Decimal("500")))
    add_budget(o, BudgetInput(cats["Groceries"], Decimal("100"), thresholds=(80, 100)))
    tx.add_transaction(o, tx.TransactionInput(small_book.checking.id, dt.date.today(), "-85.00",
                                              "REWE", "Wocheneinkauf", cats["Groceries"]))
    return small_book


def status_table(at: AppTest) -> dict[str, dict[str, str]]:
    frame = at.dataframe[0].value
    return {str(r["Budget"]): {str(k): str(v) for k, v in r.items()}
            for r in frame.to_dict("records")}


def bars(at: AppTest) -> dict[str, object]:
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    bar = spec["data"][0]
    return {"y": bar["y"], "x": bar["x"], "colors": bar["marker"]["color"]}


def buttons(at: AppTest) -> set[str]:
    return {b.label for b in at.button}


def test_owner_sees_this_period_with_the_child_under_its_parent(budgeted: SmallBook,
                                                                 as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    assert at.title[0].value == "Budgets"
    rows = status_table(at)
    assert list(rows) == ["Food", "\u2003Groceries"]
    groceries = rows["\u2003Groceries"]
    assert (groceries["Spent"], groceries["Limit"], groceries["Remaining"],
            groceries["Used"]) == ("€85.00", "€100.00", "€15.00", "85.0 %")
    assert (rows["Food"]["Spent"], rows["Food"]["Used"]) == ("€85.00", "17.0 %")
    # Green below the first threshold, amber at 80 %.
    assert bars(at) == {"y": ["Food", "\u2003Food → Groceries"], "x": [17.0, 85.0],
                        "colors": ["#2e7d32", "#f9a825"]}


def test_the_transactions_behind_a_budget_are_one_click_away(budgeted: SmallBook,
                                                             as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    at.selectbox(key="bud_drill").set_value(
        next(b.id for b in list_budgets(budgeted.owner) if b.category.endswith("Groceries"))
    ).run()
    assert "1 transaction(s)" in at.expander[0].label
    assert list(at.dataframe[1].value["Payee"]) == ["REWE"]
    assert list(at.dataframe[1].value["Amount"]) == ["-€85.00"]


def test_owner_adds_a_budget_paid_on_the_25th(small_book: SmallBook,
                                             as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    at.selectbox(key="bud_new_category").set_value(small_book.categories["Restaurants"])
    start = at.selectbox(key="bud_new_start_day_monthly")
    assert start.format_func(25) == "25th of the month"
    start.set_value(25)
    at.text_input(key="bud_new_amount").input("1,250.50")
    at.checkbox(key="bud_new_rollover").check()
    at.text_input(key="bud_new_thresholds").input("50, 90")
    next(b for b in at.button if b.label == "Add budget").click().run()
    assert not at.exception, at.exception
    budget = list_budgets(small_book.owner)[0]
    assert (budget.category, budget.amount_minor, budget.start_day, budget.rollover,
            budget.thresholds) == ("Food → Restaurants", 125050, 25, True, (50, 90))
    assert at.success[0].value.startswith(md("Budget added: Food → Restaurants: €1,250.50"))


def test_weekly_start_days_read_as_weekdays(small_book: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    at.selectbox(key="bud_new_period").set_value("weekly").run()
    start = at.selectbox(key="bud_new_start_day_weekly")
    assert start.options == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                             "Saturday", "Sunday"]


def test_a_bad_amount_names_the_field_and_adds_nothing(small_book: SmallBook,
                                                      as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    at.text_input(key="bud_new_amount").input("lots")
    next(b for b in at.button if b.label == "Add budget").click().run()
    assert not at.exception
    assert "amount" in at.error[0].value
    assert "lots" in at.error[0].value
    assert list_budgets(small_book.owner) == []


def test_owner_changes_and_deletes_a_budget(budgeted: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    food = next(b for b in list_budgets(budgeted.owner) if b.category == "Food")
    at.selectbox(key="bud_edit").set_value(food.id).run()
    at.text_input(key=f"bud_edit_amount_{food.id}").input("650")
    start = at.selectbox(key=f"bud_edit_start_day_{food.id}")
    assert start.format_func(15) == "15th of the month"
    start.set_value(15)
    at.date_input(key=f"bud_edit_start_{food.id}").set_value(dt.date(2024, 1, 15))
    next(b for b in at.button if b.label == "Save budget").click().run()
    assert not at.exception, at.exception
    saved = next(b for b in list_budgets(budgeted.owner) if b.id == food.id)
    assert (saved.amount_minor, saved.start_day, saved.starts_on) == (
        65000, 15, dt.date(2024, 1, 15))
    at.selectbox(key="bud_edit").set_value(food.id).run()
    at.button(key="bud_delete").click().run()
    at.button(key="bud_delete_yes").click().run()
    assert [b.category for b in list_budgets(budgeted.owner)] == ["Food → Groceries"]


def test_alerts_unread_first_then_marked_read_and_dismissed(budgeted: SmallBook,
                                                            as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    alert = list_alerts(budgeted.owner)[0]
    assert alert.message == ("Food → Groceries: 80 % of its budget reached (€85.00 of "
                             f"€100.00, {alert.span.start.day} {alert.span.start:%b} – "
                             f"{alert.span.end.day} {alert.span.end:%b %Y})")
    lines = [m.value for m in at.markdown if "of its budget reached" in m.value]
    assert len(lines) == 1
    assert lines[0].startswith(f"**New · {md(alert.message)}**")
    at.button(key=f"bud_alerts_read_{alert.id}").click().run()
    assert list_alerts(budgeted.owner)[0].read
    at.button(key=f"bud_alerts_dismiss_{alert.id}").click().run()
    assert list_alerts(budgeted.owner) == []
    assert any(c.value.startswith("No alerts") for c in at.main.caption)


def test_history_year_and_income_not_budgeted(budgeted: SmallBook, as_owner: OpenPage) -> None:
    today = dt.date.today()
    tx.add_transaction(budgeted.owner, tx.TransactionInput(
        budgeted.checking.id, today.replace(day=1), "2000", "ACME GmbH",
        category_id=budgeted.categories["Salary"]))
    at = as_owner(PAGE)
    assert len(at.get("plotly_chart")) == 2  # this period, and the chosen budget's history
    # Both budgets start this month and have a period in every month left of the year.
    year = at.dataframe[-1].value
    months = [calendar.month_name[m] for m in range(today.month, 13)]
    assert list(year["Month"]) == [*months, "Total", *months, "Total", "Total"]
    assert list(year["Budget"])[-1] == "All budgets"
    assert list(year["Budgeted"])[-1] == f"€{600 * len(months):,}.00"
    assert list(year["Spent"])[-1] == "€170.00"  # 85.00 counted by Food and by Groceries
    # Income 2,000.00 this month; the two budgets claim 600.00 of it.
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Income"], metrics["Budgeted"], metrics["Not yet budgeted"]) == (
        "€2,000.00", "€600.00", "€1,400.00")


def test_viewer_sees_the_figures_but_no_controls(budgeted: SmallBook,
                                                 as_viewer: OpenPage) -> None:
    at = as_viewer(PAGE)
    assert not at.exception, at.exception
    assert at.info[0].value == "You have view-only access to this book."
    assert list(status_table(at)) == ["Food", "\u2003Groceries"]
    assert any("of its budget reached" in m.value for m in at.markdown)
    assert not buttons(at) & {"Add budget", "Save budget", "Delete this budget", "Dismiss",
                              "Mark read", "Mark all 1 read"}
    assert not [e for e in at.expander if e.label in ("Add a budget", "Change or delete a budget")]


def test_without_budgets_the_page_says_so(small_book: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    assert not at.exception, at.exception
    assert at.info[0].value == "No budgets yet. Add one below."
    assert not at.get("plotly_chart")
