"""The figures of the weekly e-mail: last week's spending by top-level category against the
average week of the four before, the largest expenses and the payees seen for the first time.

Why a report module: the figures are SQL over the book's copy like every other report, with
the same rate rule and the same meaning of "spending" (expense flow, transfers never), so the
mail and the Category analytics page agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

from fintrack_core.access import Scope
from fintrack_core.reports._base_query import UNCATEGORISED_LABEL, BookQuery, as_dates
from fintrack_core.reports.memo import remembered
from fintrack_core.telemetry import timed_report

AVERAGE_OF = 4  # weeks
LARGEST = 3


@dataclass(frozen=True, slots=True)
class CategoryWeek:
    category: str
    spent_minor: int          # last week, positive = money out (refunds lower it)
    average_minor: int        # average of the four weeks before, rounded half-even


@dataclass(frozen=True, slots=True)
class NotableTransaction:
    date: dt.date
    payee: str
    description: str
    amount_minor: int         # in the base currency, negative = money out
    new_payee: bool


@dataclass(frozen=True, slots=True)
class WeekFigures:
    first: dt.date            # Monday..Sunday (or the 7 days before the report day)
    last: dt.date
    currency: str
    categories: list[CategoryWeek]
    largest: list[NotableTransaction]
    new_payees: list[NotableTransaction]
    # Last week's spending in rows without an exchange rate, per currency in its own minor
    # units (positive = money out): not in the totals above, so the mail names it.
    unconverted: dict[str, int] = field(default_factory=dict)

    @property
    def total_minor(self) -> int:
        return sum(c.spent_minor for c in self.categories)

    @property
    def average_total_minor(self) -> int:
        return sum(c.average_minor for c in self.categories)


_BY_CATEGORY_SQL = f"""
SELECT coalesce(r.name, '{UNCATEGORISED_LABEL}') AS category,
       CAST(-sum(CASE WHEN t.date >= ? THEN t.amount_base ELSE 0 END) AS BIGINT) AS week,
       CAST(-sum(CASE WHEN t.date < ? THEN t.amount_base ELSE 0 END) AS BIGINT) AS before
FROM tx t
LEFT JOIN category_ancestors a ON a.category_id = t.category_id
LEFT JOIN categories r ON r.id = a.ancestor_id AND r.parent_id IS NULL
WHERE t.flow = 'expense' AND NOT t.scheduled AND t.amount_base IS NOT NULL
  AND t.date BETWEEN ? AND ? AND (t.category_id IS NULL OR r.id IS NOT NULL)
GROUP BY 1 ORDER BY week DESC, category
"""  # noqa: S608 - fixed SQL text; values are bound parameters

_NOTABLE_SQL = """
SELECT t.date, t.payee, t.description, CAST(t.amount_base AS BIGINT) AS amount,
       NOT EXISTS (SELECT 1 FROM tx p WHERE p.payee = t.payee AND p.date < ?
                   AND NOT p.scheduled) AS new_payee
FROM tx t
WHERE t.flow = 'expense' AND NOT t.scheduled AND t.amount_base IS NOT NULL
  AND t.date BETWEEN ? AND ?
ORDER BY t.amount_base, t.date, t.id
"""


def _average(total: int) -> int:
    return int((Decimal(total) / AVERAGE_OF).to_integral_value(ROUND_HALF_EVEN))


@timed_report("weekly")
@remembered
def week_figures(scope: Scope, first: dt.date) -> WeekFigures:
    """The week of seven days from ``first`` (rows in the base currency; rows without an
    exchange rate are left out of the figures, as in every report, and summed per currency
    in ``unconverted``)."""
    last = first + dt.timedelta(days=6)
    since = first - dt.timedelta(days=7 * AVERAGE_OF)
    q = BookQuery(scope)
    frame = q.run(_BY_CATEGORY_SQL, [first, first, since, last])
    categories = [CategoryWeek(str(r["category"]), int(r["week"]), _average(int(r["before"])))
                  for r in frame.to_dict("records") if int(r["week"]) or int(r["before"])]
    rows = q.run(_NOTABLE_SQL, [first, first, last])
    rows["date"] = as_dates(rows["date"])
    notable = [NotableTransaction(r["date"], str(r["payee"]), str(r["description"]),
                                  int(r["amount"]), bool(r["new_payee"]))
               for r in rows.to_dict("records")]
    new_payees: dict[str, NotableTransaction] = {}
    for n in sorted(notable, key=lambda n: (n.date, n.payee)):
        if n.new_payee and n.payee and n.payee not in new_payees:
            new_payees[n.payee] = n
    missing = q.unconverted("t.flow = 'expense' AND NOT t.scheduled AND t.date BETWEEN ? AND ?",
                            [first, last])
    return WeekFigures(first, last, q.base_currency, categories, notable[:LARGEST],
                       list(new_payees.values()),
                       {ccy: -amount for ccy, amount in missing.items() if amount})
