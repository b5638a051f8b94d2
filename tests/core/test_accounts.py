"""Accounts: create, edit, close/reopen, delete (with a confirmed count); balance = opening
balance + transactions up to the date."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from fintrack_core.db.models import AccountType, Transaction
from fintrack_core.errors import Conflict, NotFound, ValidationError
from fintrack_core.ledger import accounts
from fintrack_core.ledger import transactions as tx

if TYPE_CHECKING:
    from tests.conftest import SmallBook

JAN1 = dt.date(2024, 1, 1)


def test_create_account_stores_minor_units_in_the_account_currency(small_book: SmallBook) -> None:
    acc = accounts.create_account(small_book.owner, " Sparbuch ", "savings", "jpy", "150000",
                                  dt.date(2023, 6, 1), " Mizuho ")
    assert (acc.name, acc.type, acc.currency, acc.opening_balance) == (
        "Sparbuch", AccountType.SAVINGS, "JPY", 150000)
    assert (acc.opened_on, acc.closed_on, acc.institution) == (dt.date(2023, 6, 1), None, "Mizuho")
    assert accounts.find_account(small_book.owner, "Sparbuch") == acc


def test_fixture_accounts_hold_exact_opening_balances(small_book: SmallBook) -> None:
    assert small_book.checking.opening_balance == 150000
    assert small_book.checking.institution == "DKB"
    assert small_book.savings.opening_balance == 500000
    assert (small_book.card.currency, small_book.card.opening_balance) == ("USD", 0)


def test_a_new_account_opens_today_by_default(small_book: SmallBook) -> None:
    acc = accounts.create_account(small_book.owner, "Wallet", "cash", "EUR")
    assert acc.opened_on == dt.date.today()
    assert acc.opening_balance == 0


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("  ", "checking", "EUR", "0"), "name"),
        (("Depot", "brokerage", "EUR", "0"), "type"),
        (("Depot", "investment", "EURO", "0"), "currency"),
        (("Depot", "investment", "EUR", "10.005"), "opening_balance"),
        (("Depot", "investment", "JPY", "10.5"), "opening_balance"),
    ],
)
def test_create_account_validation_names_the_field(small_book: SmallBook,
                                                   args: tuple[str, str, str, str],
                                                   field: str) -> None:
    with pytest.raises(ValidationError) as err:
        accounts.create_account(small_book.owner, *args)
    assert err.value.field == field
    assert len(accounts.list_accounts(small_book.owner)) == 3


def test_account_names_are_unique_within_a_book_only(small_book: SmallBook) -> None:
    with pytest.raises(Conflict):
        accounts.create_account(small_book.owner, "Girokonto", "checking", "EUR")
    # Carol's book may have an account of the same name
    acc = accounts.create_account(small_book.other, "Girokonto", "checking", "GBP")
    assert acc.currency == "GBP"


def test_liability_accounts_are_credit_cards_and_loans(small_book: SmallBook) -> None:
    loan = accounts.create_account(small_book.owner, "Car loan", "loan", "EUR", "-12000")
    assert loan.opening_balance == -1200000
    assert [a.is_liability for a in (small_book.checking, small_book.card, loan)] == [
        False, True, True]


def test_update_account_edits_the_given_fields_only(small_book: SmallBook) -> None:
    edited = accounts.update_account(small_book.owner, small_book.checking.id, name="Giro (DKB)",
                                     opening_balance="1499.99", institution="DKB AG")
    assert (edited.name, edited.opening_balance, edited.institution) == (
        "Giro (DKB)", 149999, "DKB AG")
    assert (edited.type, edited.currency, edited.opened_on) == (
        AccountType.CHECKING, "EUR", JAN1)
    assert accounts.balance(small_book.owner, edited.id, dt.date(2024, 1, 1)) == 149999


def test_update_account_refuses_a_name_clash_and_bad_values(small_book: SmallBook) -> None:
    with pytest.raises(Conflict):
        accounts.update_account(small_book.owner, small_book.checking.id, name="Tagesgeld")
    with pytest.raises(ValidationError) as err:
        accounts.update_account(small_book.owner, small_book.card.id, opening_balance="1.001")
    assert err.value.field == "opening_balance"
    with pytest.raises(ValidationError) as err:
        accounts.update_account(small_book.owner, small_book.card.id, type="bank")
    assert err.value.field == "type"
    assert accounts.find_account(small_book.owner, "US Visa") == small_book.card


def test_closed_accounts_refuse_transactions_until_reopened(small_book: SmallBook) -> None:
    sb = small_book
    accounts.close_account(sb.owner, sb.savings.id, dt.date(2024, 4, 30))
    assert accounts.find_account(sb.owner, "Tagesgeld").closed_on == dt.date(2024, 4, 30)
    assert [a.name for a in accounts.list_accounts(sb.owner, include_closed=False)] == [
        "Girokonto", "US Visa"]
    assert len(accounts.list_accounts(sb.owner)) == 3
    entry = tx.TransactionInput(sb.savings.id, dt.date(2024, 4, 1), "12.40", "Bank",
                                "Interest", sb.categories["Interest"])
    with pytest.raises(ValidationError) as err:
        tx.add_transaction(sb.owner, entry)
    assert err.value.field == "account"
    accounts.reopen_account(sb.owner, sb.savings.id)
    assert accounts.find_account(sb.owner, "Tagesgeld").is_closed is False
    assert tx.add_transaction(sb.owner, entry).amount_minor == 1240


def test_an_account_cannot_close_before_it_opened(small_book: SmallBook) -> None:
    with pytest.raises(ValidationError) as err:
        accounts.close_account(small_book.owner, small_book.savings.id, dt.date(2023, 12, 31))
    assert err.value.field == "closed_on"
    assert accounts.find_account(small_book.owner, "Tagesgeld").closed_on is None


def test_deleting_an_empty_account_needs_no_confirmation(small_book: SmallBook) -> None:
    acc = accounts.create_account(small_book.owner, "Wallet", "cash", "EUR", "20")
    assert accounts.transaction_count(small_book.owner, acc.id) == 0
    assert accounts.delete_account(small_book.owner, acc.id) == 0
    with pytest.raises(NotFound):
        accounts.find_account(small_book.owner, "Wallet")


@pytest.mark.parametrize("confirm", [0, 2, 5])
def test_deleting_an_account_with_transactions_needs_the_exact_count(small_book: SmallBook,
                                                                     confirm: int) -> None:
    assert accounts.transaction_count(small_book.owner, small_book.checking.id) == 4
    with pytest.raises(Conflict, match="4 transactions"):
        accounts.delete_account(small_book.owner, small_book.checking.id,
                                confirm_transactions=confirm)
    assert accounts.transaction_count(small_book.owner, small_book.checking.id) == 4


def test_confirmed_delete_removes_the_account_and_its_transactions(small_book: SmallBook) -> None:
    sb = small_book
    assert accounts.delete_account(sb.owner, sb.checking.id, confirm_transactions=4) == 4
    assert [a.name for a in accounts.list_accounts(sb.owner)] == ["Tagesgeld", "US Visa"]
    with pytest.raises(NotFound):
        accounts.transaction_count(sb.owner, sb.checking.id)
    # the savings leg of the transfer stays, as an ordinary transaction
    with sb.db.read() as s:
        legs = s.execute(select(Transaction.account_id, Transaction.amount_minor,
                                Transaction.transfer_id)
                         .where(Transaction.book_id == sb.owner.book_id)
                         .order_by(Transaction.id)).all()
    assert [(a, m, t) for a, m, t in legs if a == sb.savings.id] == [(sb.savings.id, 30000, None)]
    assert {a for a, _, _ in legs} == {sb.savings.id, sb.card.id}


@pytest.mark.parametrize(
    ("as_of", "checking", "savings", "card"),
    [
        (dt.date(2023, 12, 31), 0, 0, 0),  # before the accounts opened
        (dt.date(2024, 1, 1), 150000, 500000, 0),  # opening day: opening balance only
        (dt.date(2024, 3, 1), 400000, 500000, 0),  # + salary 2500.00
        (dt.date(2024, 3, 4), 315000, 500000, 0),  # - rent 850.00
        (dt.date(2024, 3, 9), 308563, 500000, -4210),  # - groceries 64.37; card fuel -42.10
        (dt.date(2024, 3, 12), 308563, 500000, -2710),  # card refund +15.00
        (dt.date(2024, 3, 15), 278563, 530000, -2710),  # transfer of 300.00 to savings
        (dt.date(2030, 1, 1), 278563, 530000, -2710),
    ],
)
def test_balance_is_opening_balance_plus_transactions_up_to_the_date(
        small_book: SmallBook, as_of: dt.date, checking: int, savings: int, card: int) -> None:
    sb = small_book
    assert accounts.balances(sb.owner, as_of) == {sb.checking.id: checking,
                                                  sb.savings.id: savings, sb.card.id: card}
    assert accounts.balance(sb.owner, sb.checking.id, as_of) == checking


def test_balance_counts_a_later_opened_account_from_its_opening_date(
        small_book: SmallBook) -> None:
    acc = accounts.create_account(small_book.owner, "Bausparer", "savings", "EUR", "1000",
                                  dt.date(2024, 6, 1))
    assert accounts.balance(small_book.owner, acc.id, dt.date(2024, 5, 31)) == 0
    assert accounts.balance(small_book.owner, acc.id, dt.date(2024, 6, 1)) == 100000


def test_balances_default_to_today(small_book: SmallBook) -> None:
    assert accounts.balance(small_book.owner, small_book.checking.id) == 278563


def test_balance_of_another_books_account_is_not_found(small_book: SmallBook) -> None:
    with pytest.raises(NotFound):
        accounts.balance(small_book.owner, small_book.carol_account.id)
    assert small_book.carol_account.id not in accounts.balances(small_book.owner)


def _balances_by_hand(sb: SmallBook, as_of: dt.date) -> dict[int, int]:
    """Independent of any SQL aggregate: every live row of the book added up in Python."""
    from fintrack_core.db.models import Account

    with sb.db.read() as s:
        opening = {a.id: (a.opening_balance if a.opened_on is not None and a.opened_on <= as_of
                          else 0)
                   for a in s.scalars(select(Account).where(Account.book_id == sb.owner.book_id))}
        for t in s.scalars(select(Transaction).where(Transaction.book_id == sb.owner.book_id,
                                                     Transaction.date <= as_of)):
            opening[t.account_id] += t.amount_minor
    return opening


def test_balances_from_the_copy_stay_exact_to_the_cent_through_writes(
        small_book: SmallBook, today: dt.date) -> None:
    """Balances are summed on the report copy; after adds (one of a large and one of a tiny
    amount), an edit, a delete and a new account, every day's balances equal the rows added
    up by hand, to the minor unit."""
    sb = small_book
    days = [dt.date(2024, 2, 29), dt.date(2024, 3, 9), dt.date(2024, 3, 15), today]
    big = tx.add_transaction(sb.owner, tx.TransactionInput(
        sb.checking.id, dt.date(2024, 3, 9), "-999999999999.99", "Huge"))
    tx.add_transaction(sb.owner, tx.TransactionInput(sb.card.id, dt.date(2024, 3, 9), "0.01",
                                                     "Cent"))
    for day in days:
        assert accounts.balances(sb.owner, day) == _balances_by_hand(sb, day), day
    tx.update_transaction(sb.owner, big.id, amount="-0.03")
    accounts.create_account(sb.owner, "Later", "cash", "EUR", "12.34", dt.date(2024, 3, 10))
    for day in days:
        assert accounts.balances(sb.owner, day) == _balances_by_hand(sb, day), day
    tx.delete_transaction(sb.owner, big.id)
    for day in days:
        assert accounts.balances(sb.owner, day) == _balances_by_hand(sb, day), day
