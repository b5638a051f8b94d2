"""The demo household's budgets: sized from its own spending so the Budgets page has something
real to show on the first start, whatever day that is.

The demo's dates end on the day it is created, so a fixed amount would be far off on the 2nd
of a month and far over on the 30th. Instead each amount is derived from the book: most from
the category's average over the last twelve periods, and two (Groceries, Restaurants) from
what is already spent in the current period, so one budget stands at a warning threshold and
one over its limit. Their crossings are then recorded as a write would record them, so the
alert list has news too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from fintrack_core.access import Scope
from fintrack_core.budgets.alerts import check_budget_alerts
from fintrack_core.budgets.history import budget_history
from fintrack_core.budgets.periods import PeriodKind, span_containing
from fintrack_core.budgets.service import BudgetInput, add_budget, update_budget
from fintrack_core.budgets.status import budget_status
from fintrack_core.db.engine import Database
from fintrack_core.ledger.categories import list_categories
from fintrack_core.reports.periods import add_months

HISTORY = 12  # periods before the current one, so the history chart is full


@dataclass(frozen=True, slots=True)
class DemoBudget:
    category: str
    period: PeriodKind = PeriodKind.MONTHLY
    start_day: int = 1
    rollover: bool = False
    # Average-based: the amount is this share of the usual spending per period. Pace-based
    # (``used`` set): the amount makes what is spent so far this share of it (per cent).
    of_average: Decimal = Decimal("1.15")
    used: int | None = None


DEMO_BUDGETS = (
    DemoBudget("Food", of_average=Decimal("1.25")),
    DemoBudget("Groceries", used=86),          # at the 80 % warning
    DemoBudget("Restaurants", used=108),       # over its limit
    DemoBudget("Coffee", rollover=True, of_average=Decimal("1.0")),
    DemoBudget("Shopping", start_day=25, of_average=Decimal("1.3")),  # paid on the 25th
    DemoBudget("Public transport", PeriodKind.WEEKLY, 0, of_average=Decimal("1.2")),
    DemoBudget("Entertainment", of_average=Decimal("1.2")),
)


def _first_day(item: DemoBudget, end: dt.date) -> dt.date:
    """The start of the period ``HISTORY`` periods before the one containing ``end``."""
    if item.period is PeriodKind.WEEKLY:
        back = end - dt.timedelta(weeks=HISTORY)
    else:
        back = add_months(end.replace(day=1), -HISTORY)
    return span_containing(item.period, item.start_day, back).start


def _whole_euros(minor: int | Decimal, step: int = 500) -> Decimal:
    """At least 5.00, rounded to 5.00 steps: amounts people would set."""
    steps = max(1, int((Decimal(minor) / step).to_integral_value()))
    return Decimal(steps * step) / 100


def add_demo_budgets(db: Database, user_id: int, book_id: int, end: dt.date) -> int:
    """Add ``DEMO_BUDGETS`` to the demo user's book (its data ending on ``end``); returns how
    many. Part of filling the demo (not a service of its own), acting as the demo user.

    Amounts start at 1.00 so the history and status (the core's own figures) can size them.
    """
    scope = Scope(db, user_id, book_id)
    cats = {c.name: c.id for c in list_categories(scope)}
    added = []
    for item in DEMO_BUDGETS:
        budget = add_budget(scope, BudgetInput(cats[item.category], "1", item.period,
                                               item.start_day, _first_day(item, end),
                                               rollover=item.rollover))
        history = budget_history(scope, budget.id, HISTORY + 1, as_of=end).periods
        earlier = [int(v) for v in history["spent"][:-1]]
        average = Decimal(sum(earlier)) / max(1, len(earlier))
        amount = _whole_euros(average * item.of_average)
        if item.used is not None:
            status = budget_status(scope, end, [budget.id])[0]
            if status.spent_minor > 0:
                amount = max(Decimal(1), (Decimal(status.spent_minor) / item.used)
                             .quantize(Decimal(1)))
        update_budget(scope, budget.id, amount=amount)
        added.append(budget)
    with scope.db.write() as s:
        check_budget_alerts(s, scope.book_id, [(b.category_id, end) for b in added])
    return len(added)
