"""The alert list people see (Overview, Budgets page, CLI): newest first, read or unread,
dismissed ones kept out of the way but never deleted (they are the budget's history)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update

from fintrack_core.access import READ, WRITE, Scope, require
from fintrack_core.budgets.alerts import AlertEvent
from fintrack_core.budgets.periods import Span
from fintrack_core.db.models import Book, Budget, BudgetAlert
from fintrack_core.errors import NotFound, ValidationError
from fintrack_core.ledger.categories import category_tree

MAX_ALERTS = 500


@dataclass(frozen=True, slots=True)
class AlertView:
    id: int
    budget_id: int
    category: str
    threshold: int
    span: Span
    spent_minor: int
    limit_minor: int
    currency: str
    fired_at: dt.datetime
    resolved: bool
    read: bool
    dismissed: bool

    @property
    def message(self) -> str:
        return AlertEvent("resolved" if self.resolved else "fired", self.budget_id,
                          self.category, self.threshold, self.span, self.spent_minor,
                          self.limit_minor, self.currency).message


def list_alerts(scope: Scope, *, include_dismissed: bool = False, unread_only: bool = False,
                limit: int = 50) -> list[AlertView]:
    """The book's budget alerts, newest first."""
    if not 1 <= int(limit) <= MAX_ALERTS:
        raise ValidationError("limit", f"choose 1 to {MAX_ALERTS}")
    with scope.db.read() as s:
        require(s, scope, READ)
        q = (select(BudgetAlert, Budget.category_id)
             .join(Budget, Budget.id == BudgetAlert.budget_id)
             .where(BudgetAlert.book_id == scope.book_id, Budget.book_id == scope.book_id))
        if not include_dismissed:
            q = q.where(BudgetAlert.dismissed_at.is_(None))
        if unread_only:
            q = q.where(BudgetAlert.read_at.is_(None))
        rows = s.execute(q.order_by(BudgetAlert.fired_at.desc(), BudgetAlert.threshold.desc())
                         .limit(int(limit))).all()
        paths = {c.id: c.path for c in category_tree(s, scope.book_id)}
        currency = str(s.scalar(select(Book.base_currency).where(Book.id == scope.book_id)))
        return [AlertView(a.id, a.budget_id, paths.get(cat_id, "?"), a.threshold,
                          Span(a.period_start, a.period_end), a.spent_minor, a.limit_minor,
                          currency, a.fired_at, a.resolved_at is not None,
                          a.read_at is not None, a.dismissed_at is not None)
                for a, cat_id in rows]


def _mark(scope: Scope, alert_ids: list[int], **values: object) -> int:
    ids = sorted({int(i) for i in alert_ids})
    with scope.db.write() as s:
        require(s, scope, WRITE)
        found = set(s.scalars(select(BudgetAlert.id).where(BudgetAlert.book_id == scope.book_id,
                                                           BudgetAlert.id.in_(ids))))
        missing = set(ids) - found
        if missing:
            raise NotFound("alert", min(missing))
        s.execute(update(BudgetAlert).where(BudgetAlert.book_id == scope.book_id,
                                            BudgetAlert.id.in_(ids)).values(**values))
        return len(ids)


def mark_read(scope: Scope, alert_ids: list[int]) -> int:
    """Mark alerts read (they stay in the list, no longer bold)."""
    return _mark(scope, alert_ids, read_at=dt.datetime.now(dt.UTC).replace(tzinfo=None))


def dismiss_alerts(scope: Scope, alert_ids: list[int]) -> int:
    """Take alerts off the list (kept, and shown again only with ``include_dismissed``)."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return _mark(scope, alert_ids, dismissed_at=now, read_at=now)
