"""Storing a generated demo book: the demo user, their book, accounts, rates and rows.

Why apart from the generator: loading is about the database — one transaction, the driver's
bulk path (sqlite3 ``executemany``, psycopg ``COPY``), undoing the new user when the fill
fails — and is measured separately (benchmarks/bench_demo.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import repeat
from typing import Any, cast

import numpy as np
from sqlalchemy import Connection, Table, delete, func, insert, select, update
from sqlalchemy.orm import Session

from fintrack_core.db.change_log_models import ChangeLogEntry
from fintrack_core.db.engine import Database
from fintrack_core.db.models import (
    Account,
    Book,
    Budget,
    BudgetAlert,
    Category,
    FxRate,
    Membership,
    Transaction,
    User,
)
from fintrack_core.db.portfolio_models import AccountCostBasis, Asset, Price, Trade
from fintrack_core.demo.budgets import add_demo_budgets
from fintrack_core.demo.generate import DemoData, check_count, generate, span_start
from fintrack_core.demo.household import ACCOUNTS, KEYS
from fintrack_core.demo.portfolio import add_demo_portfolio
from fintrack_core.errors import Conflict, ValidationError
from fintrack_core.ledger.books import list_books
from fintrack_core.ledger.users import create_user

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "explore-fintrack"  # noqa: S105 - published on the login page on purpose
CHUNK_ROWS = 50_000
# Insert with the driver's bulk path (sqlite3 executemany, psycopg COPY) rather than SQLAlchemy
# Core; see ``_insert``. The benchmark turns it off to compare.
RAW_INSERT = True
SQLITE_CACHE_KIB = 262_144  # insert page cache: 10M rows 136 s -> 104 s (1 GiB: 98 s)


@dataclass(frozen=True)
class DemoResult:
    user_id: int
    book_id: int
    transactions: int  # generated ledger rows (the trades' cash legs come on top)
    trades: int = 0  # of the demo portfolio



def create_demo(db: Database, transactions: int = 10_000, *, seed: int = 42,
                end: dt.date | None = None, username: str = DEMO_USERNAME,
                password: str = DEMO_PASSWORD,
                progress: Callable[[int, int], None] | None = None) -> DemoResult:
    """Create the demo user and fill their own EUR book with about two years of data.

    The demo user is never an administrator (its password is published): on a fresh install
    it is created without an actor and the first-run screen still offers to create the
    administrator; otherwise an existing administrator is the acting user. Accounts, FX rates
    and transactions are then written in one database transaction; if that fails the new user
    and book are removed again, so a retry is not refused as a duplicate.
    ``progress(done, total)`` is called once before the first chunk and after every chunk of
    rows inserted.
    """
    end = end or dt.date.today()
    if end > dt.date.today():
        raise ValidationError("end", f"{end} is in the future; demo data ends today at the latest")
    if seed < 0:
        raise ValidationError("seed", "must be zero or a positive integer")
    check_count(transactions)
    name = (username or "").strip()
    with db.read() as s:
        if s.scalar(select(User.id).where(func.lower(User.username) == name.lower())):
            raise Conflict(f"a user named {name!r} already exists; delete it or choose another "
                           "username for the demo")
        admin_id = s.scalar(select(User.id).where(User.is_admin.is_(True)).order_by(User.id)
                            .limit(1))
    user = create_user(db, name, password, "Demo", base_currency="EUR", acting_user_id=admin_id,
                       never_admin=True)
    book_id = list_books(db, user.id)[0].id
    try:
        data = generate(transactions, seed=seed, end=end, salt=book_id)
        with db.write() as s:
            _store(s, book_id, data, progress)
        add_demo_budgets(db, user.id, book_id, end)
        trades = add_demo_portfolio(db, user.id, book_id, span_start(end), end)
    except BaseException:
        _remove_user(db, user.id, book_id)
        raise
    return DemoResult(user.id, book_id, len(data), trades)


_COLUMNS = ("book_id", "account_id", "date", "amount_minor", "currency", "payee", "description",
            "category_id", "tags", "transfer_id")
_CONSTANTS = {"notes": "", "scheduled": False, "import_batch_id": None, "fingerprint": None}
_SQLITE_INSERT = ("INSERT INTO transactions (book_id, account_id, date, amount_minor, currency, "
                  "payee, description, category_id, tags, transfer_id, notes, scheduled, "
                  "import_batch_id, fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', 0, "
                  "NULL, NULL)")
_PG_COPY = (f"COPY transactions ({', '.join(_COLUMNS)}, {', '.join(_CONSTANTS)}) "
            "FROM STDIN")


def _store(s: Session, book_id: int, data: DemoData,
           progress: Callable[[int, int], None] | None) -> None:
    """Accounts, FX rates and transactions of ``data`` in the session's one transaction."""
    accounts = [Account(book_id=book_id, name=n, type=t, currency=c, institution=inst,
                        opening_balance=data.openings[k], opened_on=data.start)
                for k, (n, t, c, _, inst) in ACCOUNTS.items()]
    s.add_all(accounts)
    s.flush()
    by_name = dict(s.execute(select(Category.name, Category.id)
                             .where(Category.book_id == book_id)).all())
    missing = sorted(set(data.categories) - set(by_name))
    if missing:
        raise LookupError(f"the default category tree lacks {missing}; "
                          "update fintrack_core/demo/household.py")
    conn = s.connection()
    conn.execute(insert(cast(Table, FxRate.__table__)), [
        {"book_id": book_id, "base": "EUR", "quote": "USD", "date": d, "rate": r,
         "source": "manual"} for d, r in data.rates])

    path = {"pysqlite": "sqlite", "psycopg": "copy"}.get(conn.dialect.driver, "core")
    path = path if RAW_INSERT else "core"
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:  # a bigger page cache while the indexes grow; given back to the app afterwards
        cache = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
        conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    try:
        acc_ids = [a.id for a in accounts]
        for cols in _chunks(book_id, data, acc_ids, by_name, path == "sqlite", progress):
            _insert(conn, path, cols)
    finally:
        if sqlite:
            conn.exec_driver_sql(f"PRAGMA cache_size={cache}")


