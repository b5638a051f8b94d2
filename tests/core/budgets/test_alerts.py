"""Budget alerts fire inside the write that crossed a threshold, once per budget, threshold
and period, and are resolved (not deleted) when a later change backs off."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from fintrack_core.budgets.alerts import collect_alerts
from fintrack_core.budgets.service import BudgetInput, add_budget
from fintrack_core.db.models import BudgetAlert
from fintrack_core.imports.service import import_statement, undo_batch
from fintrack_core.ledger import transactions as tx
from fintrack_core.rules.service import create_rule, reapply_rules
from fintrack_core.rules.spec import Action, Condition, RuleSpec
from tests.conftest import SmallBook

D = dt.date
JAN_2024, MARCH_20 = D(2024, 1, 1), D(2024, 3, 20)


def groceries_budget(sb: SmallBook, amount: str = "100.00", starts: dt.date = JAN_2024
                     ) -> int:
    # Groceries already holds REWE -64.37 (5 March 2024)
    return add_budget(sb.owner, BudgetInput(sb.categories["Groceries"], amount, "monthly",
                                            starts_on=starts)).id


def spend(sb: SmallBook, amount: str, day: dt.date = MARCH_20,
          category: str = "Groceries") -> tx.TransactionView:
    return tx.add_transaction(sb.owner, tx.TransactionInput(
        sb.checking.id, day, f"-{amount}", "Market", "", sb.categories[category]))


def stored(sb: SmallBook) -> list[tuple[int, dt.date, bool]]:
    with sb.db.read() as s:
        rows = s.scalars(select(BudgetAlert).order_by(BudgetAlert.threshold)).all()
        return [(a.threshold, a.period_start, a.resolved_at is not None) for a in rows]


def test_a_transaction_crossing_a_threshold_fires_once(small_book: SmallBook) -> None:
    sb = small_book
    groceries_budget(sb)
    with collect_alerts() as events:
        spend(sb, "20.00")                       # 84.37 of 100: 80 % reached
    assert [(e.kind, e.threshold, e.spent_minor, e.limit_minor) for e in events] == [
        ("fired", 80, 8437, 10000)]
    assert events[0].message == ("Food → Groceries: 80 % of its budget reached (€84.37 of "
                                 "€100.00, 1 Mar – 31 Mar 2024)")
    with collect_alerts() as again:
        spend(sb, "1.00")                        # still over 80 %: nothing new
    assert again == []
    with collect_alerts() as over:
        spend(sb, "20.00")                       # 105.37: 100 % reached
    assert [(e.kind, e.threshold) for e in over] == [("fired", 100)]
    assert stored(sb) == [(80, D(2024, 3, 1), False), (100, D(2024, 3, 1), False)]


def test_deleting_or_editing_back_under_resolves_and_keeps_the_record(
        small_book: SmallBook) -> None:
    sb = small_book
    groceries_budget(sb)
    big = spend(sb, "40.00")                     # 104.37
    assert stored(sb) == [(80, D(2024, 3, 1), False), (100, D(2024, 3, 1), False)]
    with collect_alerts() as edit:
        tx.update_transaction(sb.owner, big.id, amount="-25.00")   # 89.37
    assert [(e.kind, e.threshold) for e in edit] == [("resolved", 100)]
    with collect_alerts() as gone:
        tx.delete_transaction(sb.owner, big.id)                    # 64.37
    assert [(e.kind, e.threshold) for e in gone] == [("resolved", 80)]
    assert stored(sb) == [(80, D(2024, 3, 1), True), (100, D(2024, 3, 1), True)]
    with collect_alerts() as back:
        spend(sb, "30.00")                                         # 94.37: 80 % again
    assert [(e.kind, e.threshold) for e in back] == [("fired", 80)]
    assert stored(sb) == [(80, D(2024, 3, 1), False), (100, D(2024, 3, 1), True)]


def test_re_categorising_moves_spending_between_budgets(small_book: SmallBook) -> None:
    sb = small_book
    groceries_budget(sb)
    row = spend(sb, "30.00", category="Rent")
    with collect_alerts() as moved:
        tx.bulk_set_category(sb.owner, [row.id], sb.categories["Groceries"])
    assert [(e.kind, e.threshold) for e in moved] == [("fired", 80)]
    with collect_alerts() as back:
        tx.update_transactions(sb.owner, [(row.id, {"category_id": sb.categories["Rent"]})])
    assert [(e.kind, e.threshold) for e in back] == [("resolved", 80)]


def test_a_parent_budget_hears_about_its_sub_categories(small_book: SmallBook) -> None:
    sb = small_book
    add_budget(sb.owner, BudgetInput(sb.categories["Food"], "80.00", "monthly",
                                     starts_on=D(2024, 1, 1)))
    with collect_alerts() as events:
        spend(sb, "10.00")  # Groceries is under Food: 74.37 of 80
    assert [(e.category, e.threshold) for e in events] == [("Food", 80)]


def test_rules_that_re_categorise_fire_alerts(small_book: SmallBook) -> None:
    sb = small_book

    groceries_budget(sb)
    spend(sb, "30.00", category="Rent")
    create_rule(sb.owner, RuleSpec("Market", (Condition("payee", "contains", "Market"),),
                                   (Action("set_category", sb.categories["Groceries"]),)))
    with collect_alerts() as events:
        reapply_rules(sb.owner)
    assert [(e.kind, e.threshold) for e in events] == [("fired", 80)]


def test_a_crossing_in_a_period_already_over_is_recorded_as_read(
        small_book: SmallBook, today: dt.date) -> None:
    sb = small_book
    groceries_budget(sb, "50.00")  # March 2024 is long over whichever day the clock says
    with sb.db.read() as s:
        assert s.scalars(select(BudgetAlert)).all() == []  # adding a budget fires nothing
    spend(sb, "1.00")
    with sb.db.read() as s:
        alerts = s.scalars(select(BudgetAlert)).all()
        assert {a.threshold for a in alerts} == {80, 100}
        assert all(a.read_at is not None for a in alerts)


def test_transfers_never_fire(small_book: SmallBook) -> None:
    sb = small_book
    groceries_budget(sb, "10.00")
    with collect_alerts() as events:
        tx.transfer(sb.owner, sb.checking.id, sb.savings.id, "500", D(2024, 3, 20))
    assert events == []


def test_an_import_fires_with_its_rows_and_undoing_it_resolves(small_book: SmallBook) -> None:
    sb = small_book
    groceries_budget(sb)  # 100.00; REWE 64.37 already spent in March 2024
    create_rule(sb.owner, RuleSpec("Market", (Condition("payee", "contains", "Market"),),
                                   (Action("set_category", sb.categories["Groceries"]),)))
    statement = b"Date,Payee,Amount\n2024-03-20,Market Hall,-20.00\n"
    with collect_alerts() as events:  # 84.37 of 100.00
        result = import_statement(sb.owner, statement, "giro.csv", [sb.checking.id])
    assert [(e.kind, e.threshold, e.spent_minor) for e in events] == [("fired", 80, 8437)]
    assert result.batch_id is not None
    with collect_alerts() as events:
        undo_batch(sb.owner, result.batch_id)
    assert [(e.kind, e.threshold, e.spent_minor) for e in events] == [("resolved", 80, 6437)]
    assert stored(sb) == [(80, D(2024, 3, 1), True)]
