"""Budget against actual over time: the last periods of one budget, a year's table of every
budget by month, and the income of a month that no budget has claimed yet.

Which month a budget's money belongs to: the month its period starts in. A monthly budget has
one period a month (from its start day), a weekly one four or five, a yearly one all of its
amount in its first month, a custom one in the month it starts. Nothing is pro-rated, so every
figure is a sum of whole periods, each compared with its own spending — never a share of a
period that no one budgeted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from fintrack_core.access import Scope
from fintrack_core.budgets.periods import PeriodKind, Span, spans_between
from fintrack_core.budgets.service import BudgetView, get_budget, list_budgets
from fintrack_core.budgets.status import NO_SPENDING, daily_spending, spending_by_budget
from fintrack_core.errors import ValidationError
from fintrack_core.reports.store import report_store

MAX_PERIODS = 60


def _periods(budget: BudgetView, first: dt.date, last: dt.date) -> list[Span]:
    """The budget's periods that start between ``first`` and ``last``, cut to its dates."""
    if budget.period is PeriodKind.CUSTOM:
        assert budget.ends_on is not None
        spans = [Span(budget.starts_on, budget.ends_on)]
    else:
        spans = spans_between(budget.period, budget.start_day, max(first, budget.starts_on),
                              last if budget.ends_on is None else min(last, budget.ends_on))
        spans = [Span(max(s.start, budget.starts_on),
                      s.end if budget.ends_on is None else min(s.end, budget.ends_on))
                 for s in spans]
    return [s for s in spans if first <= s.start <= last]


def _spent(scope: Scope, wanted: list[tuple[BudgetView, list[Span]]]
           ) -> dict[int, tuple[list[int], dict[str, int]]]:
    """Per budget id: the spending of each of its spans (base minor units) and what had no
    rate (per currency). One query for all the budgets: a month's summary used to pay one
    report round trip per budget, most of its time."""
    asked = [(budget, spans) for budget, spans in wanted if spans]
    frame = daily_spending(scope, [(b, spans[0].start, spans[-1].end) for b, spans in asked])
    spending = spending_by_budget(frame)
    out: dict[int, tuple[list[int], dict[str, int]]] = {}
    for budget, spans in wanted:
        mine = spending.get(budget.id, NO_SPENDING)
        out[budget.id] = ([mine.between(s.start, s.end) for s in spans], dict(mine.unconverted))
    return out


@dataclass(frozen=True, slots=True)
class BudgetHistory:
    """One budget's last periods: start, end, budgeted (its amount), spent (base minor)."""

    budget: BudgetView
    periods: pd.DataFrame
    unconverted: dict[str, int]


def budget_history(scope: Scope, budget_id: int, periods: int = 12,
                   as_of: dt.date | None = None) -> BudgetHistory:
    """The last ``periods`` periods of a budget up to the one containing ``as_of``."""
    if not 1 <= int(periods) <= MAX_PERIODS:
        raise ValidationError("periods", f"choose 1 to {MAX_PERIODS} periods")
    budget = get_budget(scope, budget_id)
    day = as_of or dt.date.today()
    spans = _periods(budget, budget.starts_on, day)[-int(periods):]
    spent, unconverted = _spent(scope, [(budget, spans)])[budget.id]
    frame = pd.DataFrame({"start": [s.start for s in spans], "end": [s.end for s in spans],
                          "budgeted": [budget.amount_minor] * len(spans), "spent": spent})
    return BudgetHistory(budget, frame.astype({"budgeted": "int64", "spent": "int64"}),
                         unconverted)


def year_table(scope: Scope, year: int) -> pd.DataFrame:
    """Every budget against its spending, by the month its periods start in.

    Columns: budget_id, category, month (1-12), budgeted, spent (base minor units); one row
    per budget and month that has a period, sorted by category and month.
    """
    if not 1900 <= int(year) <= 2999:
        raise ValidationError("year", f"{year!r} is not a year")
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rows: list[tuple[int, str, int, int, int]] = []
    wanted = [(budget, _periods(budget, first, last)) for budget in list_budgets(scope)]
    spent_of = _spent(scope, wanted)
    for budget, spans in wanted:
        spent, _ = spent_of[budget.id]
        for span, amount in zip(spans, spent, strict=True):
            rows.append((budget.id, budget.category, span.start.month, budget.amount_minor,
                         amount))
    frame = pd.DataFrame(rows, columns=["budget_id", "category", "month", "budgeted", "spent"])
    frame = frame.groupby(["budget_id", "category", "month"], as_index=False)[
        ["budgeted", "spent"]].sum()
    return frame.sort_values(["category", "month"]).reset_index(drop=True).astype(
        {"budget_id": "int64", "month": "int64", "budgeted": "int64", "spent": "int64"})


def month_budgets(scope: Scope, month: dt.date) -> pd.DataFrame:
    """The budgets whose periods start in ``month``'s calendar month, against their spending.

    Columns: budget_id, category_id, category (path), budgeted, spent (base minor units; a
    weekly budget sums the four or five periods starting in the month), one row per budget,
    by category path. What the monthly report shows beside each category's actual.
    """
    first = month.replace(day=1)
    last = (pd.Timestamp(first) + pd.offsets.MonthEnd(0)).date()
    rows: list[tuple[int, int, str, int, int]] = []
    wanted = [(budget, _periods(budget, first, last)) for budget in list_budgets(scope)]
    spent_of = _spent(scope, [(budget, spans) for budget, spans in wanted if spans])
    for budget, spans in wanted:
        if spans:
            spent, _ = spent_of[budget.id]
            rows.append((budget.id, budget.category_id, budget.category,
                         budget.amount_minor * len(spans), sum(spent)))
    frame = pd.DataFrame(rows, columns=["budget_id", "category_id", "category", "budgeted",
                                        "spent"])
    return frame.astype({"budget_id": "int64", "category_id": "int64", "budgeted": "int64",
                         "spent": "int64"})


@dataclass(frozen=True, slots=True)
class Unbudgeted:
    """A month's income against the money its budgets claim (base minor units)."""

    month: dt.date
    income: int
    budgeted: int
    unconverted: dict[str, int]

    @property
    def left(self) -> int:
        """Income not yet given to a budget (negative: more is budgeted than came in)."""
        return self.income - self.budgeted


_INCOME_SQL = """
SELECT CAST(coalesce(sum(amount_base), 0) AS BIGINT) AS income
FROM tx WHERE flow = 'income' AND date BETWEEN ? AND ? AND amount_base IS NOT NULL
  AND NOT (scheduled AND date > ?)
"""
_INCOME_UNCONVERTED_SQL = """
SELECT currency, CAST(sum(amount_minor) AS BIGINT) AS amount
FROM tx WHERE flow = 'income' AND date BETWEEN ? AND ? AND amount_base IS NULL
GROUP BY currency
"""


def income_not_budgeted(scope: Scope, month: dt.date) -> Unbudgeted:
    """The calendar month's income, and the amounts of the budget periods starting in it."""
    first = month.replace(day=1)
    last = (pd.Timestamp(first) + pd.offsets.MonthEnd(0)).date()
    store = report_store(scope.db)
    income = int(store.query(scope, _INCOME_SQL, [first, last, dt.date.today()])
                 ["income"].sum())
    missing = store.query(scope, _INCOME_UNCONVERTED_SQL, [first, last])
    budgeted = sum(b.amount_minor * len(_periods(b, first, last)) for b in list_budgets(scope))
    return Unbudgeted(first, income, budgeted,
                      {str(c): int(v) for c, v in zip(missing["currency"], missing["amount"],
                                                      strict=True)})
