"""The notification tables (revision 0011): per-user settings, the log of what was queued,
the e-mail outbox and the scheduler lock. See ``fintrack_core.notify``."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fintrack_core.db.base import Base


class NotificationSettings(Base):
    """What one user wants to hear about one book, and how (``notify.settings``)."""

    __tablename__ = "notification_settings"
    __table_args__ = (UniqueConstraint("user_id", "book_id", name="uq_notification_settings_user"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id", ondelete="CASCADE"))
    budget_alerts: Mapped[bool] = mapped_column(Boolean, default=True)
    subscription_alerts: Mapped[bool] = mapped_column(Boolean, default=True)
    channel: Mapped[str] = mapped_column(String(10), default="in-app")  # email | in-app
    weekly: Mapped[bool] = mapped_column(Boolean, default=False)
    weekday: Mapped[int] = mapped_column(Integer, default=0)  # 0 = Monday
    thresholds: Mapped[str] = mapped_column(String(60), default="80,100")


class NotificationLog(Base):
    """Which alert (``key``: "budget:<alert id>", "sub-missed:<series>:<due>", ...) or weekly
    report ("weekly:<ISO week>") was queued for which user: each is mailed once only."""

    __tablename__ = "notification_log"
    __table_args__ = (UniqueConstraint("user_id", "book_id", "key",
                                       name="uq_notification_log_once"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(450))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class OutboxMessage(Base):
    """An e-mail waiting to be sent (``notify.outbox``): written with the change that caused
    it, delivered later by a sender that claims it first, so a page never waits on SMTP."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "sent_at", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                nullable=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    failed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(String(500), default="")


class SchedulerLock(Base):
    """Who runs the scheduled jobs (``notify.lock``): one row per job name, held until
    ``expires_at``; taken by an atomic UPDATE, so of several app processes only one sends."""

    __tablename__ = "scheduler_lock"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(80), default="")
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
