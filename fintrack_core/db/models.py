"""SQLAlchemy models: the schema of record (Alembic migrations are generated from these).

Money columns are ``BigInteger`` minor units; FX rates are stored as text so a rate entered as
``1.0834`` is read back as exactly that ``Decimal`` on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from fintrack_core.db.base import NAMING as NAMING  # re-exported
from fintrack_core.db.base import Base as Base  # re-exported
from fintrack_core.db.base import _enum


class Role(enum.StrEnum):
    OWNER = "owner"
    EDITOR = "editor"
    VIEWER = "viewer"


class AccountType(enum.StrEnum):
    CHECKING = "checking"
    SAVINGS = "savings"
    CREDIT_CARD = "credit_card"
    CASH = "cash"
    LOAN = "loan"
    INVESTMENT = "investment"


class CategoryKind(enum.StrEnum):
    INCOME = "income"
    EXPENSE = "expense"
    TRANSFER = "transfer"


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), default="")
    password_hash: Mapped[str] = mapped_column(String(100))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    settings: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    # Bumped by every password change or reset: a login (session or cookie) carries the epoch
    # it was made in, and one that no longer matches is ended (see fintrack_core.auth.signin).
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # Base32 TOTP secret while two-factor login is on (None: off); the last accepted time step,
    # so one code cannot be used twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64), nullable=True, default=None)
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))


class RecoveryCode(Base):
    """Single-use two-factor recovery codes, stored as bcrypt hashes like passwords."""

    __tablename__ = "recovery_codes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(100))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True, default=None)


class SignInThrottle(Base):
    """Failed sign-ins per username (``kind='user'``) or per client address (``kind='ip'``).

    What throttling reads, so a lockout survives a restart. Usernames that do not exist get
    rows too: the answer must not tell whether an account exists.
    """

    __tablename__ = "sign_in_throttle"
    __table_args__ = (UniqueConstraint("kind", "key", name="uq_sign_in_throttle_kind_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    key: Mapped[str] = mapped_column(String(200))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[dt.datetime] = mapped_column(DateTime)
    last_failure_at: Mapped[dt.datetime] = mapped_column(DateTime)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class Book(Base):
    __tablename__ = "books"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    base_currency: Mapped[str] = mapped_column(String(3))
    # How import rules combine: "first" match wins, or "all" matches apply in priority order.
    rule_mode: Mapped[str] = mapped_column(String(5), default="first", server_default="first")
    # Bumped by every write to the book (see access.require): report caches key on it.
    data_version: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # Bumped by writes that may change or delete existing transactions (not by pure inserts):
    # while it stands still, the report copy can append new rows instead of rebuilding.
    rewrite_version: Mapped[int] = mapped_column(Integer, default=0,
                                                 server_default=text("0"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())


class Membership(Base):
    __tablename__ = "memberships"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id", ondelete="CASCADE"),
                                         primary_key=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (
        UniqueConstraint("book_id", "name", name="uq_accounts_book_name"),
        # The parent key of transactions' (account_id, book_id): an account's transactions
        # live in its own book, enforced by the database (revision 0008).
        Index("uq_accounts_id_book", "id", "book_id", unique=True),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[AccountType] = mapped_column(_enum(AccountType, "account_type"))
    currency: Mapped[str] = mapped_column(String(3))
    opening_balance: Mapped[int] = mapped_column(BigInteger, default=0)
    opened_on: Mapped[dt.date] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    institution: Mapped[str] = mapped_column(String(200), default="")
    # IBAN / account number as the bank writes it in statements (revision 0009): a file with
    # several accounts routes each row to the account whose number it names.
    number: Mapped[str] = mapped_column(String(64), default="", server_default=text("''"))


class Category(Base):
    __tablename__ = "categories"
    __table_args__ = (
        UniqueConstraint("book_id", "parent_id", "name", name="uq_categories_sibling_name"),
        Index("uq_categories_id_book", "id", "book_id", unique=True),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[CategoryKind] = mapped_column(_enum(CategoryKind, "category_kind"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="RESTRICT"), nullable=True
    )
    color: Mapped[str] = mapped_column(String(9), default="#888888")
    icon: Mapped[str] = mapped_column(String(16), default="")


class Transaction(Base):
    __tablename__ = "transactions"
    __table_args__ = (
        CheckConstraint("amount_minor <> 0", name="nonzero_amount"),
        # Defence in depth (revision 0008): a transaction's account and category belong to
        # the transaction's own book, whatever a bug in a query might try.
        ForeignKeyConstraint(["account_id", "book_id"], ["accounts.id", "accounts.book_id"],
                             name="fk_transactions_account_in_book", ondelete="CASCADE"),
        ForeignKeyConstraint(["category_id", "book_id"], ["categories.id", "categories.book_id"],
                             name="fk_transactions_category_in_book"),
        Index("ix_transactions_book_date", "book_id", "date"),
        Index("ix_transactions_account_date", "account_id", "date"),
        # Partial indexes: most rows have no category yet / are not transfers, and a bulk
        # import should not pay for index entries nobody looks up.
        Index("ix_transactions_category", "category_id",
              sqlite_where=text("category_id IS NOT NULL"),
              postgresql_where=text("category_id IS NOT NULL")),
        Index("ix_transactions_transfer", "transfer_id",
              sqlite_where=text("transfer_id IS NOT NULL"),
              postgresql_where=text("transfer_id IS NOT NULL")),
        Index("ix_transactions_import_batch", "import_batch_id",
              sqlite_where=text("import_batch_id IS NOT NULL"),
              postgresql_where=text("import_batch_id IS NOT NULL")),
        # The bank's transaction id is the duplicate key where it gives one (revision 0009).
        Index("uq_transactions_account_external_id", "account_id", "external_id", unique=True,
              sqlite_where=text("external_id IS NOT NULL"),
              postgresql_where=text("external_id IS NOT NULL")),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    date: Mapped[dt.date] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    payee: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL"), nullable=True
    )
    notes: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    # Canonical ",tag1,tag2," form so SQLite, PostgreSQL and DuckDB can all filter with LIKE.
    tags: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    scheduled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    transfer_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    import_batch_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # OFX FITID, CAMT AcctSvcrRef, MT940 bank reference: unique per account where set.
    external_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())


class FxRate(Base):
    """1 ``base`` = ``rate`` ``quote`` on ``date``.

    ``book_id`` set: a manual rate belonging to that book (never visible to another book).
    ``book_id`` NULL: a provider-fetched market rate shared by all books.
    """

    __tablename__ = "fx_rates"
    __table_args__ = (
        UniqueConstraint("book_id", "base", "quote", "date", name="uq_fx_rates_key"),
        Index("ix_fx_rates_pair_date", "base", "quote", "date"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int | None] = mapped_column(
        ForeignKey("books.id", ondelete="CASCADE"), nullable=True
    )
    base: Mapped[str] = mapped_column(String(3))
    quote: Mapped[str] = mapped_column(String(3))
    date: Mapped[dt.date] = mapped_column(Date)
    rate: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(40), default="manual")


class RuleMode(enum.StrEnum):
    FIRST = "first"  # the first matching rule (by priority) applies
    ALL = "all"      # every matching rule applies, in priority order


class ImportBatch(Base):
    """One imported file: undoable as a whole (its transactions carry ``import_batch_id``)."""

    __tablename__ = "import_batches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    profile: Mapped[str | None] = mapped_column(String(100), nullable=True)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    invalid: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())


class ImportProfile(Base):
    """A saved column mapping (JSON), per book and optionally per account."""

    __tablename__ = "import_profiles"
    __table_args__ = (UniqueConstraint("book_id", "name", name="uq_import_profiles_name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), nullable=True)
    name: Mapped[str] = mapped_column(String(100))
    mapping: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())


class Rule(Base):
    """Conditions (JSON list) combined with all/any -> actions (JSON list)."""

    __tablename__ = "rules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    priority: Mapped[int] = mapped_column(Integer, default=100)
    match: Mapped[str] = mapped_column(String(3), default="all")  # all | any
    conditions: Mapped[str] = mapped_column(Text)
    actions: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())


class AuditLog(Base):
    """Append-only record of who did what, when and from where (see ``fintrack_core.audit``).

    No foreign keys on purpose: the log outlives the users and books it names (the username
    is copied as text), and a cascading SET NULL or DELETE would be an UPDATE or DELETE of
    this table, which the database refuses (triggers added by migration 0007).
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_book", "book_id", "id"),
        Index("ix_audit_log_actor", "actor_user_id", "id"),
        Index("ix_audit_log_action", "action", "id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)  # UTC (naive: SQLite keeps no zone)
    actor_user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor_name: Mapped[str] = mapped_column(String(64), default="")
    book_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="{}")
    origin: Mapped[str] = mapped_column(String(100), default="")


