"""import-friendly transaction indexes and column defaults

Duplicate detection now runs in DuckDB over the table, so the (book, fingerprint) index only
slowed bulk imports down. Category and transfer indexes become partial (most imported rows
have neither), an index on import_batch_id makes undo fast, and notes/tags/scheduled get
server defaults so bulk inserts need not bind them.

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("transactions") as batch:
        batch.drop_index("ix_transactions_book_fingerprint")
        batch.drop_index("ix_transactions_category")
        batch.drop_index("ix_transactions_transfer")
        batch.alter_column("notes", existing_type=sa.Text(), server_default=sa.text("''"))
        batch.alter_column("tags", existing_type=sa.Text(), server_default=sa.text("''"))
        batch.alter_column("scheduled", existing_type=sa.Boolean(), server_default=sa.false())
    op.create_index("ix_transactions_category", "transactions", ["category_id"],
                    sqlite_where=sa.text("category_id IS NOT NULL"),
                    postgresql_where=sa.text("category_id IS NOT NULL"))
    op.create_index("ix_transactions_transfer", "transactions", ["transfer_id"],
                    sqlite_where=sa.text("transfer_id IS NOT NULL"),
                    postgresql_where=sa.text("transfer_id IS NOT NULL"))
    op.create_index("ix_transactions_import_batch", "transactions", ["import_batch_id"],
                    sqlite_where=sa.text("import_batch_id IS NOT NULL"),
                    postgresql_where=sa.text("import_batch_id IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_transactions_import_batch", "transactions")
    op.drop_index("ix_transactions_transfer", "transactions")
    op.drop_index("ix_transactions_category", "transactions")
    with op.batch_alter_table("transactions") as batch:
        batch.create_index("ix_transactions_book_fingerprint", ["book_id", "fingerprint"])
        batch.create_index("ix_transactions_category", ["category_id"])
        batch.create_index("ix_transactions_transfer", ["transfer_id"])
