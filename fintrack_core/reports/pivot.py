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

# Each dimension in two steps: its key on the filtered rows ``s`` (what the rows are grouped
# by: ids, not names), then its label on the grouped rows ``g`` (``k`` the key's column; with
# categories ``cat`` and accounts ``acc`` joined to the few groups, not to every row: that
# join and grouping by text cost most of a 1M-row pivot). Labels are grouped again, so two
# accounts of the same name stay one row, as they always were.
_KEY_SQL = {
    "month": ("CAST(date_trunc('month', s.date) AS DATE)", []),
    "week": ("CAST(date_trunc('week', s.date) AS DATE)", []),  # ISO weeks: the Monday
    "category": ("s.category_id", []),
    "payee": ("CASE WHEN s.payee = '' THEN ? ELSE s.payee END", [NO_PAYEE]),
    "account": ("s.account_id", []),
    # The tags as stored (",a,b,"): split after grouping, a few hundred strings not 1M.
    "tag": ("s.tags", []),
}
# Dimensions labelled from a table: (label on alias ``{a}``, its parameters, the join).
_LABEL_SQL: dict[str, tuple[str, list[object], str]] = {
    "category": ("coalesce({a}.path, ?)", [UNCATEGORISED_LABEL],
                 "LEFT JOIN categories {a} ON {a}.id = g.{k}"),
    "account": ("{a}.name", [], "LEFT JOIN accounts {a} ON {a}.id = g.{k}"),
}


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
    # A transaction with two tags counts under each: the grouped rows' tag lists unnested.
    tagged = "rk" if rows == "tag" else "ck" if columns == "tag" else None
    other = "ck" if tagged == "rk" else "rk"
    split_sql = (f", u AS (SELECT unnest(CASE WHEN g.{tagged} = '' THEN [?] ELSE "  # noqa: S608 - fixed names
                 f"string_split(trim(g.{tagged}, ','), ',') END) AS {tagged}, g.{other}, "
                 "g.total, g.converted, g.n FROM g)") if tagged else ""
    tag_params: list[object] = [NO_TAG] if tagged else []
    keys = [_KEY_SQL[rows], _KEY_SQL[columns] if columns is not None else ("'value'", [])]
    labels: list[tuple[str, list[object]]] = []
    joins = []
    for dim, key, alias in ((rows, "rk", "rl"), (columns, "ck", "cl")):
        if dim in _LABEL_SQL:
            label, label_params, join = _LABEL_SQL[dim]
            labels.append((label.format(a=alias), label_params))
            joins.append(join.format(a=alias, k=key))
        else:
            labels.append((f"g.{key}", []))
    joins_sql = " ".join(joins)
    sql = f"""
        WITH s AS (
            SELECT t.* FROM tx t WHERE {flow_sql} AND ({q.cond})
        ),
        g AS (
            SELECT {keys[0][0]} AS rk, {keys[1][0]} AS ck, sum(s.amount_base) AS total,
                   count(s.amount_base) AS converted, count(*) AS n
            FROM s GROUP BY 1, 2
        ){split_sql}
        SELECT {labels[0][0]} AS r, {labels[1][0]} AS c,
               CAST(coalesce(sum(g.total), 0) AS BIGINT) AS total,
               CAST(sum(g.converted) AS BIGINT) AS converted, CAST(sum(g.n) AS BIGINT) AS n
        FROM {"u" if tagged else "g"} g {joins_sql}
        GROUP BY 1, 2
    """  # noqa: S608 - dimension SQL comes from fixed tables; values are bound parameters
    params = [*flow_params, *q.params, *keys[0][1], *keys[1][1], *tag_params,
              *labels[0][1], *labels[1][1]]
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

