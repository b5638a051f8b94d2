"""The checks and pieces both filters share (``ledger.search.TransactionFilter``,
``reports.filters.ReportFilter``).

Why two filters at all: they answer two questions and must not be swapped silently.

==================  ================================  ===================================
                    ``TransactionFilter`` (the list)  ``ReportFilter`` (every report)
==================  ================================  ===================================
categories          one, or "uncategorised"           several, any of them
tags                one                               several, any of them
amount bounds       in each row's own currency        in the book's base currency
text                payee, description and notes      payee and description
scheduled rows      always listed                     future ones left out by default
==================  ================================  ===================================

What they share is one piece of code here: dates, amount bounds, accounts and text are
checked by ``check_filter``, and a tag is matched by ``tag_needle`` — literally in both
(``%`` or ``_`` in a tag is a character, never a LIKE wildcard).

Why at construction: a filter is built from what a person typed into a page, the CLI or the
API. Checking it once, where it is made, means no interface can send ``NaN``, ``1e400``, an
inverted range or a megabyte of search text on to SQL (where it used to end in a traceback),
and every interface gets the same ``ValidationError`` naming the field.
"""

from __future__ import annotations

import datetime as dt
import numbers
from decimal import Decimal
from typing import Protocol

from fintrack_core.errors import ValidationError
from fintrack_core.money import amount_bound

MAX_TEXT = 500  # characters of a text or tag filter; longer is not a search but a paste
MAX_IDS = 10_000  # accounts/categories picked at once
# Rows one page may hold, for the Transactions list and a report's drill-down alike: both
# page in SQL so the browser never receives more, and one bound keeps the two in step.
MAX_PAGE_SIZE = 500


def check_dates(date_from: object, date_to: object) -> None:
    """Both dates are dates (or None) and the range is not inverted."""
    for field, value in (("date_from", date_from), ("date_to", date_to)):
        if value is not None and not isinstance(value, dt.date):
            raise ValidationError(field, f"{value!r} is not a date")
    if isinstance(date_from, dt.date) and isinstance(date_to, dt.date) and date_from > date_to:
        raise ValidationError("date_from", f"{date_from} is after date_to {date_to}")


def check_amounts(amount_min: object, amount_max: object
                  ) -> tuple[Decimal | None, Decimal | None]:
    """Finite, sensibly sized bounds on the *size* of an amount, lower not above upper."""
    low = amount_bound(amount_min, "amount_min")  # type: ignore[arg-type]
    high = amount_bound(amount_max, "amount_max")  # type: ignore[arg-type]
    if low is not None and high is not None and abs(low) > abs(high):
        raise ValidationError("amount_min", f"{abs(low)} is more than amount_max {abs(high)}")
    return low, high


def check_text(value: str | None, field: str) -> None:
    if value is not None and not isinstance(value, str):
        raise ValidationError(field, f"{value!r} is not text")
    if value is not None and len(value) > MAX_TEXT:
        raise ValidationError(field, f"is {len(value):,} characters long (at most {MAX_TEXT})")


def check_ids(ids: tuple[int, ...], field: str) -> None:
    if len(ids) > MAX_IDS:
        raise ValidationError(field, f"{len(ids):,} picked (at most {MAX_IDS:,})")
    for i in ids:
        if isinstance(i, bool) or not isinstance(i, numbers.Integral):
            raise ValidationError(field, f"{i!r} is not an id")


class _Filter(Protocol):
    """The fields every filter has (read by ``check_filter``)."""

    @property
    def date_from(self) -> dt.date | None: ...
    @property
    def date_to(self) -> dt.date | None: ...
    @property
    def account_ids(self) -> tuple[int, ...]: ...
    @property
    def amount_min(self) -> Decimal | str | None: ...  # text as typed, until checked
    @property
    def amount_max(self) -> Decimal | str | None: ...
    @property
    def text(self) -> str | None: ...


def check_filter(flt: _Filter) -> None:
    """The checks every filter's ``__post_init__`` makes; its amount bounds become
    ``Decimal`` (set on the frozen dataclass, as its own ``__post_init__`` may)."""
    check_dates(flt.date_from, flt.date_to)
    low, high = check_amounts(flt.amount_min, flt.amount_max)
    object.__setattr__(flt, "amount_min", low)
    object.__setattr__(flt, "amount_max", high)
    check_ids(tuple(flt.account_ids), "account_ids")
    check_text(flt.text, "text")


def tag_needle(tag: str) -> str:
    """What to look for in the stored ``,a,b,`` tags (see ``transactions.normalise_tags``):
    the tag as stored, between commas, so ``food`` never matches ``seafood``. Callers match
    it literally (no LIKE wildcards)."""
    return f",{tag.strip().lower().lstrip('#')},"
