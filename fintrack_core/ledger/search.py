"""Finding transactions: filters, sorting and paging done in SQL (never more than a page out).

``TransactionFilter`` (``fintrack_core.filters``) is the one filter. ``matching_ids`` makes it
SQLAlchemy on the live tables (for writes that select rows, such as a rule run); the list
itself reads the book's columnar copy, where ``reports.filter_sql`` makes the same filter
DuckDB SQL — the text the reports use. Tests compare the two on many filters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from fintrack_core.access import READ, Scope, require
from fintrack_core.db.models import Account, Category, Transaction
from fintrack_core.errors import ValidationError
from fintrack_core.filters import MAX_PAGE_SIZE, TransactionFilter, tag_needle
from fintrack_core.ledger.accounts import get_account
from fintrack_core.ledger.categories import category_tree, descendant_ids, get_category
from fintrack_core.money import exponent

SORTABLE = {
    "date": Transaction.date,
    "amount": Transaction.amount_minor,
    "payee": Transaction.payee,
    "account": Account.name,
    "category": Category.name,
}


@dataclass(frozen=True, slots=True)
class Row:
    id: int
    date: dt.date
    account_id: int
    account: str
    amount_minor: int
    currency: str
    payee: str
    description: str
    category_id: int | None
    category: str
    tags: str
    notes: str
    transfer_id: str | None
    scheduled: bool


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[Row]
    total: int
    page: int
    page_size: int
    sums: dict[str, int] = field(default_factory=dict)  # per currency, over all matching rows

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _amount_bound(currencies: list[str], value: Decimal, at_least: bool):  # type: ignore[no-untyped-def]
    """Compare the size of each amount (in or out) with a decimal bound, per currency exponent."""
    size = func.abs(Transaction.amount_minor)
    conds = []
    for ccy in currencies:
        bound = abs(value).scaleb(exponent(ccy))
        within = size >= bound if at_least else size <= bound
        conds.append(and_(Transaction.currency == ccy, within))
    return or_(*conds) if conds else Transaction.id.is_(None)


def _filtered(scope: Scope, flt: TransactionFilter, category_ids: set[int] | None,
              currencies: list[str]) -> Select[int]:
    q = select(Transaction.id).where(Transaction.book_id == scope.book_id)
    if flt.date_from:
        q = q.where(Transaction.date >= flt.date_from)
    if flt.date_to:
        q = q.where(Transaction.date <= flt.date_to)
    if not flt.include_scheduled:
        q = q.where(~and_(Transaction.scheduled, Transaction.date > dt.date.today()))
    if flt.account_ids:
        q = q.where(Transaction.account_id.in_(flt.account_ids))
    categories: list[ColumnElement[bool]] = []
    if category_ids is not None:
        categories.append(Transaction.category_id.in_(category_ids))
    if flt.uncategorised:
        categories.append(Transaction.category_id.is_(None))
    if categories:
        q = q.where(or_(*categories))
    if flt.tags:
        q = q.where(or_(*(Transaction.tags.contains(tag_needle(t), autoescape=True)
                          for t in flt.tags)))
    if flt.amount_min is not None:
        q = q.where(_amount_bound(currencies, Decimal(flt.amount_min), True))
    if flt.amount_max is not None:
        q = q.where(_amount_bound(currencies, Decimal(flt.amount_max), False))
    needle = flt.text_needle
    if needle:
        # autoescape: "50%" or "a_b" are searched literally, not as LIKE wildcards
        q = q.where(or_(func.lower(Transaction.payee).contains(needle, autoescape=True),
                        func.lower(Transaction.description).contains(needle, autoescape=True),
                        func.lower(Transaction.notes).contains(needle, autoescape=True)))
    return q


def matching_ids(s: Session, scope: Scope, flt: TransactionFilter) -> Select[int]:
    """A SELECT of the ids of the book's transactions matching ``flt`` (inside a session whose
    role check is done). Ids of another book's accounts or categories are NotFound."""
    for account_id in flt.account_ids:
        get_account(s, scope.book_id, account_id)
    cat_ids: set[int] | None = None
    if flt.category_ids:
        tree = category_tree(s, scope.book_id)
        cat_ids = set()
        for category_id in flt.category_ids:
            get_category(s, scope.book_id, category_id)
            cat_ids |= descendant_ids(tree, category_id)
    currencies = list(s.scalars(select(Account.currency).distinct()
                                .where(Account.book_id == scope.book_id)))
    return _filtered(scope, flt, cat_ids, currencies)


