"""Budgets: what may be budgeted, and how each budget stands (spent, remaining, pace)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fintrack_core.budgets.periods import PeriodKind, Span
from fintrack_core.budgets.service import (
    BudgetInput,
    add_budget,
    delete_budget,
    list_budgets,
    update_budget,
)
from fintrack_core.budgets.status import BudgetStatus, budget_status
from fintrack_core.errors import NotFound, PermissionDenied, ValidationError
from fintrack_core.ledger import transactions as tx
from tests.conftest import SmallBook

D = dt.date
MARCH = D(2024, 3, 1)


def monthly(sb: SmallBook, category: str, amount: str, **more: object) -> int:
    data = BudgetInput(sb.categories[category], amount, "monthly", starts_on=D(2024, 1, 1),
                       **more)  # type: ignore[arg-type]
    return add_budget(sb.owner, data).id


def status_of(sb: SmallBook, budget_id: int, day: dt.date) -> BudgetStatus:
    [found] = [s for s in budget_status(sb.owner, day) if s.budget.id == budget_id]
    return found


def test_a_budget_is_kept_with_its_category_path_and_base_currency(
        small_book: SmallBook) -> None:
    budget_id = monthly(small_book, "Food", "400.00")
    [b] = list_budgets(small_book.owner)
    assert (b.id, b.category, b.amount_minor, b.currency) == (budget_id, "Food", 40000, "EUR")
    assert (b.period, b.start_day, b.rollover, b.thresholds) == (PeriodKind.MONTHLY, 1, False,
                                                                 (80, 100))


def test_status_counts_the_whole_sub_tree_converted_refunds_lowering_it(
        small_book: SmallBook) -> None:
    # Fuel (under Transportation → Car): -42.10 USD and a 15.00 USD refund at 1 EUR = 1.10 USD
    budget_id = monthly(small_book, "Transportation", "100.00")
    s = status_of(small_book, budget_id, D(2024, 3, 15))
    assert s.span == Span(D(2024, 3, 1), D(2024, 3, 31))
    assert s.spent_minor == 3827 - 1364
    assert s.remaining_minor == 10000 - 2463
    assert s.percent_used == Decimal("24.6")
    assert s.unconverted == {}


def test_days_left_safe_per_day_and_pace(small_book: SmallBook) -> None:
    # Groceries: 64.37 EUR by 10 March, a 31-day month
    budget_id = monthly(small_book, "Food", "200.00")
    s = status_of(small_book, budget_id, D(2024, 3, 10))
    assert s.days_left == 22  # 10..31 March, both included
    assert s.safe_per_day_minor == (20000 - 6437) // 22
    assert s.projected_minor == round(6437 * 31 / 10)
    assert s.level == "ok"


def test_thresholds_reached_set_the_level(small_book: SmallBook) -> None:
    near = monthly(small_book, "Groceries", "75.00")   # 64.37 of 75: 85.8 %
    over = monthly(small_book, "Rent", "800.00")        # 850 of 800
    by_id = {s.budget.id: s for s in budget_status(small_book.owner, D(2024, 3, 20))}
    assert (by_id[near].crossed, by_id[near].level) == ((80,), "warning")
    assert (by_id[over].crossed, by_id[over].level) == ((80, 100), "over")
    assert by_id[over].remaining_minor == -5000
    assert by_id[over].safe_per_day_minor == 0


def test_a_payday_month_runs_from_the_25th(small_book: SmallBook) -> None:
    budget_id = monthly(small_book, "Food", "300.00", start_day=25)
    s = status_of(small_book, budget_id, D(2024, 3, 10))
    assert s.span == Span(D(2024, 2, 25), D(2024, 3, 24))
    assert s.spent_minor == 6437
    assert status_of(small_book, budget_id, D(2024, 3, 25)).spent_minor == 0


def test_rollover_carries_what_was_left_and_what_was_overspent(small_book: SmallBook) -> None:
    sb = small_book
    add = tx.add_transaction
    add(sb.owner, tx.TransactionInput(sb.checking.id, D(2024, 1, 10), "-120.00", "Aldi",
                                      "", sb.categories["Groceries"]))
    add(sb.owner, tx.TransactionInput(sb.checking.id, D(2024, 2, 10), "-30.00", "Aldi",
                                      "", sb.categories["Groceries"]))
    budget_id = monthly(sb, "Food", "100.00", rollover=True)
    s = status_of(sb, budget_id, D(2024, 3, 15))
    # January: 100 - 120 = -20; February: 100 - 30 = +70; carried into March: +50
    assert (s.carried_minor, s.limit_minor) == (5000, 15000)
    assert s.remaining_minor == 15000 - 6437


def test_spending_without_a_rate_is_named_not_counted_as_zero(small_book: SmallBook) -> None:
    sb = small_book
    from fintrack_core.ledger.accounts import create_account

    yen = create_account(sb.owner, "Yen wallet", "cash", "JPY", "0", D(2024, 1, 1))
    tx.add_transaction(sb.owner, tx.TransactionInput(yen.id, D(2024, 3, 6), "-1500", "Sushi",
                                                     "", sb.categories["Groceries"]))
    budget_id = monthly(sb, "Food", "200.00")
    s = status_of(sb, budget_id, D(2024, 3, 15))
    assert s.spent_minor == 6437
    assert s.unconverted == {"JPY": 1500}


def test_transfers_and_future_scheduled_rows_are_not_spending(
        small_book: SmallBook, today: dt.date) -> None:
    sb = small_book
    budget_id = add_budget(sb.owner, BudgetInput(sb.categories["Groceries"], "500", "monthly")).id
    tx.add_transaction(sb.owner, tx.TransactionInput(
        sb.checking.id, today + dt.timedelta(days=40), "-99.00", "Planned", "",
        sb.categories["Groceries"], scheduled=True))
    [s] = budget_status(sb.owner, today)
    assert (s.budget.id, s.spent_minor) == (budget_id, 0)


@pytest.mark.parametrize(("data", "field", "says"), [
    ({"amount": "-5"}, "amount", "must be more than zero (got -5)"),
    ({"amount": "0"}, "amount", "must be more than zero (got 0)"),
    ({"amount": "12.345"}, "amount", ""),
    ({"category": "Salary"}, "category", "'Salary' is an income category"),
    ({"period": "fortnightly"}, "period", "'fortnightly' is not a period"),
    ({"period": "custom"}, "starts_on", "a custom period needs a start and an end date"),
    ({"period": "custom", "starts_on": D(2024, 3, 1)}, "ends_on",
     "a custom period needs a start and an end date"),
    ({"period": "custom", "starts_on": D(2024, 3, 1), "ends_on": D(2024, 2, 1)}, "ends_on",
     "2024-02-01 is before the start 2024-03-01"),
    ({"start_day": 0}, "start_day", "0 is not a day of the month (1-31)"),
    ({"thresholds": (0, 100)}, "thresholds", "0 is not a percentage from 1 to 1000"),
    ({"thresholds": ()}, "thresholds", "give at least one percentage"),
])
def test_a_budget_breaking_a_rule_is_refused_naming_the_field(
        small_book: SmallBook, data: dict[str, object], field: str, says: str) -> None:
    category = small_book.categories[str(data.pop("category", "Food"))]
    values: dict[str, object] = {"amount": "100", "period": "monthly"} | data
    with pytest.raises(ValidationError) as err:
        add_budget(small_book.owner, BudgetInput(category, **values))  # type: ignore[arg-type]
    assert err.value.field == field
    assert says in err.value.message
    assert list_budgets(small_book.owner) == []


def test_two_budgets_of_one_category_may_not_overlap(small_book: SmallBook) -> None:
    sb = small_book
    food = sb.categories["Food"]
    add_budget(sb.owner, BudgetInput(food, "100", "custom", starts_on=D(2024, 1, 1),
                                     ends_on=D(2024, 3, 31)))
    with pytest.raises(ValidationError, match=r"starts_on: 'Food' already has a budget"):
        add_budget(sb.owner, BudgetInput(food, "100", "monthly", starts_on=D(2024, 3, 1)))
    later = add_budget(sb.owner, BudgetInput(food, "100", "monthly", starts_on=D(2024, 4, 1)))
    assert later.starts_on == D(2024, 4, 1)


def test_another_books_category_or_budget_is_not_found(small_book: SmallBook) -> None:
    sb = small_book
    budget_id = monthly(sb, "Food", "100")
    with pytest.raises(NotFound):
        add_budget(sb.other, BudgetInput(sb.categories["Food"], "100"))
    with pytest.raises(NotFound):
        update_budget(sb.other, budget_id, amount="1")
    with pytest.raises(NotFound):
        delete_budget(sb.other, budget_id)
    assert budget_status(sb.other, D(2024, 3, 15)) == []


def test_a_viewer_sees_budgets_and_changes_nothing(small_book: SmallBook) -> None:
    sb = small_book
    budget_id = monthly(sb, "Food", "100")
    assert [b.id for b in list_budgets(sb.viewer)] == [budget_id]
    assert [s.budget.id for s in budget_status(sb.viewer, D(2024, 3, 15))] == [budget_id]
    for attempt in (lambda: add_budget(sb.viewer, BudgetInput(sb.categories["Rent"], "1")),
                    lambda: update_budget(sb.viewer, budget_id, amount="1"),
                    lambda: delete_budget(sb.viewer, budget_id)):
        with pytest.raises(PermissionDenied):
            attempt()
    assert list_budgets(sb.owner)[0].amount_minor == 10000


def test_an_update_is_checked_like_an_add(small_book: SmallBook) -> None:
    budget_id = monthly(small_book, "Food", "100")
    changed = update_budget(small_book.owner, budget_id, amount="250.50", rollover=True,
                            thresholds=(50, 90, 100))
    assert (changed.amount_minor, changed.rollover, changed.thresholds) == (25050, True,
                                                                           (50, 90, 100))
    with pytest.raises(ValidationError, match=r"^amount: must be more than zero"):
        update_budget(small_book.owner, budget_id, amount="-1")
    with pytest.raises(ValidationError, match=r"^colour: is not a budget field"):
        update_budget(small_book.owner, budget_id, colour="red")
    assert list_budgets(small_book.owner)[0].amount_minor == 25050
