"""The database itself keeps a transaction's account and category in the transaction's book
(revision 0008), on SQLite and on PostgreSQL: a query bug cannot link across books."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from fintrack_core.access import Scope
from fintrack_core.db.engine import Database
from fintrack_core.ledger import accounts, books, users
from fintrack_core.ledger.categories import list_categories

INSERT = ("INSERT INTO transactions (book_id, account_id, date, amount_minor, currency, payee, "
          "description, category_id) VALUES (:book, :account, '2025-01-02', -100, 'EUR', "
          "'X', '', :category)")


def two_books(db: Database) -> tuple[Scope, Scope, int, int, int]:
    alice = users.create_user(db, "alice", "wonderland-42", base_currency="EUR")
    carol = users.create_user(db, "carol", "xmas-songs-3", acting_user_id=alice.id)
    a = Scope(db, alice.id, books.list_books(db, alice.id)[0].id)
    c = Scope(db, carol.id, books.list_books(db, carol.id)[0].id)
    a_acc = accounts.create_account(a, "Giro", "checking", "EUR", "0", dt.date(2024, 1, 1)).id
    c_acc = accounts.create_account(c, "Giro", "checking", "EUR", "0", dt.date(2024, 1, 1)).id
    c_cat = next(x.id for x in list_categories(c) if x.name == "Groceries")
    return a, c, a_acc, c_acc, c_cat


def test_a_transaction_cannot_use_another_books_account(any_db: Database) -> None:
    a, _c, _a_acc, c_acc, _c_cat = two_books(any_db)
    with pytest.raises(IntegrityError), any_db.write() as s:
        s.execute(text(INSERT), {"book": a.book_id, "account": c_acc, "category": None})


def test_a_transaction_cannot_use_another_books_category(any_db: Database) -> None:
    a, _c, a_acc, _c_acc, c_cat = two_books(any_db)
    with pytest.raises(IntegrityError), any_db.write() as s:
        s.execute(text(INSERT), {"book": a.book_id, "account": a_acc, "category": c_cat})


def test_deleting_a_category_still_uncategorises_its_transactions(any_db: Database) -> None:
    _a, c, _a_acc, c_acc, c_cat = two_books(any_db)
    with any_db.write() as s:
        s.execute(text(INSERT), {"book": c.book_id, "account": c_acc, "category": c_cat})
    with any_db.write() as s:
        s.execute(text("DELETE FROM categories WHERE id = :id"), {"id": c_cat})
    with any_db.read() as s:
        rows = s.execute(text("SELECT book_id, category_id FROM transactions")).all()
    assert [tuple(r) for r in rows] == [(c.book_id, None)]
