"""A pivot table over the book: any two dimensions, one measure, grouped in DuckDB.

Why long → wide in pandas: DuckDB groups by the two dimensions (the heavy part, over every
transaction); the grouped result has one row per cell, small enough to reshape in pandas.
Sums stay exact integers (base minor units). An average is the exact sum divided by the
number of converted rows, rounded half-even to a whole minor unit — computed with integer
arithmetic, never through a float.

Tags: a transaction with two tags counts under both (so tag columns may add up to more than
the total); untagged rows are ``NO_TAG``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fintrack_core.access import Scope
from fintrack_core.errors import ValidationError
from fintrack_core.filters import TransactionFilter
from fintrack_core.reports._base_query import (
    UNCATEGORISED_LABEL,
    BookQuery,
    as_dates,
    flow_condition,
)
from fintrack_core.reports.categories import NO_PAYEE
from fintrack_core.telemetry import timed_report

DIMENSIONS = ("month", "week", "category", "payee", "account", "tag")
MEASURES = ("sum", "count", "average")
NO_TAG = "(no tag)"
TIME_DIMENSIONS = ("month", "week")

# SQL for each dimension over the filtered rows ``s`` (+ categories ``cat``, accounts ``acc``).
_DIMENSION_SQL = {
    "month": "CAST(date_trunc('month', s.date) AS DATE)",
    "week": "CAST(date_trunc('week', s.date) AS DATE)",  # ISO weeks: the Monday
    "category": "coalesce(cat.path, ?)",
    "payee": "CASE WHEN s.payee = '' THEN ? ELSE s.payee END",
    "account": "acc.name",
    "tag": "s.tag",
}
_DIMENSION_PARAMS: dict[str, list[object]] = {"category": [UNCATEGORISED_LABEL],
                                              "payee": [NO_PAYEE]}


def _check(rows: str, columns: str | None, measure: str, flow: str) -> None:
    if rows not in DIMENSIONS:
        raise ValidationError("rows", f"{rows!r} is not one of {', '.join(DIMENSIONS)}")
    if columns is not None and columns not in DIMENSIONS:
        raise ValidationError("columns", f"{columns!r} is not one of {', '.join(DIMENSIONS)}")
    if columns == rows:
        raise ValidationError("columns", "rows and columns need two different dimensions")
    if measure not in MEASURES:
        raise ValidationError("measure", f"{measure!r} is not one of {', '.join(MEASURES)}")
    flow_condition(flow, "flow", allow_all=True)


def _half_even_div(total: pd.Series, count: pd.Series) -> pd.Series:
    """``total / count`` rounded half-even, in exact int64 arithmetic (NA where count is 0)."""
    t = total.to_numpy(dtype="int64")
    n = count.to_numpy(dtype="int64")
    safe = np.where(n == 0, 1, n)
    q = np.floor_divide(t, safe)
    r = t - q * safe  # 0 <= r < n
    up = (2 * r > safe) | ((2 * r == safe) & (q % 2 != 0))
    out = pd.array(q + up.astype("int64"), dtype="Int64")
    out[n == 0] = pd.NA
    return pd.Series(out, index=total.index)


@timed_report("pivot")
def pivot(scope: Scope, rows: str, columns: str | None, measure: str,
          flt: TransactionFilter | None = None, flow: str = "expense") -> pd.DataFrame:
    """``rows`` × ``columns`` (or a single "value" column when ``columns`` is None).

    ``measure``: "sum" (base minor units, expenses negative), "count" (transactions, with or
    without an exchange rate) or "average" (of converted rows, ``Int64``, NA for an empty
    cell). ``flow``: "expense", "income" or "all" (both; transfers are never included).
    Time dimensions are sorted by date (values are ``datetime.date``), the others by label.
    Empty cells are 0 for sums and counts.
    """
    _check(rows, columns, measure, flow)
    flow_sql, flow_params = flow_condition(flow, "flow", allow_all=True)
    q = BookQuery(scope, flt)
    dims = [rows] if columns is None else [rows, columns]
    tag_sql = (", unnest(CASE WHEN t.tags = '' THEN [?] "
               "ELSE string_split(trim(t.tags, ','), ',') END) AS tag") if "tag" in dims else ""
    tag_params: list[object] = [NO_TAG] if "tag" in dims else []
    col_sql = _DIMENSION_SQL[columns] if columns is not None else "'value'"
    sql = f"""
        WITH s AS (
            SELECT t.*{tag_sql} FROM tx t WHERE {flow_sql} AND ({q.cond})
        )
        SELECT {_DIMENSION_SQL[rows]} AS r, {col_sql} AS c,
               CAST(coalesce(sum(s.amount_base), 0) AS BIGINT) AS total,
               count(s.amount_base) AS converted, count(*) AS n
        FROM s
        LEFT JOIN categories cat ON cat.id = s.category_id
        LEFT JOIN accounts acc ON acc.id = s.account_id
        GROUP BY 1, 2
    """  # noqa: S608 - dimension SQL comes from a fixed table; values are bound parameters
    params = [*tag_params, *flow_params, *q.params, *_DIMENSION_PARAMS.get(rows, []),
              *(_DIMENSION_PARAMS.get(columns, []) if columns else [])]
    long = q.run(sql, params)
    for key, dim in (("r", rows), ("c", columns)):
        if dim in TIME_DIMENSIONS:
            long[key] = as_dates(long[key])
    if measure == "sum":
        long["value"] = long["total"].astype("int64")
    elif measure == "count":
        long["value"] = long["n"].astype("int64")
    else:
        long["value"] = _half_even_div(long["total"], long["converted"])
    wide = long.pivot(index="r", columns="c", values="value") if not long.empty else \
        pd.DataFrame(index=pd.Index([], dtype=object), columns=pd.Index([], dtype=object))
    wide = wide.sort_index(axis=0).sort_index(axis=1)
    wide = wide.astype("Int64") if measure == "average" else wide.fillna(0).astype("int64")
    wide.index.name = rows
    wide.columns.name = columns
    if columns is None and "value" not in wide.columns:
        wide["value"] = pd.Series(dtype="Int64" if measure == "average" else "int64")
    wide.attrs["base_currency"] = q.base_currency
    wide.attrs["unconverted"] = q.unconverted(flow_sql, flow_params)
    return wide

