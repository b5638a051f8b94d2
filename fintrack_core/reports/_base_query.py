"""Small pieces every report (summary, trends, breakdowns, cash flow, net worth, pivot,
drill-down) shares.

Why a module of its own: each report needs the same three things — the book's base
currency (for the filter's amount bounds and the result), the filter turned into SQL, and the
amounts that could not be converted (so a missing FX rate is reported, never silently
dropped) — and getting any of them subtly different per report would make two charts of one
page disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import pandas as pd

from fintrack_core.access import Scope
from fintrack_core.errors import ValidationError
from fintrack_core.filters import TransactionFilter
from fintrack_core.reports.copy_sql import sql_literal
from fintrack_core.reports.filter_sql import where
from fintrack_core.reports.store import report_store

__all__ = ["FLOWS", "ROOTS_SQL", "UNCATEGORISED", "UNCATEGORISED_LABEL", "BookQuery",
           "as_dates", "div_half_even", "flow_condition", "sql_literal", "unconverted_sql"]

# Category id used for "no category" rows in breakdowns and accepted by ``drilldown``:
# database ids start at 1, so 0 never names a real category.
UNCATEGORISED = 0
UNCATEGORISED_LABEL = "Uncategorised"

FLOWS = ("income", "expense")


class BookQuery:
    """The scope's book, checked and current, with the filter turned into SQL on ``t``.

    Creating one checks access (and refreshes the copy if the book changed) before any SQL
    runs; the condition is built once, with the base currency every report needs.
    """

    def __init__(self, scope: Scope, flt: TransactionFilter | None = None, alias: str = "t"
                 ) -> None:
        self.scope = scope
        self.base_currency = report_store(scope.db).info(scope).base_currency
        self.cond, self.params = where(flt, alias)

    def run(self, sql: str, params: list[object] | None = None) -> pd.DataFrame:
        """One query on the book (the store checks access again and applies its time limit)."""
        return report_store(self.scope.db).query(self.scope, sql, params)

    def frames(self, sql: str, params: list[object],
               shapes: dict[str, dict[str, str]]) -> dict[str, pd.DataFrame]:
        """Run a report as *one* query whose single row holds each result frame as a list of
        row structs (``SELECT (SELECT list(x) FROM x) AS x, ...``), and unpack the frames.

        Why one query: the transactions are scanned once for all the frames (a materialised
        CTE) instead of once per frame, and every frame comes from the same data version even
        if a write lands while the report runs. Dates arrive as ``datetime.date`` and sums as
        exact Python ints. ``shapes`` gives each frame's columns and dtypes, so an empty list
        still yields a typed, empty frame.
        """
        # Plain rows, not a DataFrame: the one row of lists is unpacked straight into the
        # frames (a DataFrame of it first cost more than many a report's query).
        row = report_store(self.scope.db).first_row(self.scope, sql, params)
        return {name: _frame(row[name] or [], dtypes)  # NULL: an empty list
                for name, dtypes in shapes.items()}

    def unconverted(self, extra: str = "TRUE", extra_params: list[object] | None = None
                    ) -> dict[str, int]:
        """Own-currency sums of the rows matching the report that have no exchange rate.

        ``extra`` is the report's own condition on ``t`` (flow, drill-down keys, ...): the
        rows are the ones the report summed, so the two together account for every matching
        transaction.
        """
        sql = unconverted_sql(f"({self.cond}) AND ({extra})") + " ORDER BY t.currency"
        frame = self.run(sql, [*self.params, *(extra_params or [])])
        rows: Iterable[Any] = frame.itertuples()  # fields: the query's columns
        return {str(r.currency): int(r.amount) for r in rows}


def _frame(records: list[dict[str, Any]], dtypes: dict[str, str]) -> pd.DataFrame:
    """Row structs as a frame of the given dtypes, built column by column: a third of the
    time of a frame of objects cast afterwards (7 ms of the monthly summary's 40 at 1M)."""
    return pd.DataFrame({
        column: pd.Series([r[column] for r in records], dtype=object) if dtype == "object"
        else pd.array([r[column] for r in records], dtype=dtype)  # type: ignore[call-overload]
        for column, dtype in dtypes.items()})


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


def unconverted_sql(cond: str) -> str:
    """The query for rows matching ``cond`` (on ``tx t``) that have no exchange rate, summed
    per currency in their own minor units (columns ``currency``, ``amount``).

    Why one text for every report: a report leaves these rows out of its totals and names
    them instead; if two reports chose them differently, a missing rate would show in one
    page's note and silently vanish from another.
    """
    return (f"SELECT t.currency, CAST(sum(t.amount_minor) AS BIGINT) AS amount FROM tx t "  # noqa: S608 - cond is built from fixed text
            f"WHERE t.amount_base IS NULL AND ({cond}) GROUP BY t.currency")


def div_half_even(total: int, n: int) -> int:
    """``total / n`` rounded half-even to an integer, exactly.

    Done in ``Decimal`` on the (few) result rows because DuckDB divides DECIMALs in DOUBLE.
    """
    return int((Decimal(int(total)) / Decimal(n)).quantize(Decimal(1), ROUND_HALF_EVEN))


# Top-level category of every category (ancestor-or-self without a parent), as a CTE.
ROOTS_SQL = """
    roots AS (
        SELECT a.category_id, r.id AS root_id, r.path AS root_path
        FROM category_ancestors a JOIN categories r ON r.id = a.ancestor_id
        WHERE r.parent_id IS NULL)
"""
