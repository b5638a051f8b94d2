"""Small pieces the breakdown, cash-flow, net-worth, pivot and drill-down reports share.

Why a module of its own: each of those reports needs the same three things — the book's base
currency (for the filter's amount bounds and the result), the filter turned into SQL, and the
amounts that could not be converted (so a missing FX rate is reported, never silently
dropped) — and getting any of them subtly different per report would make two charts of one
page disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import pandas as pd

from fintrack_core.access import Scope
from fintrack_core.errors import ValidationError
from fintrack_core.money import exponent
from fintrack_core.reports.filters import ReportFilter, where
from fintrack_core.reports.store import report_store

# Category id used for "no category" rows in breakdowns and accepted by ``drilldown``:
# database ids start at 1, so 0 never names a real category.
UNCATEGORISED = 0
UNCATEGORISED_LABEL = "Uncategorised"

FLOWS = ("income", "expense")


class BookQuery:
    """The scope's book, checked and current, with the filter turned into SQL on ``t``.

    Creating one checks access (and refreshes the copy if the book changed) before any SQL
    runs. The amount bounds of a filter are in the base currency, so its exponent (JPY has
    none) must be known before the condition can be built — hence one object for both.
    """

    def __init__(self, scope: Scope, flt: ReportFilter | None = None, alias: str = "t"
                 ) -> None:
        self.scope = scope
        self.base_currency = report_store(scope.db).info(scope).base_currency
        self.cond, self.params = where(flt, alias, exponent(self.base_currency))

    def run(self, sql: str, params: list[object] | None = None) -> pd.DataFrame:
        """One query on the book (the store checks access again and applies its time limit)."""
        return report_store(self.scope.db).query(self.scope, sql, params)

    def unconverted(self, extra: str = "TRUE", extra_params: list[object] | None = None
                    ) -> dict[str, int]:
        """Own-currency sums of the rows matching the report that have no exchange rate.

        ``extra`` is the report's own condition on ``t`` (flow, drill-down keys, ...): the
        rows are the ones the report summed, so the two together account for every matching
        transaction.
        """
        sql = f"""
            SELECT t.currency, sum(t.amount_minor) AS amount
            FROM tx t
            WHERE t.amount_base IS NULL AND ({self.cond}) AND ({extra})
            GROUP BY t.currency ORDER BY t.currency
        """  # noqa: S608 - conditions are built from fixed text, values are bound parameters
        frame = self.run(sql, [*self.params, *(extra_params or [])])
        rows: Iterable[Any] = frame.itertuples()  # fields: the query's columns
        return {str(r.currency): int(r.amount) for r in rows}


def flow_condition(flow: str, field: str = "kind", allow_all: bool = False
                   ) -> tuple[str, list[object]]:
    """``t.flow`` restricted to income, expense (or both when ``allow_all``); never transfers."""
    if flow in FLOWS:
        return "t.flow = ?", [flow]
    if allow_all and flow == "all":
        return "t.flow IN ('income', 'expense')", []
    choices = "income, expense or all" if allow_all else "income or expense"
    raise ValidationError(field, f"{flow!r} is not {choices}")


def as_dates(series: pd.Series) -> pd.Series:
    """DuckDB hands DATE columns back as ``datetime64``; reports promise ``datetime.date``."""
    return pd.Series([None if pd.isna(v) else pd.Timestamp(v).date() for v in series],
                     index=series.index, dtype=object)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
