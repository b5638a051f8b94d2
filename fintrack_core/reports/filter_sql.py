"""``TransactionFilter`` as SQL on the book copy's ``tx`` table (DuckDB).

The Transactions list turns the same filter into SQLAlchemy (``ledger.search``); both follow
the meaning written down in ``fintrack_core.filters``, and tests run the same filters through
both and compare the rows.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache

from babel.numbers import list_currencies

from fintrack_core.filters import TransactionFilter, tag_needle
from fintrack_core.money import exponent


@cache
def _minor_scale_sql(alias: str) -> str:
    """SQL for 10^(decimals of the row's currency): amount bounds are in each row's own
    currency, so a bound of 100 is 10000 minor units of EUR but 100 of JPY. Two decimals
    unless the currency says otherwise (one CASE over the few that do)."""
    odd = sorted((code, exponent(code)) for code in list_currencies() if exponent(code) != 2)
    cases = " ".join(f"WHEN '{code}' THEN {10 ** exp}" for code, exp in odd)
    return f"(CASE {alias}.currency {cases} ELSE 100 END)"


def where(flt: TransactionFilter | None, alias: str = "t") -> tuple[str, list[object]]:
    """SQL condition and parameters for ``flt`` (``TRUE`` when there is nothing to filter)."""
    flt = flt or TransactionFilter()
    parts: list[str] = []
    params: list[object] = []
    a = alias
    if flt.date_from:
        parts.append(f"{a}.date >= ?")
        params.append(flt.date_from)
    if flt.date_to:
        parts.append(f"{a}.date <= ?")
        params.append(flt.date_to)
    if not flt.include_scheduled:
        # Today from Python, not DuckDB's current_date: the list decides with the same clock.
        parts.append(f"NOT ({a}.scheduled AND {a}.date > ?)")
        params.append(dt.date.today())
    if flt.account_ids:
        parts.append(f"{a}.account_id IN ({', '.join('?' * len(flt.account_ids))})")
        params.extend(int(i) for i in flt.account_ids)
    categories = []
    if flt.category_ids:
        marks = ", ".join("?" * len(flt.category_ids))
        categories.append(f"{a}.category_id IN (SELECT category_id FROM category_ancestors "  # noqa: S608 - alias and placeholders only
                          f"WHERE ancestor_id IN ({marks}))")
        params.extend(int(i) for i in flt.category_ids)
    if flt.uncategorised:
        categories.append(f"{a}.category_id IS NULL")
    if categories:
        parts.append("(" + " OR ".join(categories) + ")")
    if flt.tags:
        # contains(), not LIKE: a tag "%" or "a_b" is matched literally.
        parts.append("(" + " OR ".join(f"contains({a}.tags, ?)" for _ in flt.tags) + ")")
        params.extend(tag_needle(t) for t in flt.tags)
    for bound, op in ((flt.amount_min, ">="), (flt.amount_max, "<=")):
        if bound is not None:
            # Exact: DECIMAL(38, 6) times an integer scale, compared with integer minor units.
            parts.append(f"abs({a}.amount_minor) {op} CAST(? AS DECIMAL(38, 6)) * "
                         f"{_minor_scale_sql(a)}")
            params.append(str(abs(Decimal(bound))))
    needle = flt.text_needle
    if needle:
        # ``search`` is lower(payee, description and notes joined by U+001F), built once
        # with the copy: one scan instead of lower-casing three columns per query.
        parts.append(f"contains({a}.search, ?)")
        params.append(needle)
    return (" AND ".join(parts) or "TRUE"), params
