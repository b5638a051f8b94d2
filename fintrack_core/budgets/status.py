"""How each budget stands: spent, remaining, % used, days left, safe to spend per day, the
projected spend at the current pace, and what rolled over from earlier periods.

Spending is read from the book's columnar copy (``reports.store``), converted to the base
currency with the reports' rate rule, so a budget and the monthly report never disagree on
what was spent. What counts as spending in a budget's category sub-tree: every row that is
not a transfer, refunds included (they lower the figure); future scheduled rows are plans,
not spending. A row with no exchange rate is never counted as zero: it is reported in
``unconverted`` beside the figure it is missing from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, cast

import numpy as np
import pandas as pd

from fintrack_core.access import Scope
from fintrack_core.budgets.periods import PeriodKind, Span, spans_between
from fintrack_core.budgets.service import BudgetView, list_budgets
from fintrack_core.reports.store import report_store


@dataclass(frozen=True, slots=True)
class BudgetStatus:
    """One budget in the period containing ``as_of`` (amounts in base minor units)."""

    budget: BudgetView
    span: Span
    as_of: dt.date
    limit_minor: int       # the budget's amount plus what rolled over (may be negative)
    carried_minor: int     # rolled over from earlier periods (0 without rollover)
    spent_minor: int       # money out minus refunds; negative when refunds exceed spending
    # Spending with no exchange rate (per currency, own minor units), in this period or one
    # whose rest rolled over into it: left out of ``spent_minor``, never counted as zero.
    unconverted: dict[str, int] = field(default_factory=dict)

    @property
    def remaining_minor(self) -> int:
        return self.limit_minor - self.spent_minor

    @property
    def percent_used(self) -> Decimal | None:
        """Spent as a percentage of the limit, one decimal; None when nothing is left to
        measure against (a limit of zero or below after overspending rolled over)."""
        if self.limit_minor <= 0:
            return None
        return (Decimal(self.spent_minor) * 100 / Decimal(self.limit_minor)).quantize(
            Decimal("0.1"), ROUND_HALF_EVEN)

    @property
    def days_left(self) -> int:
        """Days of the period from ``as_of`` to its end, both included."""
        return max(0, (self.span.end - self.as_of).days + 1)

    @property
    def safe_per_day_minor(self) -> int:
        """What can be spent each remaining day and still end within the limit (rounded
        down: spending the rounded figure every day never overshoots)."""
        if self.days_left == 0 or self.remaining_minor <= 0:
            return 0
        return self.remaining_minor // self.days_left

    @property
    def projected_minor(self) -> int:
        """The spend at the period's end if it goes on at the pace so far."""
        elapsed = min(self.span.days, max(1, (self.as_of - self.span.start).days + 1))
        projected = Decimal(self.spent_minor) * self.span.days / elapsed
        return int(projected.to_integral_value(ROUND_HALF_EVEN))

    @property
    def crossed(self) -> tuple[int, ...]:
        """The thresholds (percent) the spending has reached, lowest first."""
        if self.limit_minor <= 0:
            return self.budget.thresholds if self.spent_minor > 0 else ()
        return tuple(t for t in self.budget.thresholds
                     if self.spent_minor * 100 >= t * self.limit_minor)

    @property
    def level(self) -> str:
        """'ok', 'warning' (a threshold below 100 % reached) or 'over' (100 % or more)."""
        crossed = self.crossed
        if not crossed:
            return "ok"
        return "over" if max(crossed) >= 100 else "warning"


_SPENT_SQL = """
WITH b(budget_id, category_id, first_day, last_day) AS (VALUES {values})
SELECT b.budget_id, t.date,
       CASE WHEN t.amount_base IS NULL THEN t.currency ELSE '' END AS unconverted,
       CAST(sum(coalesce(t.amount_base, t.amount_minor)) AS BIGINT) AS amount
FROM b
JOIN category_ancestors a ON a.ancestor_id = b.category_id
JOIN tx t ON t.category_id = a.category_id AND t.date BETWEEN b.first_day AND b.last_day
WHERE t.flow <> 'transfer' AND NOT (t.scheduled AND t.date > ?)
GROUP BY ALL
"""


