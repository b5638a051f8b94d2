"""Budget figures and the Budgets page's plain data, built from hand-made core results."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from fintrack_core.budgets.history import BudgetHistory
from fintrack_core.budgets.inbox import AlertView
from fintrack_core.budgets.periods import PeriodKind, Span
from fintrack_core.budgets.service import BudgetView
from fintrack_core.budgets.status import BudgetStatus
from fintrack_ui.budget_figures import LEVEL_COLORS, history_chart, progress_bars, used_percent
from fintrack_ui.budget_view import (
    alerts_in_order,
    ordinal,
    start_day_choices,
    start_day_label,
    status_frame,
    with_depth,
    year_frame,
)

NOV = Span(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
AS_OF = dt.date(2026, 11, 21)  # 10 days left, 21 of 30 gone


def budget(category: str, amount: int, id_: int = 1, rollover: bool = False,
           thresholds: tuple[int, ...] = (80, 100), period: PeriodKind = PeriodKind.MONTHLY
           ) -> BudgetView:
    return BudgetView(id_, id_ * 10, category, amount, "EUR", period, 1, dt.date(2026, 1, 1),
                      None, rollover, thresholds)


def status(category: str, amount: int, spent: int, id_: int = 1, carried: int = 0,
           unconverted: dict[str, int] | None = None, **kw: object) -> BudgetStatus:
    return BudgetStatus(budget(category, amount, id_, **kw), NOV, AS_OF,  # type: ignore[arg-type]
                        amount + carried, carried, spent, unconverted or {})


def test_bars_are_green_below_the_first_threshold_amber_at_a_warning_red_at_100() -> None:
    statuses = [status("Food", 50000, 39999), status("Groceries", 10000, 8000, 2),
                status("Restaurants", 10000, 10000, 3)]
    fig = progress_bars(statuses, ["Food", "Groceries", "Restaurants"], "en_US")
    bar = fig.data[0]
    assert list(bar.x) == [80.0, 80.0, 100.0]  # 399.99 of 500.00 shows as 80.0 %
    assert list(bar.marker.color) == [LEVEL_COLORS["ok"], LEVEL_COLORS["warning"],
                                      LEVEL_COLORS["over"]] == ["#2e7d32", "#f9a825", "#c62828"]
    assert list(bar.customdata) == [1, 2, 3]  # a click names the budget
    assert bar.text[1] == "€80.00 of €100.00 · 80.0 %"


def test_each_budget_gets_a_mark_at_each_of_its_thresholds() -> None:
    fig = progress_bars([status("Food", 50000, 100, thresholds=(50, 90, 100))], ["Food"],
                        "en_US")
    assert [s.x0 for s in fig.layout.shapes] == [50, 90, 100]
    assert [s.line.dash for s in fig.layout.shapes] == ["dot", "dot", "solid"]


def test_the_axis_grows_with_the_most_overspent_budget_and_amounts_follow_the_locale() -> None:
    fig = progress_bars([status("Food", 10000, 25000)], ["Food"], "de_DE")
    assert fig.layout.xaxis.range == (0, 250.0 * 1.45)
    assert fig.data[0].text[0] == "250,00\xa0€ of 100,00\xa0€ · 250.0 %"
    assert fig.layout.separators == ",."


def test_a_limit_eaten_by_rolled_over_overspending_draws_full_and_red() -> None:
    # 100.00 a month, 120.00 overspent before: the limit is -20.00, 5.00 spent.
    gone = status("Coffee", 10000, 500, carried=-12000, rollover=True)
    assert (gone.percent_used, used_percent(gone), gone.level) == (None, 100.0, "over")
    untouched = status("Coffee", 10000, 0, carried=-12000, rollover=True)
    assert used_percent(untouched) == 0.0


def test_history_puts_budget_beside_spending_and_marks_overspending_red() -> None:
    periods = pd.DataFrame({"start": [dt.date(2026, 9, 1), dt.date(2026, 10, 1)],
                            "end": [dt.date(2026, 9, 30), dt.date(2026, 10, 31)],
                            "budgeted": [10000, 10000], "spent": [9000, 12050]})
    fig = history_chart(BudgetHistory(budget("Food", 10000), periods, {}), "en_US")
    budgeted, spent = fig.data
    assert list(budgeted.x) == ["Sep 2026", "Oct 2026"]
    assert list(spent.y) == [90.0, 120.5]
    assert list(spent.text) == ["€90.00", "€120.50"]
    assert list(spent.marker.color) == ["#1565c0", "#c62828"]
    assert fig.layout.title.text == "Food: budget against spending"


def test_start_days_in_words() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "31st"]
    assert start_day_label("monthly", 25) == "25th of the month"
    assert start_day_label(PeriodKind.WEEKLY, 0) == "Monday"
    assert start_day_label("weekly", 6) == "Sunday"
    assert start_day_label("yearly", 4) == "April"
    assert start_day_label("custom", 1) == "—"
    assert start_day_choices("weekly") == [0, 1, 2, 3, 4, 5, 6]
    assert start_day_choices("monthly")[-1] == 31


def test_a_child_budget_sits_under_its_parent_only_when_the_parent_has_one() -> None:
    rows = with_depth([status("Transportation → Car → Fuel", 100, 0, 1),
                       status("Food → Groceries", 100, 0, 2),
                       status("Food & Drink", 100, 0, 3),
                       status("Food", 100, 0, 4)])
    assert [(s.budget.category, d) for s, d in rows] == [
        ("Food", 0), ("Food → Groceries", 1), ("Food & Drink", 0),
        ("Transportation → Car → Fuel", 0)]
    assert list(status_frame(rows, "en_US")["budget"]) == [
        "Food", "\u2003Groceries", "Food & Drink", "Transportation → Car → Fuel"]


def test_the_status_table_names_every_figure_and_the_rows_without_a_rate() -> None:
    rows = with_depth([status("Coffee", 10000, 4000, carried=1500, rollover=True,
                              unconverted={"USD": 1250})])
    row = status_frame(rows, "en_US").iloc[0].to_dict()
    # limit 115.00, 40.00 spent, 75.00 left over 10 days; pace 40.00 in 21 of 30 days
    assert row == {"budget": "Coffee", "period": "01 Nov – 30 Nov 2026", "spent": "€40.00",
                   "limit": "€115.00", "remaining": "€75.00", "used": "34.8 %",
                   "days_left": "10", "safe_per_day": "€7.50", "projected": "€57.14",
                   "carried": "€15.00", "unconverted": "$12.50"}


def test_the_year_has_month_names_a_total_per_budget_and_one_for_all() -> None:
    table = pd.DataFrame({"budget_id": [1, 1, 2], "category": ["Food", "Food", "Rent"],
                          "month": [1, 2, 1], "budgeted": [100, 100, 900],
                          "spent": [80, 130, 900]})
    frame = year_frame(table)
    assert frame.values.tolist() == [
        ["Food", "January", 100, 80, 20], ["Food", "February", 100, 130, -30],
        ["Food", "Total", 200, 210, -10], ["Rent", "January", 900, 900, 0],
        ["Rent", "Total", 900, 900, 0], ["All budgets", "Total", 1100, 1110, -10]]
    assert year_frame(table.iloc[0:0]).empty


def test_unread_alerts_come_first_each_group_newest_first() -> None:
    def alert(id_: int, hour: int, read: bool) -> AlertView:
        fired = dt.datetime(2026, 11, 20, hour, tzinfo=dt.UTC).replace(tzinfo=None)  # as stored
        return AlertView(id_, 1, "Food", 80, NOV, 1, 1, "EUR", fired, False, read, False)

    ordered = alerts_in_order([alert(1, 9, True), alert(2, 10, False), alert(3, 11, True),
                               alert(4, 8, False)])
    assert [a.id for a in ordered] == [2, 4, 3, 1]


def test_names_reach_plotly_as_text_not_html() -> None:
    name = "<a href='https://e.x'>Food</a>"
    fig = progress_bars([status(name, 100, 0)], [name], "en_US")
    assert list(fig.data[0].y) == ["&lt;a href=&#x27;https://e.x&#x27;&gt;Food&lt;/a&gt;"]