# Sort keys on the copy: ``{m}`` is the transaction's alias, ``a``/``c`` its account and
# category.
# NULL categories sort first ascending and last descending, as they did on SQLite.
_COPY_SORT = {
    "date": "{m}.date",
    "amount": "{m}.amount_minor",
    "payee": "{m}.payee",
    "account": "a.name",
    "category": "c.name",
}

# One statement over the copy: the matching rows counted and summed per currency, and the
# page's ids picked by a top-N (on the date-sorted copy DuckDB stops early once the page is
# certain); only the page's rows are read in full. No materialised set of matches: for a
# filter matching most of the book, copying the matches cost far more than scanning twice.
_LIST_SQL = """
WITH totals AS (
    SELECT t.currency, count(*) AS n, CAST(sum(t.amount_minor) AS BIGINT) AS amount
    FROM tx t WHERE {cond} GROUP BY t.currency),
page AS (
    SELECT m.id FROM tx m {joins} WHERE {page_cond}
    ORDER BY {order} LIMIT ? OFFSET ?)
SELECT (SELECT list(x ORDER BY x.currency) FROM totals x) AS totals,
       (SELECT list({{'id': t.id, 'date': t.date, 'account_id': t.account_id,
                      'account': a.name, 'amount_minor': t.amount_minor,
                      'currency': t.currency, 'payee': t.payee,
                      'description': t.description, 'category_id': t.category_id,
                      'category': coalesce(c.name, ''), 'tags': t.tags, 'notes': t.notes,
                      'transfer_id': t.transfer_id, 'scheduled': t.scheduled}}
                     ORDER BY {page_order})
        FROM page p JOIN tx t ON t.id = p.id JOIN accounts a ON a.id = t.account_id
        LEFT JOIN categories c ON c.id = t.category_id) AS page
"""
_SORT_JOINS = {
    "account": "JOIN accounts a ON a.id = m.account_id",
    "category": "LEFT JOIN categories c ON c.id = m.category_id",
}


def _check_named_ids(scope: Scope, flt: TransactionFilter) -> None:
    """Ids of another book's accounts or categories in a filter are NotFound, as on the live
    tables (the copy itself only holds this book's rows, so it would just find nothing)."""
    if flt.account_ids or flt.category_ids:
        with scope.db.read() as s:
            require(s, scope, READ)
            matching_ids(s, scope, flt)


def list_transactions(
    scope: Scope,
    flt: TransactionFilter | None = None,
    *,
    sort: str = "date",
    descending: bool = True,
    page: int = 1,
    page_size: int = 50,
    totals: bool = True,
) -> Page:
    """One page of matching transactions plus the total count and per-currency sums.

    Read from the book's columnar copy (``reports.store``), which every call first brings up
    to the book's ``data_version``: a row written a moment ago is listed. The filter becomes
    SQL through ``reports.filter_sql`` — the same text the reports and their drill-down use,
    so the list and a report given one filter select one set of rows; the text is looked
    for in the copy's ``search`` column (payee, description and notes, lower-cased once).

    ``totals=False`` is kept for callers that only want the page; the count and sums come
    from the same pass and cost little, so it only sets ``total`` to the rows returned.
    """
    from fintrack_core.reports.filter_sql import where
    from fintrack_core.reports.store import report_store

    flt = flt or TransactionFilter()
    if sort not in SORTABLE:
        raise ValidationError("sort", f"choose one of {', '.join(SORTABLE)}")
    page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    page = max(1, int(page))
    _check_named_ids(scope, flt)
    cond, params = where(flt, "t")
    page_cond, page_params = where(flt, "m")
    direction = "DESC" if descending else "ASC"
    nulls = "NULLS LAST" if descending else "NULLS FIRST"
    order = f"{_COPY_SORT[sort]} {direction} {nulls}, {{m}}.id {direction}"
    sql = _LIST_SQL.format(cond=cond, page_cond=page_cond, joins=_SORT_JOINS.get(sort, ""),
                           order=order.format(m="m"), page_order=order.format(m="t"))
    row = report_store(scope.db).first_row(
        scope, sql, [*params, *page_params, page_size, (page - 1) * page_size])
    sums, total = {}, 0
    for item in row["totals"] or []:
        sums[str(item["currency"])] = int(item["amount"] or 0)
        total += int(item["n"])
    rows = [Row(**item) for item in row["page"] or []]
    return Page(rows, total if totals else len(rows), page, page_size,
                sums if totals else {})


