"""Budget alerts: a threshold crossed, found inside the very write that crossed it.

Why inside the write: a transaction typed in, imported, edited, re-categorised or deleted can
push a budget over (or back under) a threshold, and the crossing must be recorded with the
change or not at all — never lost between two processes, never recorded twice. The check
reads the live tables of the write's own session (the report copy would not see the rows
being written) and converts with the same rate rule and rounding as the reports
(``fx.daily_rates``; exact fraction, half-even per row), so alert and status agree.

Once only: one ``budget_alerts`` row per budget, threshold and period. A later change that
brings the spending back under the threshold resolves it (the row stays, with
``resolved_at``); crossing again re-opens the same row. A crossing in a period that is already
over (an old statement imported) is recorded as read: history, not news.

Who hears about it: every check returns its events, and ``collect_alerts()`` gathers the
events of the writes made inside it, so a page, the import summary or the CLI can show what
the write it just made has crossed, without any core function changing its return value.
"""

from __future__ import annotations

import bisect
import contextlib
import contextvars
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fintrack_core.budgets.periods import PeriodKind, Span, spans_between
from fintrack_core.budgets.service import BudgetView, budgets_in_session
from fintrack_core.db.models import BudgetAlert, Transaction
from fintrack_core.ledger.categories import category_tree, descendant_ids
from fintrack_core.ledger.fx import RateTable, rates_in_session
from fintrack_core.money import exponent

Touched = tuple[int | None, dt.date]  # (category id, date) of a row before or after a change


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """A threshold crossed ("fired") or no longer crossed ("resolved") by a write."""

    kind: str            # "fired" | "resolved"
    budget_id: int
    category: str        # path of the budget's category
    threshold: int       # percent
    span: Span
    spent_minor: int
    limit_minor: int
    currency: str

    @property
    def message(self) -> str:
        from fintrack_core.money import format_money

        spent = format_money(self.spent_minor, self.currency)
        limit = format_money(self.limit_minor, self.currency)
        start, end = self.span.start, self.span.end
        period = f"{start.day} {start:%b} – {end.day} {end:%b %Y}"
        if self.kind == "resolved":
            return (f"{self.category}: back under {self.threshold} % of its budget "
                    f"({spent} of {limit}, {period})")
        return (f"{self.category}: {self.threshold} % of its budget reached ({spent} of "
                f"{limit}, {period})")

    def as_json(self) -> dict[str, object]:
        return {"kind": self.kind, "budget_id": self.budget_id, "category": self.category,
                "threshold": self.threshold, "period_start": self.span.start.isoformat(),
                "period_end": self.span.end.isoformat(), "spent_minor": self.spent_minor,
                "limit_minor": self.limit_minor, "currency": self.currency,
                "message": self.message}


_COLLECTOR: contextvars.ContextVar[list[AlertEvent] | None] = contextvars.ContextVar(
    "fintrack_budget_alerts", default=None)


@contextlib.contextmanager
def collect_alerts() -> Iterator[list[AlertEvent]]:
    """The alert events of every write made inside the block (committed or not: a write
    that fails raises, and its events never reach the caller's output)."""
    events: list[AlertEvent] = []
    token = _COLLECTOR.set(events)
    try:
        yield events
    finally:
        _COLLECTOR.reset(token)


def _rates(s: Session, book_id: int) -> RateTable:
    return RateTable(rates_in_session(s, book_id))


def _to_base(minor: int, currency: str, base: str, day: dt.date, rates: RateTable
             ) -> int | None:
    """One row in the base's minor units: exact fraction, half-even once (as the copy)."""
    if currency == base:
        return minor
    rate = rates.fraction(currency, base, day)
    if rate is None:
        return None
    return round(Fraction(minor) * rate * Fraction(10) ** (exponent(base) - exponent(currency)))


def _spans_to_check(budget: BudgetView, days: set[dt.date], today: dt.date) -> list[Span]:
    """The periods a change on ``days`` can move: the periods of those days, and with
    rollover every later period up to today's (what is carried changes with them)."""
    spans = {span for d in days if (span := budget.span_on(d)) is not None}
    if budget.rollover and budget.period is not PeriodKind.CUSTOM and spans:
        first = min(s.start for s in spans)
        for span in spans_between(budget.period, budget.start_day, first, today):
            if (cut := budget.span_on(span.start) or budget.span_on(span.end)) is not None:
                spans.add(cut)
    return sorted(spans, key=lambda s: s.start)


