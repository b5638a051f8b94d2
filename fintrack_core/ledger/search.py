"""Finding transactions: filters, sorting and paging done in SQL (never more than a page out).

``TransactionFilter`` (``fintrack_core.filters``) is the one filter; here it becomes
SQLAlchemy on the live tables, as ``reports.filter_sql`` makes it DuckDB SQL on the copy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

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

    ``totals=False`` skips counting and summing every matching row (a full scan on a big
    book) when only the page is needed, e.g. the Overview's latest transactions; the page's
    ``total`` is then the number of rows returned.
    """
    flt = flt or TransactionFilter()
    if sort not in SORTABLE:
        raise ValidationError("sort", f"choose one of {', '.join(SORTABLE)}")
    page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    page = max(1, int(page))
    with scope.db.read() as s:
        require(s, scope, READ)
        ids = matching_ids(s, scope, flt).subquery()
        total_q = select(Transaction.currency, func.count(), func.sum(Transaction.amount_minor)) \
            .where(Transaction.id.in_(select(ids.c.id))).group_by(Transaction.currency)
        sums, total = {}, 0
        for ccy, n, amount in (s.execute(total_q) if totals else []):
            sums[ccy] = int(amount or 0)
            total += int(n)
        order = SORTABLE[sort]
        order_by: list[ColumnElement[Any]] = [order.desc() if descending else order.asc(),
                    Transaction.id.desc() if descending else Transaction.id.asc()]
        q = (select(Transaction.id, Transaction.date, Transaction.account_id, Account.name,
                    Transaction.amount_minor, Transaction.currency, Transaction.payee,
                    Transaction.description, Transaction.category_id,
                    func.coalesce(Category.name, ""), Transaction.tags, Transaction.notes,
                    Transaction.transfer_id, Transaction.scheduled)
             .join(Account, Account.id == Transaction.account_id)
             .outerjoin(Category, Category.id == Transaction.category_id)
             .where(Transaction.id.in_(select(ids.c.id)))
             .order_by(*order_by).limit(page_size).offset((page - 1) * page_size))
        rows = [Row(*tuple(r)) for r in s.execute(q)]  # tuple(): mypy misreads *Row[..., *Any]
        return Page(rows, total if totals else len(rows), page, page_size, sums)


# The sort keys of keyset paging: the same columns as SORTABLE, with the category's name as
# the list shows it ("" for none), so "after this row" is well defined for every sort.
_KEYSET = {**SORTABLE, "category": func.coalesce(Category.name, "")}


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
    """
    flt = flt or TransactionFilter()
    if sort not in SORTABLE:
        raise ValidationError("sort", f"choose one of {', '.join(SORTABLE)}")
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValidationError("limit", f"must be between 1 and {MAX_PAGE_SIZE}")
    key = _KEYSET[sort]
    with scope.db.read() as s:
        require(s, scope, READ)
        ids = matching_ids(s, scope, flt).subquery()
        q = (select(Transaction.id, Transaction.date, Transaction.account_id, Account.name,
                    Transaction.amount_minor, Transaction.currency, Transaction.payee,
                    Transaction.description, Transaction.category_id,
                    func.coalesce(Category.name, ""), Transaction.tags, Transaction.notes,
                    Transaction.transfer_id, Transaction.scheduled, key)
             .join(Account, Account.id == Transaction.account_id)
             .outerjoin(Category, Category.id == Transaction.category_id)
             .where(Transaction.id.in_(select(ids.c.id))))
        if after is not None:
            _check_keyset(sort, after)
            if descending:
                q = q.where(or_(key < after.value, and_(key == after.value,
                                                        Transaction.id < after.id)))
            else:
                q = q.where(or_(key > after.value, and_(key == after.value,
                                                        Transaction.id > after.id)))
        q = q.order_by(key.desc() if descending else key.asc(),
                       Transaction.id.desc() if descending else Transaction.id.asc())
        found = list(s.execute(q.limit(limit + 1)))
    rows = [Row(*tuple(r)[:-1]) for r in found[:limit]]
    more = len(found) > limit
    return KeysetPage(rows, Keyset(tuple(found[limit - 1])[-1], rows[-1].id) if more else None)


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