@dataclass(frozen=True, slots=True)
class Keyset:
    """Where a page ended: the last row's sort value and id (the tie-breaker)."""

    value: dt.date | int | str
    id: int


@dataclass(frozen=True, slots=True)
class KeysetPage:
    rows: list[Row]
    next: Keyset | None  # None: this was the last page


def transactions_after(
    scope: Scope,
    flt: TransactionFilter | None = None,
    *,
    sort: str = "date",
    descending: bool = True,
    after: Keyset | None = None,
    limit: int = 50,
) -> KeysetPage:
    """One page of matching transactions that come after ``after`` in the sort order.

    Why keyset and not ``list_transactions``' page numbers: a script walking a big book page
    by page neither skips nor repeats rows when others are added meanwhile, and page 10,000
    costs what page 1 costs (no OFFSET scan). ``limit`` is held to ``MAX_PAGE_SIZE``.
    Read from the book's columnar copy like ``list_transactions`` (on the live tables a page
    of one account of a 1M-row book took ~0.6 s: the matching ids were gathered and sorted).
    """
    from fintrack_core.reports.filter_sql import where
    from fintrack_core.reports.store import report_store

    flt = flt or TransactionFilter()
    if sort not in SORTABLE:
        raise ValidationError("sort", f"choose one of {', '.join(SORTABLE)}")
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValidationError("limit", f"must be between 1 and {MAX_PAGE_SIZE}")
    _check_named_ids(scope, flt)
    cond, params = where(flt, "t")
    key = _KEYSET_COPY[sort]
    direction, beyond = ("DESC", "<") if descending else ("ASC", ">")
    after_sql = ""
    if after is not None:
        _check_keyset(sort, after)
        after_sql = f" AND ({key} {beyond} ? OR ({key} = ? AND t.id {beyond} ?))"
        params = [*params, after.value, after.value, after.id]
    sql = _AFTER_SQL.format(key=key, cond=cond, after=after_sql, direction=direction,
                            joins=_KEY_JOINS.get(sort, ""))
    found = report_store(scope.db).rows(scope, sql, [*params, limit + 1])
    rows = [Row(*r[:-1]) for r in found[:limit]]  # the last column is the sort key
    more = len(found) > limit
    return KeysetPage(rows, Keyset(found[limit - 1][-1], rows[-1].id) if more else None)


# Keyset paging on the copy: the sort value as the list shows it ("" for no category), so
# "after this row" is well defined for every sort; ids break ties.
_KEYSET_COPY = {**{k: v.format(m="t") for k, v in _COPY_SORT.items()},
                "category": "coalesce(c.name, '')"}
# The page is picked on ``tx`` alone (a top-N DuckDB answers in ~2 ms at 1M rows), joined
# to the names only when the sort needs them; the 51 rows then get their names (joining
# first made it 40 ms).
_AFTER_SQL = """
WITH page AS (
    SELECT t.id, {key} AS sort_key FROM tx t {joins}
    WHERE {cond}{after}
    ORDER BY {key} {direction}, t.id {direction}
    LIMIT ?)
SELECT t.id, t.date, t.account_id, a.name AS account, t.amount_minor, t.currency, t.payee,
       t.description, t.category_id, coalesce(c.name, '') AS category, t.tags, t.notes,
       t.transfer_id, t.scheduled, p.sort_key
FROM page p JOIN tx t ON t.id = p.id JOIN accounts a ON a.id = t.account_id
LEFT JOIN categories c ON c.id = t.category_id
ORDER BY p.sort_key {direction}, t.id {direction}
"""
_KEY_JOINS = {"account": "JOIN accounts a ON a.id = t.account_id",
              "category": "LEFT JOIN categories c ON c.id = t.category_id"}


def _check_keyset(sort: str, after: Keyset) -> None:
    """A cursor's value has the type of its sort column (a cursor is caller-supplied)."""
    expected: type = {"date": dt.date, "amount": int}.get(sort, str)
    value = after.value
    if isinstance(value, bool) or not isinstance(value, expected) or (
            isinstance(value, dt.datetime)) or isinstance(after.id, bool) or not isinstance(
            after.id, int):
        raise ValidationError("cursor", "does not belong to this sort order")
    if isinstance(value, str) and len(value) > 1000:
        raise ValidationError("cursor", "is not a cursor of this list")