def _spending(s: Session, book_id: int, categories: set[int], first: dt.date, last: dt.date,
              base: str, rates: RateTable, today: dt.date) -> dict[dt.date, int]:
    """Spending (money out positive) per day in the categories; rows without a rate are
    left out here exactly as in the status, which names them."""
    where = (Transaction.book_id == book_id, Transaction.category_id.in_(categories),
             Transaction.date.between(first, last), Transaction.transfer_id.is_(None),
             ~(Transaction.scheduled & (Transaction.date > today)))
    per_day: dict[dt.date, int] = {}
    for day, total in s.execute(select(Transaction.date, func.sum(Transaction.amount_minor))
                                .where(*where, Transaction.currency == base)
                                .group_by(Transaction.date)):
        per_day[day] = per_day.get(day, 0) - int(total)
    for day, minor, ccy in s.execute(select(Transaction.date, Transaction.amount_minor,
                                            Transaction.currency)
                                     .where(*where, Transaction.currency != base)):
        converted = _to_base(int(minor), ccy, base, day, rates)
        if converted is not None:
            per_day[day] = per_day.get(day, 0) - converted
    return per_day


def _running_total(per_day: dict[dt.date, int]) -> Callable[[Span], int]:
    """The spending of any span from the daily figures, by two lookups in a running sum."""
    days = sorted(per_day)
    sums = [0]
    for d in days:
        sums.append(sums[-1] + per_day[d])

    def total(span: Span) -> int:
        return sums[bisect.bisect_right(days, span.end)] - sums[bisect.bisect_left(days,
                                                                                   span.start)]
    return total


def check_budget_alerts(s: Session, book_id: int, touched: Iterable[Touched],
                        now: dt.datetime | None = None) -> list[AlertEvent]:
    """Record the threshold crossings (and back-offs) a write caused, inside that write.

    ``touched``: (category id, date) of every row the write added, changed (before and
    after) or deleted. Cheap when no budget covers them: one query for the book's budgets.
    """
    days_by_category: dict[int, set[dt.date]] = {}
    for category_id, day in touched:
        if category_id is not None:
            days_by_category.setdefault(int(category_id), set()).add(day)
    if not days_by_category:
        return []
    budgets = budgets_in_session(s, book_id)
    if not budgets:
        return []
    stamp = (now or dt.datetime.now(dt.UTC)).replace(tzinfo=None)
    today = dt.date.today()
    tree = category_tree(s, book_id)
    rates: RateTable | None = None
    events: list[AlertEvent] = []
    for budget in budgets:
        subtree = descendant_ids(tree, budget.category_id)
        days = set().union(*(days_by_category.get(c, set()) for c in subtree))
        spans = _spans_to_check(budget, days, today) if days else []
        if not spans:
            continue
        rates = rates or _rates(s, book_id)
        first = budget.starts_on if budget.rollover else spans[0].start
        per_day = _spending(s, book_id, subtree, first, spans[-1].end, budget.currency,
                            rates, today)
        total = _running_total(per_day)
        for span in spans:
            carried = 0
            if budget.rollover and budget.period is not PeriodKind.CUSTOM:
                for earlier in spans_between(budget.period, budget.start_day, budget.starts_on,
                                             span.start - dt.timedelta(days=1)):
                    if earlier.start >= span.start:
                        break
                    cut = Span(max(earlier.start, budget.starts_on), earlier.end)
                    carried += budget.amount_minor - total(cut)
            events += _record(s, book_id, budget, span, total(span),
                              budget.amount_minor + carried, stamp, today)
    collector = _COLLECTOR.get()
    if collector is not None:
        collector.extend(events)
    return events


def _record(s: Session, book_id: int, budget: BudgetView, span: Span, spent: int, limit: int,
            stamp: dt.datetime, today: dt.date) -> list[AlertEvent]:
    stored = {a.threshold: a for a in s.scalars(select(BudgetAlert).where(
        BudgetAlert.budget_id == budget.id, BudgetAlert.period_start == span.start))}
    events = []
    for threshold in budget.thresholds:
        crossed = spent * 100 >= threshold * limit and spent > 0
        alert = stored.get(threshold)
        event = AlertEvent("fired", budget.id, budget.category, threshold, span, spent, limit,
                           budget.currency)
        if crossed and alert is None:
            past = span.end < today
            s.add(BudgetAlert(book_id=book_id, budget_id=budget.id, threshold=threshold,
                              period_start=span.start, period_end=span.end, spent_minor=spent,
                              limit_minor=limit, fired_at=stamp,
                              read_at=stamp if past else None))
            events.append(event)
        elif crossed and alert is not None and alert.resolved_at is not None:
            alert.resolved_at, alert.read_at, alert.dismissed_at = None, None, None
            alert.fired_at, alert.spent_minor, alert.limit_minor = stamp, spent, limit
            events.append(event)
        elif not crossed and alert is not None and alert.resolved_at is None:
            alert.resolved_at, alert.spent_minor, alert.limit_minor = stamp, spent, limit
            events.append(AlertEvent("resolved", budget.id, budget.category, threshold, span,
                                     spent, limit, budget.currency))
    s.flush()
    return events
