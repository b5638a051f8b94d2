"""Transactions page: filters, SQL paging, in-place edits, bulk edits, add and transfer."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from streamlit.testing.v1 import AppTest

from fintrack_core.access import Scope
from fintrack_core.filters import TransactionFilter
from fintrack_core.ledger import transactions as tx
from fintrack_core.ledger.search import list_transactions
from fintrack_ui.markdown import md
from tests.conftest import SmallBook
from tests.pages.conftest import OpenPage

PAGE = "pages/transactions.py"
GRID = "grid_1_date_True"


def grid(at: AppTest) -> Any:  # the editable grid's frame
    return next(d for d in at.dataframe if d.editing_mode != "read_only").value


def payees(scope: Scope, **flt: Any) -> list[str]:
    return [r.payee for r in list_transactions(scope, TransactionFilter(**flt)).rows]


def test_lists_the_book_newest_first_with_count_and_sums(small_book: SmallBook,
                                                          as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    table = grid(at)
    assert list(table["Payee"]) == ["Girokonto", "Tagesgeld", "Shell", "Shell", "REWE",
                                    "Landlord", "ACME GmbH"]
    assert list(table["Amount"])[:3] == ["300.00", "-300.00", "15.00"]
    assert "Carol" not in " ".join(table["Payee"])
    assert at.caption[0].value.startswith("7 matching transactions · sum €1,585.63, -$27.10")


def test_category_filter_includes_sub_categories(small_book: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    at.selectbox(key="f_category").set_value(small_book.categories["Transportation"]).run()
    assert list(grid(at)["Payee"]) == ["Shell", "Shell"]
    at.text_input(key="f_text").input("refund").run()
    assert list(grid(at)["Description"]) == ["Refund"]


def test_tag_and_amount_filters(small_book: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    at.text_input(key="f_tag").input("food").run()
    assert list(grid(at)["Payee"]) == ["REWE"]
    at.text_input(key="f_tag").input("").run()
    at.text_input(key="f_amin").input("40").run()
    at.text_input(key="f_amax").input("70").run()
    assert list(grid(at)["Payee"]) == ["Shell", "REWE"]


def test_paging_sends_one_page_only(small_book: SmallBook, as_owner: OpenPage) -> None:
    o, a = small_book.owner, small_book.checking
    for day in range(1, 29):
        tx.add_transaction(o, tx.TransactionInput(a.id, dt.date(2024, 2, day), "-1.00",
                                                  f"Kiosk {day:02d}"))
    at = as_owner(PAGE)
    assert len(grid(at)) == 25 + 10  # 35 rows fit in the default 50
    at.selectbox(key="page_size").set_value(25).run()
    assert len(grid(at)) == 25
    at.number_input(key="page_no").set_value(2).run()
    second = at.dataframe[0].value
    assert len(second) == 10
    assert list(second["Payee"])[-1] == "Kiosk 01"


def test_edit_a_row_in_place(small_book: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    row = list(grid(at)["Payee"]).index("REWE")
    at.session_state[GRID] = {"edited_rows": {row: {"Payee": "REWE Markt", "Amount": "-65.00"}},
                              "added_rows": [], "deleted_rows": []}
    at.run()
    save = next(b for b in at.button if b.label.startswith("Save"))
    assert save.label == "Save 1 edit(s)"
    save.click().run()
    assert not at.exception
    rewe = next(r for r in list_transactions(small_book.owner).rows if r.payee == "REWE Markt")
    assert rewe.amount_minor == -6500


def test_bad_edit_names_the_field_and_keeps_the_row(small_book: SmallBook,
                                                    as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    row = list(grid(at)["Payee"]).index("REWE")
    at.session_state[GRID] = {"edited_rows": {row: {"Amount": "-65.001"}},
                              "added_rows": [], "deleted_rows": []}
    at.run()
    next(b for b in at.button if b.label.startswith("Save")).click().run()
    assert md("amount: -65.001 has more decimals than EUR allows (2)") in at.error[0].value
    assert payees(small_book.owner, text="REWE") == ["REWE"]
    rewe = list_transactions(small_book.owner, TransactionFilter(text="REWE")).rows[0]
    assert rewe.amount_minor == -6437


def test_bulk_recategorise_selected_rows(small_book: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    table = grid(at)
    shell_rows = [i for i, p in enumerate(table["Payee"]) if p == "Shell"]
    at.session_state[GRID] = {"edited_rows": {i: {"Select": True} for i in shell_rows},
                              "added_rows": [], "deleted_rows": []}
    at.run()
    at.selectbox(key="bulk_cat").set_value(small_book.categories["Car"]).run()
    next(b for b in at.button if b.label == "Apply to 2").click().run()
    assert not at.exception
    rows = list_transactions(small_book.owner, TransactionFilter(text="Shell")).rows
    assert {r.category for r in rows} == {"Car"}


def test_bulk_delete_asks_then_deletes(small_book: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    table = grid(at)
    i = list(table["Payee"]).index("Landlord")
    at.session_state[GRID] = {"edited_rows": {i: {"Select": True}}, "added_rows": [],
                              "deleted_rows": []}
    at.run()
    next(b for b in at.button if b.label == "Delete 1").click().run()
    assert "Delete 1 transaction(s)?" in at.warning[0].value
    assert payees(small_book.owner, text="Landlord") == ["Landlord"]
    next(b for b in at.button if b.label == "Yes, delete").click().run()
    assert payees(small_book.owner, text="Landlord") == []


def test_add_a_transaction_with_the_form(small_book: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    form = {t.label: t for t in at.text_input if t.form_id == "add_tx"}
    form["Amount"].input("-3.80")
    form["Payee"].input("Café Kranzler")
    form["Tags"].input("coffee, Weekend")
    next(b for b in at.button if b.label == "Add transaction").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == md("Transaction added.")
    row = list_transactions(small_book.owner, TransactionFilter(text="Kranzler")).rows[0]
    assert (row.amount_minor, row.currency, row.tags) == (-380, "EUR", ",coffee,weekend,")


def test_adding_a_zero_amount_is_refused_with_the_field_named(small_book: SmallBook,
                                                             as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    form = {t.label: t for t in at.text_input if t.form_id == "add_tx"}
    form["Amount"].input("0")
    form["Payee"].input("Nobody")
    next(b for b in at.button if b.label == "Add transaction").click().run()
    assert at.error[0].value == md("amount: must not be zero")
    assert payees(small_book.owner, text="Nobody") == []


def test_cross_currency_transfer_shows_the_derived_rate(small_book: SmallBook,
                                                       as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    sel = [s for s in at.selectbox if s.form_id == "transfer"]
    sel[0].set_value(small_book.checking.id)
    sel[1].set_value(small_book.card.id)
    form = {t.label: t for t in at.text_input if t.form_id == "transfer"}
    form["Amount sent"].input("100")
    form["Amount received (only across currencies)"].input("108.34")
    next(b for b in at.button if b.label == "Transfer").click().run()
    assert not at.exception
    assert at.success[0].value == md("Transfer recorded. Rate: 1 EUR = 1.0834 USD.")
    legs = list_transactions(small_book.owner, TransactionFilter(
        account_ids=(small_book.card.id,), amount_min=Decimal("100"))).rows
    assert legs[0].amount_minor == 10834


def test_viewer_gets_a_read_only_table(small_book: SmallBook, as_viewer: OpenPage) -> None:
    at = as_viewer(PAGE)
    assert at.info[0].value == "You have view-only access to this book."
    assert all(d.editing_mode == "read_only" for d in at.dataframe)
    assert len(at.dataframe[0].value) == 7
    assert not [b for b in at.button if b.label in ("Add transaction", "Transfer")]


# --- an empty list (issue 7, item 5) -------------------------------------------------------


def test_a_new_empty_book_renders_and_takes_its_first_transaction(db) -> None:  # type: ignore[no-untyped-def]
    from fintrack_core.access import Scope
    from fintrack_core.ledger import accounts, books, users
    from tests.pages.conftest import log_in

    dora = users.create_user(db, "dora", "explorer-77x", "Dora", base_currency="EUR")
    scope = Scope(db, dora.id, books.list_books(db, dora.id)[0].id)
    at = log_in("dora", "explorer-77x").switch_page(PAGE).run()
    assert not at.exception, at.exception  # no account, no transaction: still a page
    accounts.create_account(scope, "Wallet", "cash", "EUR", "0", dt.date(2024, 1, 1))
    at.run()
    assert not at.exception, at.exception
    assert len(grid(at)) == 0
    assert at.caption[0].value.startswith("0 matching transactions")
    form = {t.label: t for t in at.text_input if t.form_id == "add_tx"}
    form["Amount"].input("-2.50")
    form["Payee"].input("Bakery")
    next(b for b in at.button if b.label == "Add transaction").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == md("Transaction added.")
    assert [(r.payee, r.amount_minor) for r in list_transactions(scope).rows] == [
        ("Bakery", -250)]
    assert list(grid(at)["Payee"]) == ["Bakery"]


def test_a_filter_matching_nothing_shows_an_empty_table(small_book: SmallBook,
                                                        as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    at.text_input(key="f_text").input("no such payee anywhere").run()
    assert not at.exception, at.exception
    assert len(grid(at)) == 0
    assert at.caption[0].value.startswith("0 matching transactions")


def test_saving_several_edits_with_one_bad_row_saves_none(small_book: SmallBook,
                                                          as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    payee_col = list(grid(at)["Payee"])
    at.session_state[GRID] = {"edited_rows": {
        payee_col.index("Landlord"): {"Payee": "Landlady"},
        payee_col.index("REWE"): {"Amount": "-65.001"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    next(b for b in at.button if b.label.startswith("Save 2")).click().run()
    assert "Nothing was saved" in at.error[0].value
    assert md("amount: -65.001 has more decimals than EUR allows (2)") in at.error[0].value
    assert payees(small_book.owner, text="Land") == ["Landlord"]


# --- amounts in the user's locale (issue 8) ------------------------------------------------


def _german(small_book: SmallBook) -> None:
    from fintrack_core.config import set_user_setting

    set_user_setting(small_book.owner.db, small_book.owner.user_id, "locale", "de_DE")


def test_add_takes_a_decimal_comma_in_a_german_locale(small_book: SmallBook,
                                                      as_owner: OpenPage) -> None:
    _german(small_book)
    at = as_owner(PAGE)
    form = {t.label: t for t in at.text_input if t.form_id == "add_tx"}
    form["Amount"].input("-42,50")
    form["Payee"].input("Späti")
    next(b for b in at.button if b.label == "Add transaction").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == md("Transaction added.")
    row = list_transactions(small_book.owner, TransactionFilter(text="Späti")).rows[0]
    assert row.amount_minor == -4250


def test_grid_shows_amounts_in_the_locale_and_reads_an_edit_back(small_book: SmallBook,
                                                                 as_owner: OpenPage) -> None:
    _german(small_book)
    at = as_owner(PAGE)
    table = grid(at)
    assert list(table["Amount"])[:3] == ["300,00", "-300,00", "15,00"]
    row = list(table["Payee"]).index("REWE")
    at.session_state[GRID] = {"edited_rows": {row: {"Amount": "-1.065,00"}},
                              "added_rows": [], "deleted_rows": []}
    at.run()
    next(b for b in at.button if b.label.startswith("Save")).click().run()
    assert not at.exception, at.exception
    rewe = list_transactions(small_book.owner, TransactionFilter(text="REWE")).rows[0]
    assert rewe.amount_minor == -106500


def test_a_write_that_crosses_a_budget_threshold_says_so(small_book: SmallBook,
                                                         as_owner: OpenPage) -> None:
    from fintrack_core.budgets.inbox import list_alerts
    from fintrack_core.budgets.service import BudgetInput, add_budget

    add_budget(small_book.owner, BudgetInput(small_book.categories["Groceries"], "50"))
    at = as_owner(PAGE)
    form = {t.label: t for t in at.text_input if t.form_id == "add_tx"}
    form["Amount"].input("-45.00")  # dated today, the form's default: 90 % of 50.00
    form["Payee"].input("REWE")
    next(s for s in at.selectbox if s.label == "Category" and s.form_id == "add_tx") \
        .set_value(small_book.categories["Groceries"])
    next(b for b in at.button if b.label == "Add transaction").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == md("Transaction added.")
    [alert] = list_alerts(small_book.owner)
    assert alert.message.startswith(
        "Food → Groceries: 80 % of its budget reached (€45.00 of €50.00, ")
    assert [w.value for w in at.warning] == [md(alert.message)]
