"""Budgets of a book: add, change, delete, list, with every rule checked where it is written.

A budget limits the spending of one expense category and its whole sub-tree per period, in
the book's base currency. Why two budgets of one category may not overlap in time: the
status, the alerts and the "budget against actual" history would have to pick one of them,
and any pick would be a silent guess.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fintrack_core.access import READ, WRITE, Scope, require
from fintrack_core.budgets.periods import PeriodKind, Span, check_start_day, span_containing
from fintrack_core.db.models import Book, Budget, Category, CategoryKind, NotificationSettings
from fintrack_core.errors import NotFound, ValidationError
from fintrack_core.ledger.categories import category_tree, get_category
from fintrack_core.money import to_decimal, to_minor

DEFAULT_THRESHOLDS = (80, 100)
MAX_THRESHOLDS = 5
MAX_THRESHOLD = 1000  # percent: "warn me at 10x the budget" is still a choice, 10^6 is a typo


@dataclass(frozen=True, slots=True)
class BudgetInput:
    """What a person fills in; ``amount`` is in the book's base currency."""

    category_id: int
    amount: Decimal | str
    period: str | PeriodKind = PeriodKind.MONTHLY
    start_day: int = 1           # see ``budgets.periods``: day, weekday or month by period
    starts_on: dt.date | None = None  # default: the first day of the current period
    ends_on: dt.date | None = None    # required for custom periods
    rollover: bool = False
    # None: the acting user's default for new budgets (notification settings), else 80,100
    thresholds: tuple[int, ...] | None = None


@dataclass(frozen=True, slots=True)
class BudgetView:
    id: int
    category_id: int
    category: str  # the category's path, "Food → Groceries"
    amount_minor: int
    currency: str  # the book's base currency
    period: PeriodKind
    start_day: int
    starts_on: dt.date
    ends_on: dt.date | None
    rollover: bool
    thresholds: tuple[int, ...] = field(default=DEFAULT_THRESHOLDS)

    def span_on(self, day: dt.date) -> Span | None:
        """The period containing ``day``, or None when the budget does not apply that day."""
        if day < self.starts_on or (self.ends_on is not None and day > self.ends_on):
            return None
        if self.period is PeriodKind.CUSTOM:
            assert self.ends_on is not None
            return Span(self.starts_on, self.ends_on)
        span = span_containing(self.period, self.start_day, day)
        # The first and last periods are cut to the budget's own dates.
        return Span(max(span.start, self.starts_on),
                    span.end if self.ends_on is None else min(span.end, self.ends_on))


def period_kind(value: str | PeriodKind) -> PeriodKind:
    try:
        return PeriodKind(str(value).strip().lower())
    except ValueError:
        raise ValidationError("period", f"{value!r} is not a period; choose one of "
                                        f"{', '.join(p.value for p in PeriodKind)}") from None


def check_thresholds(values: Iterable[int] | str) -> tuple[int, ...]:
    """Whole percentages, 1-1000, at most five: ``"80, 100"`` -> ``(80, 100)``."""
    if isinstance(values, str):
        parts = [p.strip().rstrip("%").strip() for p in values.split(",") if p.strip()]
        if not all(p.isascii() and p.isdigit() for p in parts):
            raise ValidationError("thresholds", f"{values!r} is not a list of whole "
                                                "percentages such as 80,100")
        values = [int(p) for p in parts]
    out = sorted(set(values))
    for v in out:
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= MAX_THRESHOLD:
            raise ValidationError("thresholds", f"{v!r} is not a percentage from 1 to "
                                                f"{MAX_THRESHOLD}")
    if not out:
        raise ValidationError("thresholds", "give at least one percentage, e.g. 80,100")
    if len(out) > MAX_THRESHOLDS:
        raise ValidationError("thresholds", f"{len(out)} given (at most {MAX_THRESHOLDS})")
    return tuple(out)


def _view(b: Budget, path: str, currency: str) -> BudgetView:
    return BudgetView(b.id, b.category_id, path, b.amount_minor, currency, PeriodKind(b.period),
                      b.start_day, b.starts_on, b.ends_on, b.rollover,
                      check_thresholds(b.thresholds))


def _paths(s: Session, book_id: int) -> dict[int, str]:
    return {c.id: c.path for c in category_tree(s, book_id)}


def _base_currency(s: Session, book_id: int) -> str:
    return str(s.scalar(select(Book.base_currency).where(Book.id == book_id)))


def _checked(s: Session, scope: Scope, data: BudgetInput, exclude_id: int | None = None
             ) -> Budget:
    """A ``Budget`` row for ``data`` (not added), or the first rule it breaks, by field."""
    cat = get_category(s, scope.book_id, data.category_id, "category")
    if cat.kind != CategoryKind.EXPENSE:
        raise ValidationError("category", f"{cat.name!r} is an {cat.kind.value} category; "
                                          "budgets limit spending, choose an expense category")
    currency = _base_currency(s, scope.book_id)
    amount = to_minor(data.amount, currency, "amount")
    if amount <= 0:
        raise ValidationError("amount", f"must be more than zero (got {data.amount})")
    kind = period_kind(data.period)
    start_day = check_start_day(kind, data.start_day if kind is not PeriodKind.CUSTOM else 1)
    if kind is PeriodKind.CUSTOM:
        if data.starts_on is None or data.ends_on is None:
            raise ValidationError("ends_on" if data.starts_on else "starts_on",
                                  "a custom period needs a start and an end date")
        starts_on = data.starts_on
    else:
        starts_on = data.starts_on or span_containing(kind, start_day, dt.date.today()).start
    if data.ends_on is not None and data.ends_on < starts_on:
        raise ValidationError("ends_on", f"{data.ends_on} is before the start {starts_on}")
    thresholds = check_thresholds(data.thresholds if data.thresholds is not None
                                  else _default_thresholds(s, scope))
    _check_no_overlap(s, scope.book_id, cat, starts_on, data.ends_on, exclude_id)
    return Budget(book_id=scope.book_id, category_id=cat.id, amount_minor=amount,
                  period=kind.value, start_day=start_day, starts_on=starts_on,
                  ends_on=data.ends_on, rollover=bool(data.rollover),
                  thresholds=",".join(str(t) for t in thresholds))