def _spans(budget: BudgetView, as_of: dt.date) -> list[Span]:
    """The periods whose spending the status needs: the current one, and with rollover every
    earlier one since the budget started."""
    current = budget.span_on(as_of)
    assert current is not None
    if not budget.rollover or budget.period is PeriodKind.CUSTOM:
        return [current]
    spans = spans_between(budget.period, budget.start_day, budget.starts_on, as_of)
    return [Span(max(s.start, budget.starts_on), s.end) for s in spans]


def daily_spending(scope: Scope, wanted: list[tuple[BudgetView, dt.date, dt.date]]
                   ) -> pd.DataFrame:
    """Spending per budget and day between the given dates (one query for all budgets):
    columns budget_id, date, unconverted ('' or the currency of rows with no rate),
    amount (base minor units; the currency's own minor units for unconverted rows), with
    money out positive."""
    if not wanted:
        return pd.DataFrame({"budget_id": [], "date": [], "unconverted": [], "amount": []})
    values = ", ".join("(?, ?, CAST(? AS DATE), CAST(? AS DATE))" for _ in wanted)
    params: list[object] = []
    for budget, first, last in wanted:
        params += [budget.id, budget.category_id, first, last]
    params.append(dt.date.today())
    frame = report_store(scope.db).query(scope, _SPENT_SQL.format(values=values), params)
    frame["amount"] = -frame["amount"].astype("int64")
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


@dataclass(frozen=True, slots=True)
class Spending:
    """One budget's rows of ``daily_spending``: the converted days and amounts (base minor
    units, money out positive), and per currency what had no rate."""

    dates: np.ndarray[Any, np.dtype[np.datetime64]]
    amounts: np.ndarray[Any, np.dtype[np.int64]]
    unconverted: dict[str, int]

    def between(self, start: dt.date, end: dt.date) -> int:
        """The converted spending from ``start`` to ``end``, both included."""
        inside = (self.dates >= np.datetime64(start)) & (self.dates <= np.datetime64(end))
        return int(self.amounts[inside].sum())


def spending_by_budget(frame: pd.DataFrame) -> dict[int, Spending]:
    """``daily_spending``'s frame split per budget id: whole-column arrays once, then each
    budget's rows by position (no per-budget frames). Budgets with no rows are absent."""
    days = frame["date"].to_numpy(dtype="datetime64[D]")
    amounts = frame["amount"].to_numpy(dtype=np.int64)
    no_rate = frame["unconverted"].to_numpy(dtype=object)
    converted = no_rate == ""
    out: dict[int, Spending] = {}
    for key, rows in (frame.groupby("budget_id").indices.items() if len(frame) else ()):
        ok = rows[converted[rows]]
        missing: dict[str, int] = {}
        for pos in rows[~converted[rows]]:
            code = str(no_rate[pos])
            missing[code] = missing.get(code, 0) + int(amounts[pos])
        out[int(cast(int, key))] = Spending(days[ok], amounts[ok], missing)
    return out


NO_SPENDING = Spending(np.zeros(0, dtype="datetime64[D]"), np.zeros(0, dtype=np.int64), {})


def budget_status(scope: Scope, as_of: dt.date | None = None,
                  budget_ids: list[int] | None = None) -> list[BudgetStatus]:
    """The status of the book's budgets that apply on ``as_of`` (default today)."""
    day = as_of or dt.date.today()
    budgets = [b for b in list_budgets(scope) if b.span_on(day) is not None
               and (budget_ids is None or b.id in budget_ids)]
    spans = {b.id: _spans(b, day) for b in budgets}
    frame = daily_spending(scope, [(b, spans[b.id][0].start, spans[b.id][-1].end)
                                   for b in budgets])
    spending = spending_by_budget(frame)
    out = []
    for budget in budgets:
        mine = spending.get(budget.id, NO_SPENDING)
        carried = sum(budget.amount_minor - mine.between(span.start, span.end)
                      for span in spans[budget.id][:-1])
        current = spans[budget.id][-1]
        # Rows with no rate, in this period or one that rolled into it: named, not zero.
        out.append(BudgetStatus(budget, current, day, budget.amount_minor + carried, carried,
                                mine.between(current.start, current.end),
                                dict(mine.unconverted)))
    return out
