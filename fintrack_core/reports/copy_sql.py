"""The SQL that builds a book's columnar copy: its rows converted to the base currency and
classified, with the exact conversion and the rates it joins.

Why a module of its own: the copy's build (``store``) and the reports that convert amounts
themselves (trends, net worth) must use the very same conversion, or two pages disagree by a
cent; and the store's module is about keeping the copy current, not about what it holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from typing import Any, cast

import pandas as pd
import pyarrow as pa

from fintrack_core.ledger.fx import RateView, daily_rates
from fintrack_core.money import exponent

__all__ = ["COPY_SQL", "rates_to_base", "sql_literal", "to_base_sql"]


def sql_literal(text: str) -> str:
    """A SQL string literal for fixed text: the base currency code (validated ISO 4217) and
    the reports' own labels such as "Uncategorised" — never user input, which is always a
    bound parameter. Why a literal at all: DuckDB cannot bind a parameter inside the
    ``CREATE TABLE AS`` of the copy, and a label repeated in several CTEs reads clearer
    inline than as the same parameter bound five times.
    """
    return "'" + text.replace("'", "''") + "'"




# The book's rows in one pass: converted to the base currency with the rate of the day or the
# latest before it (ASOF), and classified. What a row is for reports: transfers (either leg,
# or a transfer-kind category) are neither income nor expense; otherwise the category's kind
# decides (a refund in an expense category lowers expenses); uncategorised rows count by
# their sign. Sorted by date so a month's rows sit together (zone maps skip the rest).
COPY_SQL = """
CREATE OR REPLACE TABLE tx AS
SELECT t.id, t.account_id, t.date, t.amount_minor, t.currency, t.payee, t.description,
       t.category_id, t.tags, t.transfer_id, t.scheduled, t.notes,
       CASE WHEN t.currency = {base} THEN t.amount_minor ELSE {to_base} END AS amount_base,
       CASE WHEN t.transfer_id IS NOT NULL OR c.kind = 'transfer' THEN 'transfer'
            WHEN c.kind IN ('income', 'expense') THEN c.kind
            WHEN t.amount_minor > 0 THEN 'income' ELSE 'expense' END AS flow,
       lower(t.payee || chr(31) || t.description || chr(31) || t.notes) AS search
FROM (SELECT id, account_id, CAST(date AS DATE) AS date,
             CAST(amount_minor AS BIGINT) AS amount_minor, currency,
             coalesce(payee, '') AS payee, coalesce(description, '') AS description,
             category_id, coalesce(tags, '') AS tags, transfer_id,
             CAST(scheduled AS BOOLEAN) AS scheduled, coalesce(notes, '') AS notes
      FROM {{source}} WHERE book_id = ?) t
ASOF LEFT JOIN rates r ON t.currency = r.ccy AND t.date >= r.date
LEFT JOIN categories c ON c.id = t.category_id
ORDER BY t.date
"""


def to_base_sql(amount: str, rate: str = "r") -> str:
    """SQL for ``amount`` (minor units, a column of a row ASOF-joined to ``rates`` as ``rate``)
    in the base's minor units: exactly ``amount × num / den``, rounded half-even once.

    Why not ``amount × mult``: ``mult`` is quantized to 12 places, so an inverted rate such
    as 1/1.20 is a hair below 5/6 and every exact tie (9 US cents → 7.5 euro cents) rounds
    towards zero instead of to the even cent — one transaction in twelve at that rate was a
    cent off ``amount / rate``. The fraction is exact; HUGEINT integer division truncates
    towards zero, hence the explicit half-even step on the remainder.
    """
    n = f"(CAST({amount} AS HUGEINT) * CAST({rate}.num AS HUGEINT))"
    d = f"CAST({rate}.den AS HUGEINT)"
    return (f"CAST(CASE WHEN 2 * abs({n} % {d}) > {d} OR (2 * abs({n} % {d}) = {d} "
            f"AND ({n} // {d}) % 2 <> 0) THEN {n} // {d} + sign({n}) ELSE {n} // {d} END "
            f"AS BIGINT)")


def rates_to_base(raw: pd.DataFrame, base: str) -> pa.Table:
    """Per currency and day, the multiplier from its minor units to the base's minor units.

    Which rate applies is ``fx.daily_rates`` — the rule ``fx.RateTable`` uses too, so pages
    and reports agree to the cent. ``mult`` is the multiplier as a 12-place decimal (for
    display and approximate use); ``num``/``den`` are the exact fraction that conversions use
    (see ``to_base_sql``).
    """
    views = [RateView(str(r.base), str(r.quote), r.date, Decimal(str(r.rate)), "",
                      own=r.book_id is not None and not pd.isna(r.book_id))
             for r in cast(Iterable[Any], raw.itertuples())]  # fields: see the query
    best = {key: value * Fraction(10) ** (exponent(base) - exponent(key[0]))
            for key, value in daily_rates(views, base).items()}
    fractions = list(best.values())
    return pa.table({
        "ccy": pa.array([k[0] for k in best], type=pa.string()),
        "date": pa.array([k[1] for k in best], type=pa.date32()),
        "mult": pa.array([str((Decimal(f.numerator) / Decimal(f.denominator))
                              .quantize(Decimal("1e-12"))) for f in fractions],
                         type=pa.string()),
        "num": pa.array([str(f.numerator) for f in fractions], type=pa.string()),
        "den": pa.array([str(f.denominator) for f in fractions], type=pa.string()),
    })
