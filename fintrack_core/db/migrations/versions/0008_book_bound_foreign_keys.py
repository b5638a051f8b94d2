"""composite foreign keys: a transaction's account and category belong to its own book

Until now only the service layer kept a transaction's account and category in the
transaction's book; a query bug could have linked across books. The database now refuses it:
(id, book_id) is unique on accounts and categories, and transactions reference those pairs.

The category key must not null ``book_id`` when a category is deleted: the existing
single-column foreign key still sets ``category_id`` to NULL, and a composite key with a NULL
part is not checked. On PostgreSQL (15 and newer) the composite key says so itself with
``ON DELETE SET NULL (category_id)``; on SQLite it takes no action of its own and is checked
at the end of the statement, after the single-column key has nulled the column.

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

PARTIAL = ("category_id", "transfer_id", "import_batch_id")
INDEX_NAMES = {"category_id": "ix_transactions_category", "transfer_id": "ix_transactions_transfer",
               "import_batch_id": "ix_transactions_import_batch"}


def upgrade() -> None:
    op.create_index("uq_accounts_id_book", "accounts", ["id", "book_id"], unique=True)
    op.create_index("uq_categories_id_book", "categories", ["id", "book_id"], unique=True)
    if op.get_bind().dialect.name == "postgresql":
        op.create_foreign_key("fk_transactions_account_in_book", "transactions", "accounts",
                              ["account_id", "book_id"], ["id", "book_id"], ondelete="CASCADE")
        op.execute("ALTER TABLE transactions ADD CONSTRAINT fk_transactions_category_in_book "
                   "FOREIGN KEY (category_id, book_id) REFERENCES categories (id, book_id) "
                   "ON DELETE SET NULL (category_id)")
        return
    # SQLite adds a foreign key only by rebuilding the table; the partial indexes are made
    # again afterwards (a table rebuild would not keep their WHERE clauses).
    for column in PARTIAL:
        op.drop_index(INDEX_NAMES[column], "transactions")
    with op.batch_alter_table("transactions", recreate="always") as batch:
        batch.create_foreign_key("fk_transactions_account_in_book", "accounts",
                                 ["account_id", "book_id"], ["id", "book_id"],
                                 ondelete="CASCADE")
        batch.create_foreign_key("fk_transactions_category_in_book", "categories",
                                 ["category_id", "book_id"], ["id", "book_id"])
    for column in PARTIAL:
        op.create_index(INDEX_NAMES[column], "transactions", [column],
                        sqlite_where=sa.text(f"{column} IS NOT NULL"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("fk_transactions_category_in_book", "transactions", "foreignkey")
        op.drop_constraint("fk_transactions_account_in_book", "transactions", "foreignkey")
    else:
        for column in PARTIAL:
            op.drop_index(INDEX_NAMES[column], "transactions")
        with op.batch_alter_table("transactions", recreate="always") as batch:
            batch.drop_constraint("fk_transactions_category_in_book", "foreignkey")
            batch.drop_constraint("fk_transactions_account_in_book", "foreignkey")
        for column in PARTIAL:
            op.create_index(INDEX_NAMES[column], "transactions", [column],
                            sqlite_where=sa.text(f"{column} IS NOT NULL"))
    op.drop_index("uq_categories_id_book", "categories")
    op.drop_index("uq_accounts_id_book", "accounts")
