"""Per-user notification settings for one book: what to hear about and how.

Why per user *and* book: two members of a household book may want different mail, and one
person with two books may want the weekly report of only one. A user without a row has the
defaults (everything in the app, no mail, no weekly report), so nothing is sent to anyone
who did not ask for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from fintrack_core.access import READ, Scope, require
from fintrack_core.budgets.service import DEFAULT_THRESHOLDS, check_thresholds
from fintrack_core.db.engine import Database
from fintrack_core.db.models import NotificationSettings, User
from fintrack_core.errors import NotFound, ValidationError
from fintrack_core.ledger.users import MAX_EMAIL
from fintrack_core.text import clean_text

CHANNELS = ("in-app", "email")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, slots=True)
class NotifySettings:
    budget_alerts: bool = True
    subscription_alerts: bool = True
    channel: str = "in-app"      # "email": alerts and the weekly report are also mailed
    weekly: bool = False
    weekday: int = 0             # 0 = Monday (``WEEKDAYS``)
    thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS  # for budgets added without their own

    @property
    def by_email(self) -> bool:
        return self.channel == "email"


def settings_in_session(s: Session, user_id: int, book_id: int) -> NotifySettings:
    row = s.scalar(select(NotificationSettings).where(NotificationSettings.user_id == user_id,
                                                      NotificationSettings.book_id == book_id))
    if row is None:
        return NotifySettings()
    return NotifySettings(row.budget_alerts, row.subscription_alerts, row.channel, row.weekly,
                          row.weekday, check_thresholds(row.thresholds))


def get_settings(scope: Scope) -> NotifySettings:
    """The acting user's settings for the scope's book (the defaults when never saved)."""
    with scope.db.read() as s:
        require(s, scope, READ)
        return settings_in_session(s, scope.user_id, scope.book_id)


def update_settings(scope: Scope, **changes: object) -> NotifySettings:
    """Change some of the acting user's own settings (names as in ``NotifySettings``).

    Any member may, viewers too: the settings are theirs, not the book's.
    """
    names = {f.name for f in fields(NotifySettings)}
    unknown = sorted(set(changes) - names)
    if unknown:
        raise ValidationError(unknown[0], "is not a notification setting")
    with scope.db.write() as s:
        require(s, scope, READ)
        old = settings_in_session(s, scope.user_id, scope.book_id)
        new = replace(old, **changes)  # type: ignore[arg-type]
        if new.channel not in CHANNELS:
            raise ValidationError("channel", f"choose one of {', '.join(CHANNELS)}")
        if not isinstance(new.weekday, int) or not 0 <= new.weekday <= 6:
            raise ValidationError("weekday", "choose 0 (Monday) to 6 (Sunday)")
        thresholds = check_thresholds(new.thresholds)
        row = s.scalar(select(NotificationSettings).where(
            NotificationSettings.user_id == scope.user_id,
            NotificationSettings.book_id == scope.book_id))
        if row is None:
            row = NotificationSettings(user_id=scope.user_id, book_id=scope.book_id)
            s.add(row)
        row.budget_alerts = bool(new.budget_alerts)
        row.subscription_alerts = bool(new.subscription_alerts)
        row.channel = new.channel
        row.weekly = bool(new.weekly)
        row.weekday = new.weekday
        row.thresholds = ",".join(str(t) for t in thresholds)
        return replace(new, thresholds=thresholds)


EMAIL_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def set_my_email(db: Database, user_id: int, email: str) -> str:
    """Set the acting user's own e-mail address (where their notifications go); empty
    removes it. Only a plain address is taken: no display name, no list."""
    address = clean_text(email, "email", MAX_EMAIL)
    if address and not EMAIL_RE.match(address):
        raise ValidationError("email", f"{address!r} is not an e-mail address")
    with db.write() as s:
        user = s.get(User, user_id)
        if user is None:
            raise NotFound("user", user_id)
        user.email = address
    return address
