"""books.rewrite_version: bumped only by writes that change existing transactions

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: no table rebuild, which SQLite would refuse while other tables'
    # rows reference books.
    op.add_column("books", sa.Column("rewrite_version", sa.Integer(), nullable=False,
                                     server_default=sa.text("0")))


def downgrade() -> None:
    with op.batch_alter_table("books") as batch:
        batch.drop_column("rewrite_version")
