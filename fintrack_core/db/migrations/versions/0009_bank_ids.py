"""bank identifiers: an account's number (IBAN, OFX ACCTID, MT940 :25:) and a transaction's
bank transaction id (OFX FITID, CAMT AcctSvcrRef, MT940 bank reference)

``accounts.number`` lets a statement that holds several accounts route each row to the
account it belongs to, instead of by currency alone. ``transactions.external_id`` is the
duplicate key when the bank gives one: unique per account where set (a partial index, so
the many rows without one cost nothing); the fingerprint stays stored as the fallback.

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

WHERE = "external_id IS NOT NULL"


def upgrade() -> None:
    op.add_column("accounts", sa.Column("number", sa.String(length=64), nullable=False,
                                        server_default=sa.text("''")))
    op.add_column("transactions", sa.Column("external_id", sa.String(length=100),
                                            nullable=True))
    op.create_index("uq_transactions_account_external_id", "transactions",
                    ["account_id", "external_id"], unique=True,
                    sqlite_where=sa.text(WHERE), postgresql_where=sa.text(WHERE))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+): a batch rebuild of transactions would lose the WHERE
    # clauses of its partial indexes.
    op.drop_index("uq_transactions_account_external_id", "transactions")
    op.drop_column("transactions", "external_id")
    op.drop_column("accounts", "number")