class Budget(Base):
    """A spending limit for one expense category and its whole sub-tree, per period.

    The amount is in the book's base currency (minor units); ``period`` is a
    ``budgets.periods.PeriodKind`` and ``start_day`` its start (see that module). The budget
    applies from ``starts_on`` (the first period is the one containing it) until ``ends_on``
    (required for custom periods, optional for the others). ``thresholds`` are percentages,
    comma-separated ("80,100"), at which alerts fire.
    """

    __tablename__ = "budgets"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="positive_amount"),
        # The category belongs to the budget's own book (as for transactions, revision 0008).
        ForeignKeyConstraint(["category_id", "book_id"], ["categories.id", "categories.book_id"],
                             name="fk_budgets_category_in_book", ondelete="RESTRICT"),
        Index("ix_budgets_book_category", "book_id", "category_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id", ondelete="CASCADE"))
    category_id: Mapped[int] = mapped_column(Integer)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    period: Mapped[str] = mapped_column(String(8))
    start_day: Mapped[int] = mapped_column(Integer, default=1)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    rollover: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    thresholds: Mapped[str] = mapped_column(String(60), default="80,100",
                                            server_default="80,100")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())


class BudgetAlert(Base):
    """A budget's spending crossed one of its thresholds in one period: recorded once.

    A later edit that brings the spending back under the threshold sets ``resolved_at``
    (the record stays); crossing again in the same period clears it. ``read_at`` and
    ``dismissed_at`` are the user's marks on the Overview's alert list.
    """

    __tablename__ = "budget_alerts"
    __table_args__ = (
        UniqueConstraint("budget_id", "threshold", "period_start",
                         name="uq_budget_alerts_once"),
        Index("ix_budget_alerts_book", "book_id", "fired_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id", ondelete="CASCADE"))
    budget_id: Mapped[int] = mapped_column(ForeignKey("budgets.id", ondelete="CASCADE"))
    threshold: Mapped[int] = mapped_column(Integer)
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    spent_minor: Mapped[int] = mapped_column(BigInteger)
    limit_minor: Mapped[int] = mapped_column(BigInteger)
    fired_at: Mapped[dt.datetime] = mapped_column(DateTime)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    dismissed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class RecurringDecision(Base):
    """What the user decided about a detected recurring series (``budgets.recurring``):
    confirmed as a schedule (with optional corrections) or dismissed. Keyed by the series'
    stable key, so a dismissed series stays dismissed however often detection runs."""

    __tablename__ = "recurring_decisions"
    __table_args__ = (UniqueConstraint("book_id", "key", name="uq_recurring_decisions_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(400))
    status: Mapped[str] = mapped_column(String(10))  # confirmed | dismissed
    name: Mapped[str] = mapped_column(String(200), default="")
    amount_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    cadence: Mapped[str | None] = mapped_column(String(10), nullable=True)
    next_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())



# The notification tables live in their own module (kept out of this one's length); imported
# here so that ``Base.metadata`` always holds every table.
from fintrack_core.db.api_models import ApiToken as ApiToken  # noqa: E402
from fintrack_core.db.api_models import IdempotencyKey as IdempotencyKey  # noqa: E402
from fintrack_core.db.change_log_models import ChangeLogEntry as ChangeLogEntry  # noqa: E402
from fintrack_core.db.notify_models import NotificationLog as NotificationLog  # noqa: E402
from fintrack_core.db.notify_models import NotificationSettings as NotificationSettings  # noqa: E402
from fintrack_core.db.notify_models import OutboxMessage as OutboxMessage  # noqa: E402
from fintrack_core.db.notify_models import SchedulerLock as SchedulerLock  # noqa: E402
from fintrack_core.db.portfolio_alert_models import PortfolioAlert as PortfolioAlert  # noqa: E402
from fintrack_core.db.portfolio_alert_models import (  # noqa: E402
    PortfolioAlertSettings as PortfolioAlertSettings,
)
from fintrack_core.db.portfolio_models import AccountCostBasis as AccountCostBasis  # noqa: E402
from fintrack_core.db.portfolio_models import Asset as Asset  # noqa: E402
from fintrack_core.db.portfolio_models import Price as Price  # noqa: E402
from fintrack_core.db.portfolio_models import Trade as Trade  # noqa: E402
