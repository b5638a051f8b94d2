"""The one transaction filter: what the Transactions list, the CLI, the rules, every report
and its drill-down select, and the checks it makes when it is built.

One filter, one meaning everywhere, so a report's drill-down and the Transactions list
given the same filter show the same rows:

- **dates** from/to, inclusive;
- **accounts**, **categories** (each with its sub-categories) and **tags** (a tag is matched
  literally: ``%`` or ``_`` is a character, never a LIKE wildcard), any of those picked;
  ``uncategorised`` adds the rows without a category;
- **amount bounds** compare the size of an amount (money in or out alike) *as recorded*, in
  each transaction's own currency: the figure the user sees on the row, and a result that
  does not move when an exchange rate is corrected;
- **text** is looked for in payee, description and notes;
- **scheduled** rows dated after today are plans, not facts: left out unless
  ``include_scheduled`` (the Transactions list asks for them).

Why checks at construction: a filter is built from what a person typed into a page, the CLI
or the API. Checking it once, where it is made, means no interface can send ``NaN``,
``1e400``, an inverted range or a megabyte of search text on to SQL (where it used to end in
a traceback), and every interface gets the same ``ValidationError`` naming the field.
"""

from __future__ import annotations

import datetime as dt
import numbers
from dataclasses import dataclass
from decimal import Decimal

from fintrack_core.errors import ValidationError
from fintrack_core.money import amount_bound

MAX_TEXT = 500  # characters of a text or tag filter; longer is not a search but a paste
MAX_IDS = 10_000  # accounts/categories picked at once
MAX_TAGS = 100
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


def check_filter(flt: TransactionFilter) -> None:
    """The checks ``TransactionFilter`` makes when built. Its amount bounds become
    ``Decimal``, and one tag or category given alone becomes a one-item tuple (set on the
    frozen dataclass, as its own ``__post_init__`` may): ``tags="food"`` must not become
    the four tags ``f``, ``o``, ``o``, ``d``."""
    check_dates(flt.date_from, flt.date_to)
    low, high = check_amounts(flt.amount_min, flt.amount_max)
    object.__setattr__(flt, "amount_min", low)
    object.__setattr__(flt, "amount_max", high)
    for name in ("account_ids", "category_ids", "tags"):
        value = getattr(flt, name)
        if isinstance(value, (str, int)):
            value = (value,)
        object.__setattr__(flt, name, tuple(value))
    check_ids(flt.account_ids, "account_ids")
    check_ids(flt.category_ids, "category_ids")
    if len(flt.tags) > MAX_TAGS:
        raise ValidationError("tags", f"{len(flt.tags)} given (at most {MAX_TAGS})")
    for tag in flt.tags:
        check_text(tag, "tags")
    check_text(flt.text, "text")


def tag_needle(tag: str) -> str:
    """What to look for in the stored ``,a,b,`` tags (see ``transactions.normalise_tags``):
    the tag as stored, between commas, so ``food`` never matches ``seafood``. Callers match
    it literally (no LIKE wildcards)."""
    return f",{tag.strip().lower().lstrip('#')},"


@dataclass(frozen=True, slots=True)
class TransactionFilter:
    """Which transactions a list, a report or a rule run covers; empty means the whole book
    (without future scheduled rows). The meaning of each field: see the module docstring."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    account_ids: tuple[int, ...] = ()
    category_ids: tuple[int, ...] = ()   # any of them, each with its sub-categories
    uncategorised: bool = False          # also (or only) the rows without a category
    tags: tuple[str, ...] = ()           # any of them
    amount_min: Decimal | str | None = None  # as typed; a Decimal after construction
    amount_max: Decimal | str | None = None
    text: str | None = None              # payee, description or notes contain it
    include_scheduled: bool = False      # scheduled rows dated after today

    def __post_init__(self) -> None:
        """Refuse what SQL cannot take; amount bounds become ``Decimal``."""
        check_filter(self)

    @property
    def text_needle(self) -> str | None:
        """The text to look for, lower-cased, or None when there is none."""
        return self.text.strip().lower() if self.text and self.text.strip() else None
