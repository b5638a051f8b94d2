"""portfolio

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("assets",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("book_id", sa.Integer(), nullable=False),
    sa.Column("symbol", sa.String(length=40), nullable=False),
    sa.Column("name", sa.String(length=200), nullable=False),
    sa.Column("kind", sa.Enum("stock", "etf", "fund", "bond", "crypto", "cash_like", "other", name="asset_kind", native_enum=False, length=20), nullable=False),
    sa.Column("currency", sa.String(length=3), nullable=False),
    sa.Column("provider", sa.Enum("yahoo", "coingecko", "manual", name="price_provider", native_enum=False, length=20), nullable=False),
    sa.Column("provider_id", sa.String(length=100), nullable=False),
    sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(["book_id"], ["books.id"], name=op.f("fk_assets_book_id_books"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_assets")),
    sa.UniqueConstraint("book_id", "symbol", name="uq_assets_book_symbol")
    )
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assets_book_id"), ["book_id"], unique=False)
        batch_op.create_index("uq_assets_id_book", ["id", "book_id"], unique=True)

    op.create_table("prices",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("book_id", sa.Integer(), nullable=True),
    sa.Column("provider", sa.String(length=20), nullable=False),
    sa.Column("provider_id", sa.String(length=100), nullable=False),
    sa.Column("date", sa.Date(), nullable=False),
    sa.Column("close", sa.String(length=40), nullable=False),
    sa.Column("currency", sa.String(length=3), nullable=False),
    sa.Column("source", sa.String(length=40), nullable=False),
    sa.Column("fetched_at", sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(["book_id"], ["books.id"], name=op.f("fk_prices_book_id_books"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_prices"))
    )
    with op.batch_alter_table("prices", schema=None) as batch_op:
        batch_op.create_index("uq_prices_book", ["book_id", "provider", "provider_id", "date"], unique=True, sqlite_where=sa.text("book_id IS NOT NULL"), postgresql_where=sa.text("book_id IS NOT NULL"))
        batch_op.create_index("uq_prices_market", ["provider", "provider_id", "date"], unique=True, sqlite_where=sa.text("book_id IS NULL"), postgresql_where=sa.text("book_id IS NULL"))

    op.create_table("account_cost_basis",
    sa.Column("account_id", sa.Integer(), nullable=False),
    sa.Column("book_id", sa.Integer(), nullable=False),
    sa.Column("method", sa.Enum("fifo", "lifo", "average", name="cost_basis_method", native_enum=False, length=20), nullable=False),
    sa.ForeignKeyConstraint(["account_id", "book_id"], ["accounts.id", "accounts.book_id"], name="fk_account_cost_basis_account_in_book", ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["book_id"], ["books.id"], name=op.f("fk_account_cost_basis_book_id_books"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_cost_basis"))
    )
    op.create_table("trades",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("book_id", sa.Integer(), nullable=False),
    sa.Column("account_id", sa.Integer(), nullable=False),
    sa.Column("asset_id", sa.Integer(), nullable=False),
    sa.Column("date", sa.Date(), nullable=False),
    sa.Column("kind", sa.Enum("buy", "sell", "dividend", "reinvest", "interest", "fee", "split", "transfer_in", "transfer_out", name="trade_kind", native_enum=False, length=20), nullable=False),
    sa.Column("quantity", sa.String(length=40), nullable=False),
    sa.Column("price", sa.String(length=40), nullable=False),
    sa.Column("fees_minor", sa.BigInteger(), nullable=False),
    sa.Column("cash_minor", sa.BigInteger(), nullable=False),
    sa.Column("currency", sa.String(length=3), nullable=False),
    sa.Column("transaction_id", sa.Integer(), nullable=True),
    sa.Column("notes", sa.Text(), nullable=False),
    sa.Column("external_id", sa.String(length=100), nullable=True),
    sa.Column("import_batch_id", sa.Integer(), nullable=True),
    sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint("fees_minor >= 0", name=op.f("ck_trades_nonnegative_fees")),
    sa.ForeignKeyConstraint(["account_id", "book_id"], ["accounts.id", "accounts.book_id"], name="fk_trades_account_in_book", ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["asset_id", "book_id"], ["assets.id", "assets.book_id"], name="fk_trades_asset_in_book", ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["book_id"], ["books.id"], name=op.f("fk_trades_book_id_books"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["transaction_id"], ["transactions.id"], name=op.f("fk_trades_transaction_id_transactions"), ondelete="SET NULL"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_trades"))
    )
    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.create_index("ix_trades_asset", ["asset_id"], unique=False)
        batch_op.create_index("ix_trades_book_account_date", ["book_id", "account_id", "date"], unique=False)
        batch_op.create_index("uq_trades_account_external_id", ["account_id", "external_id"], unique=True, sqlite_where=sa.text("external_id IS NOT NULL"), postgresql_where=sa.text("external_id IS NOT NULL"))



def downgrade() -> None:
    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.drop_index("uq_trades_account_external_id", sqlite_where=sa.text("external_id IS NOT NULL"), postgresql_where=sa.text("external_id IS NOT NULL"))
        batch_op.drop_index("ix_trades_book_account_date")
        batch_op.drop_index("ix_trades_asset")

    op.drop_table("trades")
    op.drop_table("account_cost_basis")
    with op.batch_alter_table("prices", schema=None) as batch_op:
        batch_op.drop_index("uq_prices_market", sqlite_where=sa.text("book_id IS NULL"), postgresql_where=sa.text("book_id IS NULL"))
        batch_op.drop_index("uq_prices_book", sqlite_where=sa.text("book_id IS NOT NULL"), postgresql_where=sa.text("book_id IS NOT NULL"))

    op.drop_table("prices")
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.drop_index("uq_assets_id_book")
        batch_op.drop_index(batch_op.f("ix_assets_book_id"))

    op.drop_table("assets")
