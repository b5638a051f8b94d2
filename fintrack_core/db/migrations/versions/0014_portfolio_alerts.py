"""portfolio alerts

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("portfolio_alert_settings",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("book_id", sa.Integer(), nullable=False),
    sa.Column("day_move_pct", sa.String(length=20), nullable=True),
    sa.Column("value_minor", sa.BigInteger(), nullable=True),
    sa.Column("value_side", sa.String(length=10), nullable=True),
    sa.Column("gain_minor", sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(["book_id"], ["books.id"], name=op.f("fk_portfolio_alert_settings_book_id_books"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_portfolio_alert_settings_user_id_users"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_portfolio_alert_settings")),
    sa.UniqueConstraint("user_id", "book_id", name="uq_portfolio_alert_settings_user")
    )
    op.create_table("portfolio_alerts",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("book_id", sa.Integer(), nullable=False),
    sa.Column("key", sa.String(length=120), nullable=False),
    sa.Column("kind", sa.String(length=20), nullable=False),
    sa.Column("day", sa.Date(), nullable=False),
    sa.Column("message", sa.String(length=500), nullable=False),
    sa.Column("fired_at", sa.DateTime(), nullable=False),
    sa.Column("read_at", sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(["book_id"], ["books.id"], name=op.f("fk_portfolio_alerts_book_id_books"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_portfolio_alerts_user_id_users"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_portfolio_alerts")),
    sa.UniqueConstraint("user_id", "book_id", "key", name="uq_portfolio_alerts_once")
    )


def downgrade() -> None:
    op.drop_table("portfolio_alerts")
    op.drop_table("portfolio_alert_settings")
