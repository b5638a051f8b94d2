"""Which accounts the Import page offers: those of the user's last import in the book
(``fintrack_core.imports.history``), and none before a first import."""

from __future__ import annotations

import datetime as dt

from fintrack_core.access import Scope
from fintrack_core.db.models import Role
from fintrack_core.imports.history import last_import_accounts
from fintrack_core.imports.service import import_statement, undo_batch
from fintrack_core.ledger import accounts, books
from tests.conftest import SmallBook

STATEMENT = b"Date,Description,Amount\n2024-04-02,Bakery,-4.10\n"
TWO_CURRENCIES = (b"Date,Description,Amount,Currency\n2024-04-02,Bakery,-4.10,EUR\n"
                  b"2024-04-03,Diner,-9.00,USD\n")


def test_nothing_is_suggested_before_a_first_import(small_book: SmallBook) -> None:
    assert last_import_accounts(small_book.owner) == []


def test_the_account_of_the_last_import_is_suggested(small_book: SmallBook) -> None:
    import_statement(small_book.owner, STATEMENT, "a.csv", [small_book.savings.id])
    import_statement(small_book.owner, STATEMENT, "b.csv", [small_book.checking.id])

    assert last_import_accounts(small_book.owner) == [small_book.checking.id]


def test_a_multi_currency_import_suggests_all_its_accounts(small_book: SmallBook) -> None:
    import_statement(small_book.owner, TWO_CURRENCIES, "multi.csv",
                     [small_book.checking.id, small_book.card.id])

    assert last_import_accounts(small_book.owner) == sorted(
        [small_book.checking.id, small_book.card.id])


def test_another_members_imports_and_undone_imports_suggest_nothing(
        small_book: SmallBook) -> None:
    books.share_book(small_book.owner, "carol", Role.EDITOR)
    carol_here = Scope(small_book.db, small_book.other.user_id, small_book.owner.book_id)
    batch = import_statement(small_book.owner, STATEMENT, "a.csv", [small_book.checking.id])

    assert last_import_accounts(carol_here) == []
    undo_batch(small_book.owner, batch.batch_id or 0)
    assert last_import_accounts(small_book.owner) == []


def test_a_closed_account_is_not_suggested(small_book: SmallBook) -> None:
    import_statement(small_book.owner, STATEMENT, "a.csv", [small_book.savings.id])
    accounts.close_account(small_book.owner, small_book.savings.id, dt.date(2024, 5, 1))

    assert last_import_accounts(small_book.owner) == []
