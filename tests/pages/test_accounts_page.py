"""Accounts page: list with balances, create, close/reopen, delete with confirmation."""

from __future__ import annotations

from fintrack_core.ledger.accounts import list_accounts, transaction_count
from fintrack_ui.markdown import md
from tests.conftest import SmallBook
from tests.pages.conftest import OpenPage

PAGE = "pages/accounts.py"


def test_lists_accounts_with_balances(small_book: SmallBook, as_owner: OpenPage) -> None:
    table = as_owner(PAGE).dataframe[0].value
    assert list(table["Account"]) == ["Girokonto", "Tagesgeld", "US Visa"]
    assert list(table["Balance"]) == ["€2,785.63", "€5,300.00", "-$27.10"]


def test_create_an_account(small_book: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    form = {t.label: t for t in at.text_input if t.form_id == "new_account"}
    form["Name"].input("Yen wallet")
    form["Currency (ISO 4217)"].input("JPY")
    form["Opening balance"].input("12000")
    next(s for s in at.selectbox if s.form_id == "new_account").set_value("cash")
    next(b for b in at.button if b.label == "Create account").click().run()
    assert not at.exception
    assert at.success[0].value == md("Account 'Yen wallet' created.")
    yen = next(a for a in list_accounts(small_book.owner) if a.name == "Yen wallet")
    assert (yen.currency, yen.opening_balance, yen.type.value) == ("JPY", 12000, "cash")
    form = {t.label: t for t in at.text_input if t.form_id == "new_account"}
    assert (form["Name"].value, form["Opening balance"].value) == ("", "0")  # ready for the next
    assert next(s for s in at.selectbox if s.form_id == "new_account").value == "checking"


def test_bad_currency_is_named(small_book: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    form = {t.label: t for t in at.text_input if t.form_id == "new_account"}
    form["Name"].input("Broken")
    form["Currency (ISO 4217)"].input("EUX")
    next(b for b in at.button if b.label == "Create account").click().run()
    assert at.error[0].value.startswith(md("currency: unknown currency code 'EUX'"))
    assert "Broken" not in [a.name for a in list_accounts(small_book.owner)]


def test_close_and_reopen(small_book: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    at.selectbox(key="edit_account").set_value(small_book.card.id).run()
    next(b for b in at.button if b.label == "Close account").click().run()
    card = next(a for a in list_accounts(small_book.owner) if a.id == small_book.card.id)
    assert card.is_closed
    next(b for b in at.button if b.label == "Reopen account").click().run()
    card = next(a for a in list_accounts(small_book.owner) if a.id == small_book.card.id)
    assert not card.is_closed


def test_delete_says_how_many_transactions_go_and_needs_confirmation(small_book: SmallBook,
                                                                      as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    at.selectbox(key="edit_account").set_value(small_book.card.id).run()
    assert "also deletes its **2** transactions" in at.warning[0].value
    delete = next(b for b in at.button if b.label == "Delete account")
    assert delete.disabled
    at.checkbox(key=f"sure_{small_book.card.id}").check().run()
    next(b for b in at.button if b.label == "Delete account").click().run()
    assert not at.exception
    assert "US Visa" not in [a.name for a in list_accounts(small_book.owner)]
    assert transaction_count(small_book.owner, small_book.checking.id) == 4


def test_viewer_cannot_see_forms(small_book: SmallBook, as_viewer: OpenPage) -> None:
    at = as_viewer(PAGE)
    assert len(at.dataframe[0].value) == 3
    assert not at.tabs
    assert not [b for b in at.button if b.label == "Create account"]


def test_an_account_number_is_set_in_the_edit_form_and_listed(small_book: SmallBook,
                                                              as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    at.selectbox(key="edit_account").set_value(small_book.savings.id).run()
    edit = next(t for t in at.text_input
                if t.label == "Account number / IBAN" and t.form_id != "new_account")
    edit.input("DE62 3704 0044 0532 0130 01")
    next(b for b in at.button if b.label == "Save changes").click().run()
    assert not at.exception
    savings = next(a for a in list_accounts(small_book.owner) if a.id == small_book.savings.id)
    assert savings.number == "DE62 3704 0044 0532 0130 01"
    table = at.dataframe[0].value
    assert list(table["Number / IBAN"]) == ["", "DE62 3704 0044 0532 0130 01", ""]