def _chunks(book_id: int, data: DemoData, acc_ids: list[int], category_ids: dict[str, int],
            iso_dates: bool, progress: Callable[[int, int], None] | None,
            ) -> Iterator[tuple[Iterable[object], ...]]:
    """Columns of ``CHUNK_ROWS`` rows as Python values (rows exist as objects only here).

    ``progress`` runs when the caller asks for the next chunk, i.e. after it stored this one.
    """
    # numpy ``take`` maps index columns to values; index -1 hits the trailing None.
    accs = np.array(acc_ids, object)
    currencies = np.array([ACCOUNTS[k][2] for k in KEYS], object)
    cats = np.array([*(category_ids[c] for c in data.categories), None], object)
    texts = np.array(data.texts, object)
    tids = np.array([*data.transfer_ids, None], object)
    days = np.datetime64(data.start, "D") + np.arange((data.end - data.start).days + 1)
    dates = np.datetime_as_string(days).astype(object) if iso_dates else days.astype(object)
    total = len(data)
    if progress:
        progress(0, total)
    for lo in range(0, total, CHUNK_ROWS):
        sl = slice(lo, min(lo + CHUNK_ROWS, total))
        acc = data.account[sl]
        yield (repeat(book_id), accs[acc].tolist(), dates[data.day[sl]].tolist(),
               data.amount[sl].tolist(), currencies[acc].tolist(),
               texts[data.payee[sl]].tolist(), texts[data.description[sl]].tolist(),
               cats[data.category[sl]].tolist(), texts[data.tags[sl]].tolist(),
               tids[data.transfer[sl]].tolist())
        if progress:
            progress(sl.stop, total)


def _insert(conn: Connection, path: str, cols: tuple[Iterable[object], ...]) -> None:
    """One chunk by the fastest route the driver offers, inside the connection's transaction.

    Measured with benchmarks/bench_demo.py (1M rows): sqlite3 ``executemany`` 7.2 s against
    15.2 s for SQLAlchemy Core on SQLite; psycopg COPY 17.9 s against 41.8 s on PostgreSQL.
    """
    driver: Any = conn.connection.driver_connection
    if path == "sqlite":
        cursor = driver.cursor()
        cursor.executemany(_SQLITE_INSERT, zip(*cols, strict=False))
        cursor.close()
    elif path == "copy":
        constants = (repeat(v) for v in _CONSTANTS.values())
        with driver.cursor() as cursor, cursor.copy(_PG_COPY) as copy:
            for row in zip(*cols, *constants, strict=False):
                copy.write_row(row)
    else:
        conn.execute(insert(cast(Table, Transaction.__table__)),
                     [dict(zip(_COLUMNS, row, strict=True), **_CONSTANTS)
                      for row in zip(*cols, strict=False)])


def _remove_user(db: Database, user_id: int, book_id: int) -> None:
    """Undo ``create_user`` after a failed fill (the fill itself was rolled back)."""
    with db.write() as s:
        s.execute(update(Category).where(Category.book_id == book_id).values(parent_id=None))
        s.execute(delete(Price).where(Price.book_id == book_id))
        for model in (BudgetAlert, Budget, Trade, AccountCostBasis, Asset, Transaction, FxRate,
                      Account, Category, Membership):
            s.execute(delete(model).where(model.book_id == book_id))
        s.execute(delete(Book).where(Book.id == book_id))
        s.execute(delete(User).where(User.id == user_id))
        # What those deletes logged for the report copies: a book that never was has no copy.
        s.execute(delete(ChangeLogEntry).where(ChangeLogEntry.book_id == book_id))
