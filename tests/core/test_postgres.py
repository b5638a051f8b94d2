"""The same migrations and the core services on a real PostgreSQL server (design rule 6).

Skipped only where no PostgreSQL binaries exist and FINTRACK_REQUIRE_POSTGRES is not 1 (CI
sets it, after installing Debian's postgresql).
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from fintrack_core.access import Scope
from fintrack_core.db.engine import Database
from fintrack_core.db.models import Base
from fintrack_core.db.schema import current_revision
from fintrack_core.errors import NotFound, PermissionDenied
from fintrack_core.filters import TransactionFilter
from fintrack_core.ledger import accounts, books, users
from fintrack_core.ledger import transactions as tx
from fintrack_core.ledger.overview import overview
from fintrack_core.ledger.search import list_transactions

pytestmark = pytest.mark.postgres


def test_migrations_create_the_schema_on_postgresql(pg: Database) -> None:
    assert current_revision(pg) is not None
    with pg.engine.connect() as conn:
        tables = set(conn.execute(text(
            "SELECT table_name FROM information_schema.tables WHERE table_schema='public'"
        )).scalars())
    assert set(Base.metadata.tables) <= tables


def test_ledger_services_behave_the_same_on_postgresql(pg: Database) -> None:
    alice = users.create_user(pg, "alice", "wonderland-42", base_currency="EUR")
    carol = users.create_user(pg, "carol", "xmas-songs-3", acting_user_id=alice.id)
    scope = Scope(pg, alice.id, books.list_books(pg, alice.id)[0].id)
    other = Scope(pg, carol.id, books.list_books(pg, carol.id)[0].id)
    giro = accounts.create_account(scope, "Giro", "checking", "EUR", "100.00",
                                   dt.date(2024, 1, 1))
    usd = accounts.create_account(scope, "USD", "checking", "USD", "0", dt.date(2024, 1, 1))
    tx.add_transaction(scope, tx.TransactionInput(giro.id, dt.date(2024, 2, 1), "-12.34",
                                                  "Bäckerei", tags=["food"]))
    tr = tx.transfer(scope, giro.id, usd.id, "50", dt.date(2024, 2, 2), received="54.17")
    assert str(tr.rate) == "1.0834"
    assert accounts.balances(scope) == {giro.id: 10000 - 1234 - 5000, usd.id: 5417}
    page = list_transactions(scope, TransactionFilter(tags=("food",)))
    assert [r.payee for r in page.rows] == ["Bäckerei"]
    assert overview(scope).unconverted[0].account.name == "USD"
    with pytest.raises(PermissionDenied):
        accounts.list_accounts(Scope(pg, carol.id, scope.book_id))
    with pytest.raises(NotFound):
        tx.add_transaction(other, tx.TransactionInput(giro.id, dt.date(2024, 2, 1), "-1"))


def test_demo_data_loads_on_postgresql(pg: Database) -> None:
    from fintrack_core.demo import create_demo

    result = create_demo(pg, transactions=3000, end=dt.date(2026, 6, 30))
    with pg.engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM transactions")).scalar_one()
        trades = conn.execute(text("SELECT count(*) FROM trades WHERE cash_minor <> 0")
                              ).scalar_one()
    # The generated rows, plus the cash legs the demo portfolio's trades write themselves.
    assert count == result.transactions + trades
    assert abs(result.transactions - 3000) <= 60


def test_the_audit_log_is_append_only_on_postgresql(pg: Database) -> None:
    """Migration 0007's trigger refuses UPDATE, DELETE and TRUNCATE; the logged action and its
    row commit together, and the readers work on PostgreSQL too."""
    from sqlalchemy.exc import DBAPIError

    from fintrack_core import audit

    alice = users.create_user(pg, "alice", "wonderland-42", base_currency="EUR")
    users.create_user(pg, "bob", "builder-jobs1", acting_user_id=alice.id)
    scope = Scope(pg, alice.id, books.list_books(pg, alice.id)[0].id, origin="web 192.0.2.1")
    books.share_book(scope, "bob", "viewer")
    page = audit.book_audit(scope)
    assert [(e.action, e.actor_name, e.origin) for e in page.entries] == [
        ("book.share", "alice", "web 192.0.2.1")]
    for statement in ("UPDATE audit_log SET actor_name = 'x'", "DELETE FROM audit_log",
                      "TRUNCATE audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), pg.write() as s:
            s.execute(text(statement))
    assert audit.all_audit(pg, alice.id).total == 1
