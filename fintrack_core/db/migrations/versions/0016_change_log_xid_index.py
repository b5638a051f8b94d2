"""change_log: an index on xid, PostgreSQL only (the report copy's catch-up read)

Revision ID: 0016
Revises: 0015

What reads ``xid`` (``fintrack_core.reports.changes``): on PostgreSQL each catch-up window is
``seq > last AND seq <= top OR xid >= xmin`` (``_window``), under
``book_id = ? OR book_id IS NULL`` for the entries and ``book_id = ?`` for the rows they
name; ``prune`` deletes ``seq <= ? AND xid < xmin``. The ``seq`` arm has the primary key, but
without an index on ``xid`` the ``OR`` leaves PostgreSQL no index for the other arm, so every
catch-up of every copy scanned the whole log (up to 2 x ``KEEP_ENTRIES`` rows). A plain
B-tree on ``xid`` lets it combine both arms (a BitmapOr of the primary key's range and this
index's ``xid >= xmin``) and then filter the book; it serves the prune's ``xid < xmin`` too.
Not ``(book_id, xid)``: the entries' predicate also takes ``book_id IS NULL`` rows, and the
``xid`` arm is the one without a bound on the book.

Why PostgreSQL only: SQLite never writes ``xid`` (its triggers leave it NULL) and never
filters on it (one writer, commits in sequence order: ``seq > last`` is exact there), so an
index would be one more write per logged change for nothing. Like 0015's triggers, it is
therefore made here by dialect and not declared on the model (``ChangeLogEntry``).
"""
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

INDEX = "ix_change_log_xid"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(INDEX, "change_log", ["xid"], unique=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index(INDEX, table_name="change_log")
