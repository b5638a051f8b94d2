"""A small book on any database, and the report copy's tables as plain rows, for the tests
that check the copy follows edits (test_copy_changes.py, test_copy_property.py).

Each call makes a new user with a book of their own, so one database can hold many books
(a Hypothesis example each) without being reset.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from sqlalchemy import select

from fintrack_core.access import Scope
from fintrack_core.db.engine import Database
from fintrack_core.db.models import User
from fintrack_core.ledger import accounts, books, users
from fintrack_core.ledger import transactions as tx
from fintrack_core.ledger.categories import list_categories
from fintrack_core.ledger.fx import set_rate
from fintrack_core.reports.store import ReportStore, report_store

COPY_TABLES = ("tx", "accounts", "categories", "category_ancestors", "rates")
_users = itertools.count(1)


@dataclass(frozen=True)
class CopyBook:
    owner: Scope
    accounts: dict[str, int]  # Girokonto (EUR), Savings (EUR), Card (USD)
    categories: dict[str, int]


def make_book(db: Database) -> CopyBook:
    """A EUR book: three accounts, five categorised transactions, a transfer, a USD rate."""
    with db.read() as s:
        admin = s.scalar(select(User.id).where(User.is_admin.is_(True)).limit(1))
    alice = users.create_user(db, f"alice{next(_users)}", "wonderland-42", "Alice",
                              base_currency="EUR", acting_user_id=admin)
    owner = Scope(db, alice.id, books.list_books(db, alice.id)[0].id)
    start = dt.date(2024, 1, 1)
    ids = {name: accounts.create_account(owner, name, kind, ccy, "100.00", start).id
           for name, kind, ccy in (("Girokonto", "checking", "EUR"),
                                   ("Savings", "savings", "EUR"),
                                   ("Card", "credit_card", "USD"))}
    cats = {c.name: c.id for c in list_categories(owner)}
    for account, day, amount, payee, category in (
            ("Girokonto", 1, "2500.00", "ACME GmbH", "Salary"),
            ("Girokonto", 2, "-850.00", "Landlord", "Rent"),
            ("Girokonto", 5, "-64.37", "REWE", "Groceries"),
            ("Card", 9, "-42.10", "Shell", "Fuel"),
            ("Card", 12, "15.00", "Shell", "Fuel")):
        tx.add_transaction(owner, tx.TransactionInput(
            ids[account], dt.date(2024, 3, day), amount, payee, category_id=cats[category]))
    tx.transfer(owner, ids["Girokonto"], ids["Savings"], "300", dt.date(2024, 3, 15))
    set_rate(owner, "EUR", "USD", start, "1.10")
    return CopyBook(owner, ids, cats)


def copy_tables(store: ReportStore, scope: Scope) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table of the book's copy, in a fixed order."""
    return {name: [tuple(r) for r in store.rows(scope, f"SELECT * FROM {name} "
                                                        "ORDER BY ALL")]
            for name in COPY_TABLES}


def fresh_tables(scope: Scope) -> dict[str, list[tuple[object, ...]]]:
    """The same from a copy built from scratch now (a store of its own, which neither
    reads nor saves a copy on disk)."""
    return copy_tables(ReportStore(scope.db, saved_copies=False), scope)


def current_tables(scope: Scope) -> dict[str, list[tuple[object, ...]]]:
    """The same from the process's store, brought up to date the usual way."""
    return copy_tables(report_store(scope.db), scope)