def _default_thresholds(s: Session, scope: Scope) -> str:
    """The thresholds the acting user chose for new budgets of this book (Settings →
    Notifications), or ``DEFAULT_THRESHOLDS``."""
    chosen = s.scalar(select(NotificationSettings.thresholds).where(
        NotificationSettings.user_id == scope.user_id,
        NotificationSettings.book_id == scope.book_id))
    return chosen or ",".join(str(t) for t in DEFAULT_THRESHOLDS)


def _check_no_overlap(s: Session, book_id: int, cat: Category, starts_on: dt.date,
                      ends_on: dt.date | None, exclude_id: int | None) -> None:
    q = select(Budget).where(Budget.book_id == book_id, Budget.category_id == cat.id)
    if exclude_id is not None:
        q = q.where(Budget.id != exclude_id)
    for other in s.scalars(q):
        starts_before_other_ends = other.ends_on is None or starts_on <= other.ends_on
        other_starts_before_end = ends_on is None or other.starts_on <= ends_on
        if starts_before_other_ends and other_starts_before_end:
            until = f" to {other.ends_on}" if other.ends_on else " on"
            raise ValidationError("starts_on", f"{cat.name!r} already has a budget (#{other.id}) "
                                               f"from {other.starts_on}{until}; periods of one "
                                               "category's budgets must not overlap")


def add_budget(scope: Scope, data: BudgetInput) -> BudgetView:
    with scope.db.write() as s:
        require(s, scope, WRITE)
        budget = _checked(s, scope, data)
        s.add(budget)
        s.flush()
        return _view(budget, _paths(s, scope.book_id)[budget.category_id],
                     _base_currency(s, scope.book_id))


def _get(s: Session, book_id: int, budget_id: int) -> Budget:
    budget = s.get(Budget, NotFound.unless_id("budget", budget_id))
    if budget is None or budget.book_id != book_id:
        raise NotFound("budget", budget_id)
    return budget


def update_budget(scope: Scope, budget_id: int, **changes: object) -> BudgetView:
    """Change some fields of a budget (names as in ``BudgetInput``); all rules re-checked."""
    names = {f.name for f in fields(BudgetInput)}
    unknown = sorted(set(changes) - names)
    if unknown:
        raise ValidationError(unknown[0], "is not a budget field")
    with scope.db.write() as s:
        require(s, scope, WRITE)
        budget = _get(s, scope.book_id, budget_id)
        amount = to_decimal(budget.amount_minor, _base_currency(s, scope.book_id))
        current = BudgetInput(budget.category_id, amount, budget.period, budget.start_day,
                              budget.starts_on, budget.ends_on, budget.rollover,
                              check_thresholds(budget.thresholds))
        values = {n: getattr(current, n) for n in names} | changes
        checked = _checked(s, scope, BudgetInput(**values), exclude_id=budget.id)
        for column in ("category_id", "amount_minor", "period", "start_day", "starts_on",
                       "ends_on", "rollover", "thresholds"):
            setattr(budget, column, getattr(checked, column))
        s.flush()
        return _view(budget, _paths(s, scope.book_id)[budget.category_id],
                     _base_currency(s, scope.book_id))


def delete_budget(scope: Scope, budget_id: int) -> None:
    """Delete a budget and its alert history."""
    with scope.db.write() as s:
        require(s, scope, WRITE)
        s.delete(_get(s, scope.book_id, budget_id))


def get_budget(scope: Scope, budget_id: int) -> BudgetView:
    with scope.db.read() as s:
        require(s, scope, READ)
        budget = _get(s, scope.book_id, budget_id)
        return _view(budget, _paths(s, scope.book_id)[budget.category_id],
                     _base_currency(s, scope.book_id))


def list_budgets(scope: Scope) -> list[BudgetView]:
    """The book's budgets, by category path, then start."""
    with scope.db.read() as s:
        require(s, scope, READ)
        return budgets_in_session(s, scope.book_id)


def budgets_in_session(s: Session, book_id: int) -> list[BudgetView]:
    """``list_budgets`` inside a session whose role check is done (the alert check runs
    inside the write that changed the transactions)."""
    paths = _paths(s, book_id)
    currency = _base_currency(s, book_id)
    rows = s.scalars(select(Budget).where(Budget.book_id == book_id)).all()
    views = [_view(b, paths[b.category_id], currency) for b in rows]
    return sorted(views, key=lambda v: (v.category, v.starts_on, v.id))
