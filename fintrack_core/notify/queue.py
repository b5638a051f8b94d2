"""Deciding what to mail: the alerts not mailed yet and the weekly reports that are due.

Why a log table: an alert stays in the app's list for weeks, but is mailed once. Each queued
notification leaves a ``notification_log`` row keyed by what it is about (``budget:<alert
id>``, ``sub-missed:<series>:<due date>``, ``sub-price:<series>:<since>``, ``weekly:<ISO
week>``), written in the same transaction as its outbox row: both or neither. Runs without an
acting user (cron, the scheduler): each user's book is then read through a ``Scope`` of that
user, so they get only what their membership lets them see.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from fintrack_core.access import Scope, role_of
from fintrack_core.budgets.inbox import MAX_ALERTS, list_alerts
from fintrack_core.budgets.status import budget_status
from fintrack_core.budgets.subscriptions import list_subscriptions, upcoming_bills
from fintrack_core.config import user_settings
from fintrack_core.db.engine import Database
from fintrack_core.db.models import Book, NotificationLog, NotificationSettings, User
from fintrack_core.money import DEFAULT_LOCALE
from fintrack_core.notify.messages import (
    Mail,
    budget_alert_mail,
    missed_payment_mail,
    portfolio_alert_mail,
    price_change_mail,
    week_of,
    weekly_mail,
)
from fintrack_core.notify.outbox import enqueue, utcnow
from fintrack_core.notify.settings import NotifySettings, settings_in_session
from fintrack_core.portfolio.alerts import list_portfolio_alerts
from fintrack_core.reports.weekly import week_figures

PRICE_CHANGE_NEWS = dt.timedelta(days=62)  # older price changes are history, not news


@dataclass
class QueueReport:
    queued: list[str] = field(default_factory=list)   # "<user>/<book>/<key>"
    no_address: list[str] = field(default_factory=list)  # usernames without an e-mail

    def as_dict(self) -> dict[str, list[str]]:
        return {"queued": self.queued, "no_address": self.no_address}


@dataclass(frozen=True, slots=True)
class _Recipient:
    scope: Scope
    username: str
    email: str
    book: str
    locale: str
    settings: NotifySettings


def _recipients(db: Database, report: QueueReport) -> Iterator[_Recipient]:
    """Every (user, book) with saved settings whose membership still stands."""
    with db.read() as s:
        rows = s.execute(select(NotificationSettings.user_id, NotificationSettings.book_id,
                                User.username, User.email, Book.name)
                         .join(User, User.id == NotificationSettings.user_id)
                         .join(Book, Book.id == NotificationSettings.book_id)
                         .order_by(NotificationSettings.id)).all()
        wanted = [(r, settings_in_session(s, r.user_id, r.book_id)) for r in rows
                  if role_of(s, r.user_id, r.book_id) is not None]
    for r, settings in wanted:
        if not r.email:
            if settings.by_email or settings.weekly:
                report.no_address.append(r.username)
            continue
        locale = user_settings(db, r.user_id).get("locale", DEFAULT_LOCALE)
        yield _Recipient(Scope(db, r.user_id, r.book_id, origin="notify"), r.username,
                         r.email, r.name, locale, settings)


def _queue(to: _Recipient, mails: list[tuple[str, Mail]], report: QueueReport) -> None:
    """Queue the mails whose key is not in the log yet, with their log rows, atomically."""
    db, user_id, book_id = to.scope.db, to.scope.user_id, to.scope.book_id
    now = utcnow()
    try:
        with db.write() as s:
            done = set(s.scalars(select(NotificationLog.key).where(
                NotificationLog.user_id == user_id, NotificationLog.book_id == book_id,
                NotificationLog.key.in_([k for k, _ in mails]))))
            for key, mail in mails:
                if key in done:
                    continue
                s.add(NotificationLog(user_id=user_id, book_id=book_id, key=key, created_at=now))
                enqueue(s, to.email, mail.subject, mail.text, mail.html, user_id, now)
                report.queued.append(f"{to.username}/{book_id}/{key}")
                done.add(key)
    except IntegrityError:
        # Another process queued the same keys at the same moment: its rows stand, ours not.
        report.queued[:] = [q for q in report.queued if not q.startswith(
            f"{to.username}/{book_id}/")]


def queue_alerts(db: Database, today: dt.date | None = None) -> QueueReport:
    """Queue an e-mail for each budget alert (open, in a current period), subscription
    alert (missed payment, recent price change) and unread portfolio alert not mailed yet,
    for users who chose mail."""
    day = today or dt.date.today()
    report = QueueReport()
    for to in _recipients(db, report):
        if not to.settings.by_email:
            continue
        mails: list[tuple[str, Mail]] = []
        if to.settings.budget_alerts:
            mails += [(f"budget:{a.id}", budget_alert_mail(to.book, a, to.locale))
                      for a in reversed(list_alerts(to.scope, limit=MAX_ALERTS))
                      if not a.resolved and a.span.end >= day]
        if to.settings.subscription_alerts:
            for v in list_subscriptions(to.scope).series:
                if v.amount_minor >= 0:
                    continue
                if v.missed(day):
                    mails.append((f"sub-missed:{v.series.key}:{v.next_date}",
                                  missed_payment_mail(to.book, v, to.locale)))
                change = v.price_change
                if change is not None and change[2] >= day - PRICE_CHANGE_NEWS:
                    mails.append((f"sub-price:{v.series.key}:{change[2]}",
                                  price_change_mail(to.book, v, to.locale)))
        mails += [(f"portfolio:{a.id}", portfolio_alert_mail(to.book, a))
                  for a in reversed(list_portfolio_alerts(to.scope, unread_only=True))]
        if mails:
            _queue(to, mails, report)
    return report


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def queue_weekly(db: Database, today: dt.date | None = None) -> QueueReport:
    """Queue the weekly report of each user whose weekday is today and who has none queued
    this ISO week (run it daily from cron; running it twice queues nothing more)."""
    day = today or dt.date.today()
    report = QueueReport()
    for to in _recipients(db, report):
        if not to.settings.weekly or to.settings.weekday != day.weekday():
            continue
        week = week_figures(to.scope, week_of(day))
        mail = weekly_mail(to.book, week, budget_status(to.scope, week.last),
                           upcoming_bills(to.scope, 7, as_of=day), to.locale)
        _queue(to, [(f"weekly:{iso_week(day)}", mail)], report)
    return report
