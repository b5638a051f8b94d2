"""Cash flow as a Sankey diagram: income sources → the book → where the money went.

Why this shape: one picture answers "what came in, what went out, what was left". Income is
shown per income category at the level people file it (the category's ancestor one below the
root, e.g. "Income → Salary"; a root used directly stands for itself), expenses per top-level
expense category (the level of a budget). The difference closes the picture: a "Savings"
outflow when more came in than went out, a "From savings" inflow when less did. Transfers
between the book's own accounts move no money in or out of the book, so they never appear.

All sums are taken in DuckDB; Python only lays out the handful of resulting rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from fintrack_core.access import Scope
from fintrack_core.filters import TransactionFilter
from fintrack_core.reports._base_query import UNCATEGORISED, BookQuery
from fintrack_core.reports.memo import remembered
from fintrack_core.telemetry import timed_report

BOOK, SAVINGS, DEFICIT = "book", "savings", "deficit"
UNCATEGORISED_INCOME_LABEL = "Uncategorised income"  # the default tree has "Other income"
UNCATEGORISED_EXPENSE_LABEL = "Uncategorised"
NODE_COLUMNS = ["node", "label", "kind", "category_id"]
LINK_COLUMNS = ["source", "target", "value", "category_id"]


@dataclass(frozen=True)
class Sankey:
    """Nodes and links for ``plotly`` (links refer to nodes by their ``node`` key).

    ``nodes``: node (str key), label, kind ('income' | 'book' | 'expense' | 'savings' |
    'deficit'), category_id (``UNCATEGORISED`` for uncategorised rows, NA for the rest).
    ``links``: source, target, value (positive base minor units), category_id.
    ``income`` and ``expenses`` are the net totals (expenses negative, as stored).
    ``first_date`` and ``last_date``: the dates of the first and last row drawn, so a title
    can say which period an unfiltered picture covers.
    """

    base_currency: str
    nodes: pd.DataFrame
    links: pd.DataFrame
    income: int = 0
    expenses: int = 0
    unconverted: dict[str, int] = field(default_factory=dict)
    first_date: dt.date | None = None
    last_date: dt.date | None = None


_SQL = """
WITH level AS (  -- each category's node: its depth-1 ancestor, or the root used directly
    SELECT a.category_id,
           coalesce(max(ac.id) FILTER (WHERE ac.depth = 1),
                    max(ac.id) FILTER (WHERE ac.depth = 0)) AS node_id
    FROM category_ancestors a JOIN categories ac ON ac.id = a.ancestor_id
    GROUP BY a.category_id
), sums AS (
    SELECT t.flow,
           coalesce(CASE WHEN t.flow = 'income' THEN l.node_id ELSE c.root_id END,
                    {uncat}) AS category_id,
           sum(t.amount_base) AS value, min(t.date) AS first_date, max(t.date) AS last_date
    FROM tx t
    LEFT JOIN categories c ON c.id = t.category_id
    LEFT JOIN level l ON l.category_id = t.category_id
    WHERE t.flow IN ('income', 'expense') AND ({cond})
    GROUP BY 1, 2
)
SELECT s.flow, s.category_id, n.name AS label, CAST(s.value AS BIGINT) AS value,
       s.first_date, s.last_date
FROM sums s LEFT JOIN categories n ON n.id = s.category_id
WHERE s.value <> 0
ORDER BY abs(s.value) DESC, label
"""


@timed_report("cashflow")
@remembered
def cashflow_sankey(scope: Scope, flt: TransactionFilter | None = None) -> Sankey:
    """Income → Book → expenses for the filtered period, balanced by savings or a deficit.

    A category whose net goes the "wrong" way (an expense category where refunds exceed
    spending, an income category that was mostly clawed back) is drawn on the other side of
    the book, so every link is positive and the book node stays balanced.
    """
    q = BookQuery(scope, flt)
    sums = q.run(_SQL.format(uncat=UNCATEGORISED, cond=q.cond), q.params)
    nodes: list[tuple[str, str, str, int | None]] = []
    sources: list[tuple[str, str, int, int | None]] = []
    targets: list[tuple[str, str, int, int | None]] = []
    row: Any  # a row of the query's columns; the stubs type each field as any scalar
    for row in sums.itertuples(index=False):
        flow, cid, value = str(row.flow), int(row.category_id), int(row.value)
        if cid == UNCATEGORISED:
            label = UNCATEGORISED_INCOME_LABEL if flow == "income" else \
                UNCATEGORISED_EXPENSE_LABEL
        else:
            label = str(row.label)
        key = f"{flow}:{cid}"
        nodes.append((key, label, flow, cid))
        inflow = value > 0  # income, or an expense category that brought money back
        if inflow:
            sources.append((key, BOOK, value, cid))
        else:
            targets.append((BOOK, key, -value, cid))
    income = int(sums.loc[sums["flow"] == "income", "value"].sum())
    expenses = int(sums.loc[sums["flow"] == "expense", "value"].sum())
    links = sources + targets
    balance = sum(v for _, _, v, _ in sources) - sum(v for _, _, v, _ in targets)
    extra_nodes: list[tuple[str, str, str, int | None]] = []
    if balance > 0:
        extra_nodes.append((SAVINGS, "Savings", "savings", None))
        links.append((BOOK, SAVINGS, balance, None))
    elif balance < 0:
        extra_nodes.append((DEFICIT, "From savings", "deficit", None))
        links.insert(len(sources), (DEFICIT, BOOK, -balance, None))
    if links:
        source_keys = {s for s, _, _, _ in sources}
        ordered = [n for n in nodes if n[0] in source_keys] + \
            [n for n in extra_nodes if n[0] == DEFICIT] + [(BOOK, "Book", "book", None)] + \
            [n for n in nodes if n[0] not in source_keys] + \
            [n for n in extra_nodes if n[0] == SAVINGS]
    else:
        ordered = []
    node_frame = pd.DataFrame(ordered, columns=NODE_COLUMNS)
    node_frame["category_id"] = node_frame["category_id"].astype("Int64")
    link_frame = pd.DataFrame(links, columns=LINK_COLUMNS)
    link_frame["value"] = link_frame["value"].astype("int64")
    link_frame["category_id"] = link_frame["category_id"].astype("Int64")
    first = pd.Timestamp(sums["first_date"].min()).date() if len(sums) else None
    last = pd.Timestamp(sums["last_date"].max()).date() if len(sums) else None
    return Sankey(q.base_currency, node_frame, link_frame, income, expenses,
                  q.unconverted("t.flow IN ('income', 'expense')"), first, last)
