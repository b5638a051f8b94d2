"""Rules page: create through the editor, test, re-apply, reorder, delete; viewers only look."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from fintrack_core.db.models import Transaction
from fintrack_core.rules import service as rules
from fintrack_core.rules.service import Action, Condition, RuleSpec
from fintrack_ui.markdown import md
from tests.conftest import SmallBook
from tests.pages.conftest import OpenPage

PAGE = "pages/rules.py"


def button(at, label: str):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label == label)


def shell_rule(sb: SmallBook, name: str = "Shell") -> RuleSpec:
    return RuleSpec(name, (Condition("payee", "equals", "shell"),),
                    (Action("set_category", sb.categories["Car"]), Action("add_tags", "auto")))


def category_of(sb: SmallBook, payee: str) -> list[int | None]:
    with sb.db.read() as s:
        return list(s.scalars(select(Transaction.category_id).where(
            Transaction.book_id == sb.owner.book_id, Transaction.payee == payee)
            .order_by(Transaction.id)))


def fill_shell(at, sb: SmallBook) -> None:  # type: ignore[no-untyped-def]
    at.text_input(key="newrule_name").input("Fuel at Shell")
    at.selectbox(key="newrule_field0").set_value("payee").run()
    at.selectbox(key="newrule_op0_payee").set_value("starts_with")
    at.text_input(key="newrule_value0_payee").input("SHELL")
    at.selectbox(key="newrule_field1").set_value("amount").run()
    at.selectbox(key="newrule_op1_amount").set_value("less_than")
    at.text_input(key="newrule_value1_amount").input("0")
    at.selectbox(key="newrule_category").set_value(sb.categories["Car"])
    at.text_input(key="newrule_tags").input("auto, #card")


def test_create_a_rule_through_the_editor(small_book: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    assert at.info[0].value == "No rules yet."
    fill_shell(at, small_book)
    button(at, "Create rule").click().run()
    assert not at.exception
    assert at.success[0].value == md("Rule 'Fuel at Shell' created.")
    (saved,) = rules.list_rules(small_book.owner)
    assert saved.conditions == (Condition("payee", "starts_with", "SHELL"),
                                Condition("amount", "less_than", "0"))
    assert saved.actions == (Action("set_category", small_book.categories["Car"]),
                             Action("add_tags", ("auto", "card")))
    table = at.dataframe[0].value
    assert list(table["Name"]) == ["Fuel at Shell"]
    assert table["Conditions"][0] == "payee starts with “SHELL” and amount is less than 0"
    assert at.text_input(key="newrule_name").value == ""  # the form starts afresh


def test_test_rule_lists_what_would_change_and_saves_nothing(small_book: SmallBook,
                                                             as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    fill_shell(at, small_book)
    button(at, "Test rule").click().run()
    assert not at.exception
    assert "1 existing transaction(s) would change." in [c.value for c in at.caption]
    preview = at.dataframe[-1].value
    assert list(preview["Payee"]) == ["Shell"]
    assert list(preview["Amount"]) == ["-$42.10"]  # in the user's locale
    assert list(preview["Category"]) == ["Transportation → Car → Fuel  ⇒  Transportation → Car"]
    assert list(preview["Tags"]) == ["car  ⇒  auto,car,card"]
    assert rules.list_rules(small_book.owner) == []


def test_a_bad_regex_is_named_and_nothing_saved(small_book: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    at.text_input(key="newrule_name").input("Backreference")
    at.selectbox(key="newrule_field0").set_value("description").run()
    at.selectbox(key="newrule_op0_description").set_value("regex")
    at.text_input(key="newrule_value0_description").input(r"(\d)\1")
    at.text_input(key="newrule_rename").input("Twins")
    button(at, "Create rule").click().run()
    assert at.error[0].value.startswith(
        md("value: condition 1: '(\\\\d)\\\\1' is not a usable"))
    assert rules.list_rules(small_book.owner) == []


def test_reapply_changes_existing_transactions(small_book: SmallBook, as_owner: OpenPage) -> None:
    rules.create_rule(small_book.owner, shell_rule(small_book))
    at = as_owner(PAGE)
    button(at, "Re-apply rules to existing transactions").click().run()
    assert at.success[0].value == md("Rules re-applied: 0 transaction(s) changed.")
    at.checkbox(key="reapply_uncategorised").uncheck()
    button(at, "Re-apply rules to existing transactions").click().run()
    assert at.success[0].value == md("Rules re-applied: 2 transaction(s) changed.")
    assert category_of(small_book, "Shell") == [small_book.categories["Car"]] * 2


def test_reorder_edit_and_delete(small_book: SmallBook, as_owner: OpenPage) -> None:
    o = small_book.owner
    first = rules.create_rule(o, shell_rule(small_book, "Shell"))
    second = rules.create_rule(o, RuleSpec("REWE", (Condition("payee", "contains", "rewe"),),
                                           (Action("add_tags", "food"),)))
    at = as_owner(PAGE)
    at.selectbox(key="order_rule").set_value(second.id).run()
    button(at, "Move up").click().run()
    assert at.success[0].value == md("Moved up.")
    assert [r.id for r in rules.list_rules(o)] == [second.id, first.id]
    assert list(at.dataframe[0].value["Name"]) == ["REWE", "Shell"]

    at.selectbox(key="edit_rule").set_value(first.id).run()
    assert at.text_input(key="editrule_name").value == "Shell"
    assert not at.warning
    at.text_input(key="editrule_name").input("Shell stations")
    at.checkbox(key="editrule_enabled").uncheck()
    button(at, "Save rule").click().run()
    assert at.success[0].value == md("Rule saved.")
    edited = next(r for r in rules.list_rules(o) if r.id == first.id)
    assert (edited.name, edited.enabled, edited.actions) == (
        "Shell stations", False, first.actions)

    at.selectbox(key="order_rule").set_value(second.id).run()
    button(at, "Delete rule").click().run()
    assert not at.exception
    assert at.success[0].value == md("Rule 'REWE' deleted.")
    assert [r.id for r in rules.list_rules(o)] == [first.id]


def test_rule_mode(small_book: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    at.radio(key="rule_mode").set_value("all").run()
    assert at.success[0].value == md("Rule mode saved.")
    assert rules.get_rule_mode(small_book.owner) == "all"


def _rewe_id(sb: SmallBook) -> int:
    with sb.db.read() as s:
        rewe = s.scalar(select(Transaction.id).where(Transaction.payee == "REWE"))
    assert rewe is not None
    return rewe


def test_a_transaction_prefills_the_new_rule(small_book: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner()
    at.session_state["rule_from_transaction"] = _rewe_id(small_book)
    at.switch_page(PAGE).run()
    assert not at.exception
    assert not at.warning  # values loaded through session state, without widget defaults
    assert at.info[1].value == "Suggested from the transaction; check it and save."
    assert at.text_input(key="newrule_name").value == "REWE → Groceries"
    assert at.selectbox(key="newrule_field0").value == "payee"
    assert at.selectbox(key="newrule_op0_payee").value == "equals"
    assert at.selectbox(key="newrule_category").value == small_book.categories["Groceries"]
    button(at, "Create rule").click().run()
    assert [r.name for r in rules.list_rules(small_book.owner)] == ["REWE → Groceries"]


def test_the_transactions_page_links_here(small_book: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner("pages/transactions.py")
    at.selectbox(key="rule_src").set_value(_rewe_id(small_book)).run()
    button(at, "Create rule from this transaction").click().run()
    assert not at.exception
    assert at.title[0].value == "Rules"
    assert at.text_input(key="newrule_name").value == "REWE → Groceries"


def test_viewer_sees_the_rules_read_only(small_book: SmallBook, as_viewer: OpenPage) -> None:
    rules.create_rule(small_book.owner, shell_rule(small_book))
    rules.set_rule_mode(small_book.owner, "all")
    at = as_viewer(PAGE)
    assert list(at.dataframe[0].value["Name"]) == ["Shell"]
    assert at.radio(key="rule_mode").value == "all"
    assert at.radio(key="rule_mode").disabled
    assert not at.tabs
    assert not [b for b in at.button if b.label in ("Create rule", "Delete rule")]
    assert at.info[0].value == "You have view-only access to this book."


def test_a_date_condition_through_the_editor(small_book: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    at.text_input(key="newrule_name").input("March rent")
    at.selectbox(key="newrule_field0").set_value("date").run()
    at.selectbox(key="newrule_op0_date").set_value("between").run()
    at.date_input(key="newrule_date0").set_value(dt.date(2024, 3, 1))
    at.date_input(key="newrule_date20").set_value(dt.date(2024, 3, 3))
    at.selectbox(key="newrule_field1").set_value("account").run()
    at.multiselect(key="newrule_acc1").set_value([small_book.checking.id])
    at.text_input(key="newrule_tags").input("early-march")
    button(at, "Create rule").click().run()
    assert not at.exception, at.exception
    (saved,) = rules.list_rules(small_book.owner)
    assert saved.conditions == (
        Condition("date", "between", dt.date(2024, 3, 1), dt.date(2024, 3, 3)),
        Condition("account", "in", [small_book.checking.id]))  # type: ignore[arg-type]  # a list is normalised
    assert rules.preview_rule(small_book.owner, saved.id).total == 2


def test_a_query_parameter_prefills_once(small_book: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner()
    at.query_params["rule_from_transaction"] = str(_rewe_id(small_book))
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.text_input(key="newrule_name").value == "REWE → Groceries"
    assert "rule_from_transaction" not in at.query_params  # a reload does not reset edits


def test_reapply_shows_the_budget_alerts_it_caused(small_book: SmallBook,
                                                   as_owner: OpenPage) -> None:
    import datetime as dt

    from fintrack_core.budgets.inbox import list_alerts
    from fintrack_core.budgets.service import BudgetInput, add_budget

    rules.create_rule(small_book.owner, shell_rule(small_book))  # Shell -> Car
    # Shell: -42.10 USD and +15.00 USD in March 2024 (27.10 USD, 24.63 EUR at 1.10)
    add_budget(small_book.owner, BudgetInput(small_book.categories["Car"], "30",
                                             starts_on=dt.date(2024, 3, 1)))
    at = as_owner(PAGE)
    at.checkbox(key="reapply_uncategorised").uncheck()
    button(at, "Re-apply rules to existing transactions").click().run()
    assert at.success[0].value == md("Rules re-applied: 2 transaction(s) changed.")
    [alert] = list_alerts(small_book.owner)
    assert alert.threshold == 80
    assert [w.value for w in at.warning] == [md(alert.message)]
