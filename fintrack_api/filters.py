"""The shared transaction filter as query parameters, for lists and reports alike.

Each parameter is one field of ``fintrack_core.filters.TransactionFilter`` under the same
name (lists repeat the parameter: ``?account_id=3&account_id=4``); the filter's own checks
(an inverted date range, a huge amount, a megabyte of search text) answer 422 naming the
field, exactly as on the Transactions page.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Depends, Query

from fintrack_core.filters import MAX_IDS, MAX_TAGS, MAX_TEXT, TransactionFilter

MAX_ID = 2**63 - 1


def transaction_filter(
    date_from: Annotated[dt.date | None, Query(description="From this day, inclusive",
                                               examples=["2024-03-01"])] = None,
    date_to: Annotated[dt.date | None, Query(description="Up to this day, inclusive",
                                             examples=["2024-03-31"])] = None,
    account_id: Annotated[list[Annotated[int, Query(ge=1, le=MAX_ID)]], Query(
        max_length=MAX_IDS, description="Any of these accounts")] = [],  # noqa: B006
    category_id: Annotated[list[Annotated[int, Query(ge=1, le=MAX_ID)]], Query(
        max_length=MAX_IDS, description="Any of these categories, each with its "
                                        "sub-categories")] = [],  # noqa: B006
    uncategorised: Annotated[bool, Query(description="Also the rows without a category")
                             ] = False,
    tag: Annotated[list[str], Query(max_length=MAX_TAGS, description="Any of these tags")
                   ] = [],  # noqa: B006
    amount_min: Annotated[str | None, Query(max_length=40, examples=["10"], description=(
        "The size of the amount (in or out) is at least this, in its own currency"))] = None,
    amount_max: Annotated[str | None, Query(max_length=40, examples=["100.50"])] = None,
    text: Annotated[str | None, Query(max_length=MAX_TEXT, description=(
        "Payee, description or notes contain it"))] = None,
    include_scheduled: Annotated[bool, Query(description=(
        "Also scheduled rows dated after today"))] = False,
) -> TransactionFilter:
    return TransactionFilter(date_from, date_to, tuple(account_id), tuple(category_id),
                             uncategorised, tuple(tag), amount_min, amount_max, text,
                             include_scheduled)


FilterDep = Annotated[TransactionFilter, Depends(transaction_filter)]
