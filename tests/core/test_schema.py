"""The schema: Alembic creates exactly the models' tables, upgrading again is harmless, and
every SQLite connection enforces foreign keys with WAL and a busy timeout."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from fintrack_core.access import Scope
from fintrack_core.db.engine import Database
from fintrack_core.db.models import Base
from fintrack_core.db.schema import alembic_config, current_revision, upgrade
from fintrack_core.ledger import accounts, users
from fintrack_core.ledger.books import list_books

if TYPE_CHECKING:
    from tests.conftest import SmallBook


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Database]:
    """An empty database file that no migration has touched yet."""
    database = Database(f"sqlite:///{tmp_path / 'nested' / 'fintrack.db'}")
    yield database
    database.dispose()


def head(db: Database) -> str | None:
    return ScriptDirectory.from_config(alembic_config(db)).get_current_head()


def test_upgrade_creates_every_model_table_and_records_head(fresh: Database) -> None:
    assert current_revision(fresh) is None
    upgrade(fresh)
    tables = set(inspect(fresh.engine).get_table_names())
    assert tables == set(Base.metadata.tables) | {"alembic_version"}
    assert set(Base.metadata.tables) == {"users", "books", "memberships", "accounts",
                                         "categories", "transactions", "fx_rates",
                                         "import_batches", "import_profiles", "rules",
                                         "recovery_codes", "sign_in_throttle", "audit_log",
                                         "budgets", "budget_alerts", "recurring_decisions",
                                         "notification_settings", "notification_log",
                                         "outbox", "scheduler_lock", "assets", "trades",
                                         "prices", "account_cost_basis", "api_tokens",
                                         "idempotency_keys", "portfolio_alert_settings",
                                         "portfolio_alerts", "change_log"}
    assert current_revision(fresh) == head(fresh) == "0016"


def test_upgrade_is_idempotent_and_keeps_data(fresh: Database) -> None:
    upgrade(fresh)
    alice = users.create_user(fresh, "alice", "correct horse", base_currency="EUR")
    book = list_books(fresh, alice.id)[0]
    accounts.create_account(Scope(fresh, alice.id, book.id), "Girokonto", "checking", "EUR",
                            "1500.00", dt.date(2024, 1, 1))
    upgrade(fresh)
    upgrade(fresh)
    assert current_revision(fresh) == head(fresh)
    assert [(a.name, a.opening_balance) for a in
            accounts.list_accounts(Scope(fresh, alice.id, book.id))] == [("Girokonto", 150000)]


def test_the_migrated_schema_matches_the_models(fresh: Database) -> None:
    upgrade(fresh)
    with fresh.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True})
        assert compare_metadata(context, Base.metadata) == []


@pytest.mark.parametrize(
    ("pragma", "value"),
    [("foreign_keys", 1), ("journal_mode", "wal"), ("busy_timeout", 5000)],
)
def test_every_sqlite_connection_gets_the_pragmas(db: Database, pragma: str,
                                                  value: object) -> None:
    for _ in range(2):  # a pooled connection and a brand-new one
        with db.engine.connect() as conn:
            assert conn.execute(text(f"PRAGMA {pragma}")).scalar() == value
        db.engine.dispose()


def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), db.write() as s:
        s.execute(text("INSERT INTO accounts (book_id, name, type, currency, opening_balance, "
                       "opened_on, institution) VALUES (424242, 'Ghost', 'checking', 'EUR', 0, "
                       "'2024-01-01', '')"))


def test_zero_amounts_are_refused_by_the_database_too(small_book: SmallBook) -> None:
    sb = small_book
    with pytest.raises(IntegrityError, match="nonzero_amount"), sb.db.write() as s:
        s.execute(text("INSERT INTO transactions (book_id, account_id, date, amount_minor, "
                       "currency, payee, description, notes, tags, scheduled) VALUES "
                       f"({sb.owner.book_id}, {sb.checking.id}, '2024-03-20', 0, 'EUR', "
                       "'', '', '', '', 0)"))


def test_a_missing_parent_folder_is_created(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'a' / 'b' / 'fintrack.db'}")
    upgrade(database)
    database.dispose()
    assert (tmp_path / "a" / "b" / "fintrack.db").stat().st_size > 0


def test_upgrading_a_database_that_holds_data_keeps_it(fresh: Database) -> None:
    """Later revisions rebuild or extend tables that other rows reference (books, with
    foreign keys on): the upgrade must neither fail nor lose a row."""
    from alembic import command

    from fintrack_core.db.schema import alembic_config

    cfg = alembic_config(fresh)
    with fresh.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
    with fresh.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO books (id, name, base_currency, rule_mode) "
                             "VALUES (1, 'Home', 'EUR', 'first')")
        conn.exec_driver_sql("INSERT INTO accounts (id, book_id, name, type, currency, "
                             "opening_balance, opened_on, institution) VALUES "
                             "(1, 1, 'Giro', 'checking', 'EUR', 0, '2024-01-01', '')")
        conn.exec_driver_sql("INSERT INTO transactions (book_id, account_id, date, "
                             "amount_minor, currency, payee, description) VALUES "
                             "(1, 1, '2024-01-02', -1250, 'EUR', 'Café', '')")
    upgrade(fresh)
    assert current_revision(fresh) == head(fresh)
    with fresh.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT data_version, rewrite_version FROM books"
                                    ).fetchall() == [(0, 0)]
        assert conn.exec_driver_sql("SELECT amount_minor FROM transactions").scalar() == -1250
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


# --- the check that finds the schema current (issue 13, item 5) --------------------------


def test_the_head_read_from_the_migration_files_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    from fintrack_core.db import schema

    assert schema.head_revision() == ScriptDirectory(str(schema.MIGRATIONS)).get_current_head()


def test_a_current_schema_is_checked_without_importing_alembic(tmp_path: Path) -> None:
    """A fresh process (as every command is) finds a current database current in one query;
    Alembic is imported only when there is something to migrate."""
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'current.db'}"
    check = ("import sys; from fintrack_core.db.engine import Database; "
             "from fintrack_core.db.schema import upgrade, stored_revision, head_revision; "
             f"db = Database({url!r}); upgrade(db); "
             "print(stored_revision(db) == head_revision(), 'alembic' in sys.modules)")
    root = Path(__file__).resolve().parents[2]
    first = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True,
                           cwd=root, check=True)
    assert first.stdout.split() == ["True", "True"]  # a new database: migrated by Alembic
    again = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True,
                           cwd=root, check=True)
    assert again.stdout.split() == ["True", "False"]  # current: Alembic never imported
