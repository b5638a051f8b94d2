"""Shared fixtures: a real SQLite file per test, and small realistic books built through the
same service functions the app uses."""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import text

from fintrack_core.access import Scope
from fintrack_core.db.engine import Database
from fintrack_core.db.models import Role
from fintrack_core.db.schema import upgrade
from fintrack_core.ledger import accounts, books, users
from fintrack_core.ledger import transactions as tx
from fintrack_core.ledger.categories import list_categories
from fintrack_core.ledger.fx import set_rate
from fintrack_core.reports.store import forget_report_store
from tests.postgres_server import postgres_url

# Saved report copies (``reports.copy_file``): one temporary folder for the session (a folder
# per database inside), never the home folder the PostgreSQL tests' copies would go to.
os.environ.setdefault("FINTRACK_COPY_DIR", tempfile.mkdtemp(prefix="fintrack-copies-"))


@pytest.fixture(autouse=True)
def _logging_as_before() -> Iterator[None]:
    """FinTrack's loggers as they were before the test: an API app made in a test puts its
    JSON handler on them (``fintrack_api.logs``), and a later test in the same worker (a
    command whose stderr must be one line) would otherwise get its lines too."""
    loggers = [logging.getLogger(name) for name in ("fintrack", "fintrack_core")]
    saved = [(list(logger.handlers), logger.level) for logger in loggers]
    yield
    for logger, (handlers, level) in zip(loggers, saved, strict=True):
        logger.handlers[:] = handlers
        logger.setLevel(level)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """One throwaway PostgreSQL server for the whole test session (see postgres_server)."""
    with postgres_url() as url:
        if url is None:
            if os.environ.get("FINTRACK_REQUIRE_POSTGRES") == "1":
                pytest.fail("FINTRACK_REQUIRE_POSTGRES=1 but no PostgreSQL server is available")
            pytest.skip("no PostgreSQL binaries (apt-get install postgresql)")
        yield url


@pytest.fixture
def pg(pg_server: str) -> Iterator[Database]:
    """A migrated, empty database on the session's PostgreSQL server."""
    db = Database(pg_server)
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(db)
    forget_report_store(db)  # the same URL as the last test's: its copy is not this one's
    yield db
    db.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """The test runs twice: on a SQLite file and on the PostgreSQL server (``pg``)."""
    if request.param == "postgresql":
        yield request.getfixturevalue("pg")
        return
    db = Database(f"sqlite:///{tmp_path / 'fintrack.db'}")
    upgrade(db)
    yield db
    db.dispose()


# Days on which date arithmetic breaks first: a month end, a year end and the day after, and
# a leap day. Tests that depend on "today" take ``today`` and run once on each of them.
CRITICAL_DAYS = (dt.date(2026, 11, 30), dt.date(2026, 12, 31), dt.date(2027, 1, 1),
                 dt.date(2028, 2, 29), dt.date(2028, 3, 1))


def noon_of(day: dt.date) -> time_machine.travel:
    """The clock at noon (UTC) on ``day``, still ticking, so timings and timeouts work."""
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC),
                               tick=True)


def clock_kept_on(day: dt.date) -> Callable[[], Iterator[None]]:
    """An autouse fixture for a module that read ``day`` as "today" when it loaded (in
    parameters or expected values): the clock stays on that day (from noon, ticking), so a
    run that crosses midnight cannot move "today" under its tests. Assign it to a name in
    the module: ``_clock = clock_kept_on(TODAY)``."""

    @pytest.fixture(autouse=True)
    def _the_clock_stays_on_the_day_the_module_read() -> Iterator[None]:
        with noon_of(day):
            yield

    return _the_clock_stays_on_the_day_the_module_read


@pytest.fixture(params=CRITICAL_DAYS, ids=[d.isoformat() for d in CRITICAL_DAYS])
def today(request: pytest.FixtureRequest) -> Iterator[dt.date]:
    """Freeze the clock at noon on one of ``CRITICAL_DAYS`` (the clock still ticks, so
    timings and timeouts work); yields that day."""
    day: dt.date = request.param
    with noon_of(day):
        yield day


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """A migrated SQLite database in a real file."""
    database = Database(f"sqlite:///{tmp_path / 'fintrack.db'}")
    upgrade(database)
    yield database
    database.dispose()


@dataclass
class SmallBook:
    """Alice owns a EUR book with a checking, a USD card and savings; Bob is a viewer in it;
    Carol has a book of her own."""

    db: Database
    owner: Scope
    viewer: Scope
    other: Scope  # Carol in her own book
    checking: accounts.AccountView
    savings: accounts.AccountView
    card: accounts.AccountView
    carol_account: accounts.AccountView
    categories: dict[str, int]


def category_ids(scope: Scope) -> dict[str, int]:
    return {c.name: c.id for c in list_categories(scope)}


@pytest.fixture
def small_book(db: Database) -> SmallBook:
    alice = users.create_user(db, "alice", "wonderland-42", "Alice", base_currency="EUR")
    bob = users.create_user(db, "bob", "builder-jobs1", "Bob", acting_user_id=alice.id)
    carol = users.create_user(db, "carol", "xmas-songs-3", "Carol", acting_user_id=alice.id)
    book = books.list_books(db, alice.id)[0]
    owner = Scope(db, alice.id, book.id)
    books.share_book(owner, "bob", Role.VIEWER)
    viewer = Scope(db, bob.id, book.id)
    other = Scope(db, carol.id, books.list_books(db, carol.id)[0].id)
    start = dt.date(2024, 1, 1)
    checking = accounts.create_account(owner, "Girokonto", "checking", "EUR", "1500.00", start,
                                       "DKB")
    savings = accounts.create_account(owner, "Tagesgeld", "savings", "EUR", "5000", start)
    card = accounts.create_account(owner, "US Visa", "credit_card", "USD", "0", start)
    carol_acc = accounts.create_account(other, "Carol checking", "checking", "GBP", "10", start)
    cats = category_ids(owner)
    add = tx.add_transaction
    add(owner, tx.TransactionInput(checking.id, dt.date(2024, 3, 1), "2500.00", "ACME GmbH",
                                   "Salary March", cats["Salary"]))
    add(owner, tx.TransactionInput(checking.id, dt.date(2024, 3, 2), "-850.00", "Landlord",
                                   "Rent", cats["Rent"], tags=["home"]))
    add(owner, tx.TransactionInput(checking.id, dt.date(2024, 3, 5), "-64.37", "REWE",
                                   "Groceries", cats["Groceries"], tags=["food", "weekly"]))
    add(owner, tx.TransactionInput(card.id, dt.date(2024, 3, 9), "-42.10", "Shell",
                                   "Fuel", cats["Fuel"], tags=["car"]))
    add(owner, tx.TransactionInput(card.id, dt.date(2024, 3, 12), "15.00", "Shell",
                                   "Refund", cats["Fuel"]))
    tx.transfer(owner, checking.id, savings.id, "300", dt.date(2024, 3, 15),
                description="Monthly saving")
    tx.add_transaction(other, tx.TransactionInput(carol_acc.id, dt.date(2024, 3, 3), "-5.00",
                                                  "Tesco", "Carol's groceries"))
    set_rate(owner, "EUR", "USD", dt.date(2024, 1, 1), "1.10")
    return SmallBook(db, owner, viewer, other, checking, savings, card, carol_acc, cats)
