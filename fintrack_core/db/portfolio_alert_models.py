"""The portfolio alert tables (revision 0014): each member's alert settings for a book, and
the alerts that fired for them. See ``fintrack_core.portfolio.alerts``."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fintrack_core.db.base import Base


class PortfolioAlertSettings(Base):
    """What one user wants to hear about one book's portfolio; NULL: that alert is off."""

    __tablename__ = "portfolio_alert_settings"
    __table_args__ = (UniqueConstraint("user_id", "book_id",
                                       name="uq_portfolio_alert_settings_user"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id", ondelete="CASCADE"))
    day_move_pct: Mapped[str | None] = mapped_column(String(20), nullable=True)  # "5", "2.5"
    value_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # base currency
    value_side: Mapped[str | None] = mapped_column(String(10), nullable=True)  # above | below
    gain_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # base currency


class PortfolioAlert(Base):
    """An alert that fired for one user; ``key`` makes each fire once."""

    __tablename__ = "portfolio_alerts"
    __table_args__ = (UniqueConstraint("user_id", "book_id", "key",
                                       name="uq_portfolio_alerts_once"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))  # day_move | value | realised
    day: Mapped[dt.date] = mapped_column(Date)
    message: Mapped[str] = mapped_column(String(500))
    fired_at: Mapped[dt.datetime] = mapped_column(DateTime)
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
