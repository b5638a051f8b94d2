"""A small hand-written book for checking every report to the cent.

EUR book. Accounts: Girokonto (EUR checking), Visa (EUR credit card), Savings (EUR),
US Checking (USD). FX: 1 EUR = 1.10 USD from 2024-01-01, 1.20 from 2024-03-01 (so USD->EUR
multiplies by 1/1.10 in Jan-Feb, 1/1.20 from March). Three months, Jan-Mar 2024, with salary,
rent, groceries (sub-category), restaurants, fuel under Transportation → Car → Fuel, a refund
in an expense category, a transfer to savings, a card payment (transfer), a USD expense and a
cross-currency transfer. ``LEDGER`` lists every transaction so tests can compute expectations
independently with plain Python and Decimal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from fintrack_core.access import Scope
from fintrack_core.db.engine import Database
from fintrack_core.ledger import accounts, books, users
from fintrack_core.ledger import transactions as tx
from fintrack_core.ledger.categories import list_categories
from fintrack_core.ledger.fx import set_rate

D = dt.date

# (account, date, amount, payee, category name or None, tags)
LEDGER: list[tuple[str, dt.date, str, str, str | None, tuple[str, ...]]] = [
    ("Girokonto", D(2024, 1, 1), "3000.00", "ACME GmbH", "Salary", ()),
    ("Girokonto", D(2024, 1, 2), "-1000.00", "Landlord", "Rent", ("home",)),
    ("Girokonto", D(2024, 1, 6), "-82.40", "REWE", "Groceries", ("food",)),
    ("Visa", D(2024, 1, 12), "-45.90", "Trattoria", "Restaurants", ("food",)),
    ("Visa", D(2024, 1, 20), "-60.00", "Shell", "Fuel", ("car",)),
    ("US Checking", D(2024, 1, 25), "-55.00", "Diner NYC", "Restaurants", ("travel",)),
    ("Girokonto", D(2024, 2, 1), "3000.00", "ACME GmbH", "Salary", ()),
    ("Girokonto", D(2024, 2, 2), "-1000.00", "Landlord", "Rent", ("home",)),
    ("Girokonto", D(2024, 2, 10), "-120.35", "EDEKA", "Groceries", ("food",)),
    ("Visa", D(2024, 2, 14), "-89.00", "Trattoria", "Restaurants", ("food",)),
    ("Visa", D(2024, 2, 16), "25.00", "Shell", "Fuel", ()),  # refund: lowers expenses
    ("Girokonto", D(2024, 2, 28), "150.00", "Tax office", "Other income", ()),
    ("Girokonto", D(2024, 3, 1), "3200.00", "ACME GmbH", "Salary", ()),
    ("Girokonto", D(2024, 3, 2), "-1000.00", "Landlord", "Rent", ("home",)),
    ("Girokonto", D(2024, 3, 9), "-99.99", "REWE", "Groceries", ("food",)),
    ("Visa", D(2024, 3, 15), "-74.50", "Shell", "Fuel", ("car",)),
    ("US Checking", D(2024, 3, 18), "-120.00", "Whole Foods", "Groceries", ("travel",)),
    ("Girokonto", D(2024, 3, 20), "-19.99", "Netflix", None, ()),  # uncategorised
]
# (from, to, amount sent, received or None, date, description)
TRANSFERS = [
    ("Girokonto", "Savings", "500.00", None, D(2024, 1, 28), "Monthly saving"),
    ("Girokonto", "Visa", "105.90", None, D(2024, 2, 5), "Card payment"),
    ("Girokonto", "US Checking", "200.00", "216.00", D(2024, 2, 20), "Top up USD"),
    ("Girokonto", "Savings", "500.00", None, D(2024, 3, 28), "Monthly saving"),
]
OPENING = {"Girokonto": "1000.00", "Visa": "0", "Savings": "2000.00", "US Checking": "100.00"}
TYPES = {"Girokonto": ("checking", "EUR"), "Visa": ("credit_card", "EUR"),
         "Savings": ("savings", "EUR"), "US Checking": ("checking", "USD")}
RATES = [(D(2024, 1, 1), "1.10"), (D(2024, 3, 1), "1.20")]  # 1 EUR = x USD


@dataclass
class ReportBook:
    db: Database
    owner: Scope
    viewer: Scope
    stranger: Scope
    accounts: dict[str, int]
    categories: dict[str, int]


@pytest.fixture
def report_book(db: Database) -> ReportBook:
    alice = users.create_user(db, "alice", "wonderland-42", "Alice", base_currency="EUR")
    bob = users.create_user(db, "bob", "builder-jobs1", "Bob", acting_user_id=alice.id)
    owner = Scope(db, alice.id, books.list_books(db, alice.id)[0].id)
    books.share_book(owner, "bob", "viewer")
    viewer = Scope(db, bob.id, owner.book_id)
    stranger = Scope(db, bob.id, books.list_books(db, bob.id)[0].id if books.list_books(
        db, bob.id)[0].id != owner.book_id else books.list_books(db, bob.id)[1].id)
    ids = {}
    for name, (kind, ccy) in TYPES.items():
        ids[name] = accounts.create_account(owner, name, kind, ccy, OPENING[name],
                                            D(2023, 12, 31)).id
    cats = {c.name: c.id for c in list_categories(owner)}
    for acc, date, amount, payee, cat, tags in LEDGER:
        tx.add_transaction(owner, tx.TransactionInput(
            ids[acc], date, amount, payee, category_id=cats[cat] if cat else None,
            tags=list(tags)))
    for src, dst, sent, got, date, desc in TRANSFERS:
        tx.transfer(owner, ids[src], ids[dst], sent, date, received=got, description=desc)
    for day, rate in RATES:
        set_rate(owner, "EUR", "USD", day, rate)
    return ReportBook(db, owner, viewer, stranger, ids, cats)
