"""budgets, budget_alerts and recurring_decisions: spending limits per category and period,
the threshold crossings recorded once per budget, threshold and period, and what the user
decided about each detected recurring payment.

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "budgets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("start_day", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("rollover", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("thresholds", sa.String(length=60), server_default="80,100", nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_budgets_positive_amount")),
        sa.ForeignKeyConstraint(["book_id"], ["books.id"], name=op.f("fk_budgets_book_id_books"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["category_id", "book_id"], ["categories.id", "categories.book_id"],
                                name="fk_budgets_category_in_book", ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budgets")),
    )
    op.create_index("ix_budgets_book_category", "budgets", ["book_id", "category_id"])
    op.create_table(
        "budget_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("budget_id", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("spent_minor", sa.BigInteger(), nullable=False),
        sa.Column("limit_minor", sa.BigInteger(), nullable=False),
        sa.Column("fired_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.Column("dismissed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["book_id"], ["books.id"],
                                name=op.f("fk_budget_alerts_book_id_books"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["budget_id"], ["budgets.id"],
                                name=op.f("fk_budget_alerts_budget_id_budgets"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_alerts")),
        sa.UniqueConstraint("budget_id", "threshold", "period_start",
                            name="uq_budget_alerts_once"),
    )
    op.create_index("ix_budget_alerts_book", "budget_alerts", ["book_id", "fired_at"])
    op.create_table(
        "recurring_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("cadence", sa.String(length=10), nullable=True),
        sa.Column("next_date", sa.Date(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["book_id"], ["books.id"],
                                name=op.f("fk_recurring_decisions_book_id_books"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recurring_decisions")),
        sa.UniqueConstraint("book_id", "key", name="uq_recurring_decisions_key"),
    )


def downgrade() -> None:
    op.drop_table("recurring_decisions")
    op.drop_index("ix_budget_alerts_book", table_name="budget_alerts")
    op.drop_table("budget_alerts")
    op.drop_index("ix_budgets_book_category", table_name="budgets")
    op.drop_table("budgets")
