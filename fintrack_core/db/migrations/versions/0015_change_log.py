"""change_log: which transactions changed, written by triggers with the write (issue 13)

Revision ID: 0015
Revises: 0014

Why triggers: every path that changes a transaction (an edit, a delete, a category merge,
an import undo, an account's cascade, a bulk SQL statement of a later feature) is logged in
the same database transaction as the change, and no write path can forget. What is logged:

- a transaction updated or deleted: its id (``changed`` / ``deleted``);
- a category whose ``kind`` changes: every transaction in it (their ``flow`` changes);
- any exchange rate written or deleted: a ``rates`` entry for its book (NULL: a shared rate),
  after which the copy is rebuilt (every converted amount may change);
- any account or category written or deleted: a ``tables`` entry for its book, after which
  the copy loads its small tables (accounts, categories and their paths) again, which it
  otherwise skips;
- inserts only on PostgreSQL: its sequences hand out ids in insert order, not commit order,
  so "ids above the copy's largest" can miss a row committed late; SQLite's single writer
  commits in id order, and an import of a million rows does not pay for a log row each.

PostgreSQL logs per statement from transition tables (one INSERT ... SELECT per statement,
not a function call per row) and stamps each entry with ``txid_current()``; see
``fintrack_core.reports.changes`` for how the copy reads them.
"""
from alembic import op
import sqlalchemy as sa

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = [
    """CREATE TRIGGER change_log_tx_update AFTER UPDATE ON transactions BEGIN
         INSERT INTO change_log (book_id, tx_id, kind) VALUES (NEW.book_id, NEW.id, 'changed');
       END""",
    """CREATE TRIGGER change_log_tx_delete AFTER DELETE ON transactions BEGIN
         INSERT INTO change_log (book_id, tx_id, kind) VALUES (OLD.book_id, OLD.id, 'deleted');
       END""",
    """CREATE TRIGGER change_log_category_kind AFTER UPDATE OF kind ON categories
       WHEN OLD.kind IS NOT NEW.kind BEGIN
         INSERT INTO change_log (book_id, tx_id, kind)
         SELECT book_id, id, 'changed' FROM transactions WHERE category_id = NEW.id;
       END""",
] + [
    f"""CREATE TRIGGER change_log_{source}_{event.lower()} AFTER {event} ON {source} BEGIN
          INSERT INTO change_log (book_id, kind)
          VALUES ({'OLD' if event == 'DELETE' else 'NEW'}.book_id, '{kind}');
        END"""
    for source, kind in (("fx_rates", "rates"), ("accounts", "tables"), ("categories", "tables"))
    for event in ("INSERT", "UPDATE", "DELETE")
]

POSTGRES_FUNCTIONS = [
    """CREATE FUNCTION change_log_tx() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'DELETE' THEN
           INSERT INTO change_log (book_id, tx_id, kind, xid)
           SELECT book_id, id, 'deleted', txid_current() FROM old_rows;
         ELSE
           INSERT INTO change_log (book_id, tx_id, kind, xid)
           SELECT book_id, id, 'changed', txid_current() FROM new_rows;
         END IF;
         RETURN NULL;
       END $$""",
    # One entry per book touched, of the kind named by the trigger's argument.
    """CREATE FUNCTION change_log_book() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'DELETE' THEN
           INSERT INTO change_log (book_id, kind, xid)
           SELECT DISTINCT book_id, TG_ARGV[0], txid_current() FROM old_rows;
         ELSE
           INSERT INTO change_log (book_id, kind, xid)
           SELECT DISTINCT book_id, TG_ARGV[0], txid_current() FROM new_rows;
         END IF;
         RETURN NULL;
       END $$""",
    """CREATE FUNCTION change_log_category_kind() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         INSERT INTO change_log (book_id, tx_id, kind, xid)
         SELECT book_id, id, 'changed', txid_current() FROM transactions
         WHERE category_id = NEW.id;
         RETURN NULL;
       END $$""",
]
# Transition tables allow one event per trigger, hence three triggers per table.
LOGGED = (("transactions", "change_log_tx", ""), ("fx_rates", "change_log_book", "'rates'"),
          ("accounts", "change_log_book", "'tables'"),
          ("categories", "change_log_book", "'tables'"))
POSTGRES_TRIGGERS = [
    f"CREATE TRIGGER change_log_{source}_{event.lower()} AFTER {event} ON {source} "
    f"REFERENCING {'OLD' if event == 'DELETE' else 'NEW'} TABLE AS "
    f"{'old_rows' if event == 'DELETE' else 'new_rows'} "
    f"FOR EACH STATEMENT EXECUTE FUNCTION {function}({argument})"
    for source, function, argument in LOGGED
    for event in ("INSERT", "UPDATE", "DELETE")
] + [
    "CREATE TRIGGER change_log_category_kind AFTER UPDATE OF kind ON categories "
    "FOR EACH ROW WHEN (OLD.kind IS DISTINCT FROM NEW.kind) "
    "EXECUTE FUNCTION change_log_category_kind()",
]


def upgrade() -> None:
    op.create_table("change_log",
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True,
              nullable=False),
    sa.Column("book_id", sa.Integer(), nullable=True),
    sa.Column("tx_id", sa.BigInteger(), nullable=True),
    sa.Column("kind", sa.String(length=10), nullable=False),
    sa.Column("xid", sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint("seq", name=op.f("pk_change_log")),
    sqlite_autoincrement=True,
    )
    op.create_index("ix_change_log_book_seq", "change_log", ["book_id", "seq"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_FUNCTIONS + POSTGRES_TRIGGERS:
            op.execute(statement)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for source, _, _ in LOGGED:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER change_log_{source}_{event} ON {source}")
        op.execute("DROP TRIGGER change_log_category_kind ON categories")
        for function in ("change_log_tx", "change_log_book", "change_log_category_kind"):
            op.execute(f"DROP FUNCTION {function}()")
    else:
        for name in ("tx_update", "tx_delete", "category_kind"):
            op.execute(f"DROP TRIGGER change_log_{name}")
        for source in ("fx_rates", "accounts", "categories"):
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER change_log_{source}_{event}")
    op.drop_index("ix_change_log_book_seq", table_name="change_log")
    op.drop_table("change_log")
