"""books.data_version: a counter every write bumps, so report caches know when to refresh

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: no table rebuild, which SQLite would refuse while other tables'
    # rows reference books.
    op.add_column("books", sa.Column("data_version", sa.Integer(), nullable=False,
                                     server_default=sa.text("0")))


def downgrade() -> None:
    with op.batch_alter_table("books") as batch:
        batch.drop_column("data_version")
