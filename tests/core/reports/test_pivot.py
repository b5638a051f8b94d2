"""The pivot table: two dimensions, one measure, exact sums/averages, tags unnested."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, cast

import pandas as pd
import pytest

from fintrack_core.errors import PermissionDenied, ValidationError
from fintrack_core.filters import TransactionFilter
from fintrack_core.ledger import transactions as tx
from fintrack_core.reports.pivot import DIMENSIONS, MEASURES, NO_TAG, pivot
from tests.core.reports import ledger_math as lm
from tests.core.reports.conftest import ReportBook

D = dt.date
PATHS = {"Salary": "Income → Salary", "Other income": "Income → Other income",
         "Rent": "Housing → Rent", "Groceries": "Food → Groceries",
         "Restaurants": "Food → Restaurants", "Fuel": "Transportation → Car → Fuel",
         None: "Uncategorised"}


def _cells(frame: pd.DataFrame) -> dict[tuple[object, object], int]:
    """Non-zero cells as {(row, column): value}."""
    cells = cast(Iterable[tuple[tuple[object, object], Any]], frame.stack().items())
    return {(r, c): int(v) for (r, c), v in cells if pd.notna(v) and v != 0}


def test_constants() -> None:
    assert DIMENSIONS == ("month", "week", "category", "payee", "account", "tag")
    assert MEASURES == ("sum", "count", "average")


def test_category_by_month_sum(report_book: ReportBook) -> None:
    frame = pivot(report_book.owner, "category", "month", "sum")
    expected = lm.group([r for r in lm.rows() if r.flow == "expense"],
                        lambda r: (PATHS[r.category], r.date.replace(day=1)))
    assert _cells(frame) == expected
    assert list(frame.columns) == [D(2024, 1, 1), D(2024, 2, 1), D(2024, 3, 1)]
    assert frame.index.name == "category"
    assert frame.columns.name == "month"
    assert frame.at["Transportation → Car → Fuel", D(2024, 2, 1)] == 2500
    assert frame.at["Uncategorised", D(2024, 3, 1)] == -1999
    assert frame.at["Food → Restaurants", D(2024, 3, 1)] == 0  # empty cell
    assert frame.to_numpy().sum() == lm.total("expense")
    assert frame.attrs["base_currency"] == "EUR"


def test_single_value_column_income_and_all(report_book: ReportBook) -> None:
    income = pivot(report_book.owner, "month", None, "sum", flow="income")
    assert list(income.columns) == ["value"]
    assert dict(income["value"]) == {D(2024, 1, 1): 300000, D(2024, 2, 1): 315000,
                                     D(2024, 3, 1): 320000}
    both = pivot(report_book.owner, "account", None, "sum", flow="all")
    expected = lm.group([r for r in lm.rows() if r.flow != "transfer"], lambda r: r.account)
    assert dict(both["value"]) == expected
    assert "Savings" not in both.index  # only transfers there


def test_tags_unnest_and_counts(report_book: ReportBook) -> None:
    tx.add_transaction(report_book.owner, tx.TransactionInput(
        report_book.accounts["Visa"], D(2024, 3, 22), "-30.00", "Airport café",
        category_id=report_book.categories["Coffee"], tags=["food", "travel"]))
    frame = pivot(report_book.owner, "tag", "account", "count")
    expense = [r for r in lm.rows() if r.flow == "expense"]
    counts: dict[tuple[object, object], int] = {}
    for r in expense:
        for tag in r.tags or (NO_TAG,):
            counts[(tag, r.account)] = counts.get((tag, r.account), 0) + 1
    for tag in ("food", "travel"):
        counts[(tag, "Visa")] = counts.get((tag, "Visa"), 0) + 1
    assert _cells(frame) == counts
    assert frame.loc[NO_TAG, "Girokonto"] == 1  # Netflix
    sums = pivot(report_book.owner, "tag", None, "sum")["value"]
    assert sums["travel"] == -5000 - 10000 - 3000
    assert sums["food"] == -8240 - 4590 - 12035 - 8900 - 9999 - 3000


def test_average_is_exact_half_even(report_book: ReportBook) -> None:
    frame = pivot(report_book.owner, "payee", None, "average")["value"]
    per: dict[str, list[int]] = {}
    for r in lm.rows():
        if r.flow == "expense":
            per.setdefault(r.payee, []).append(r.base)
    expected = {p: int((Decimal(sum(v)) / len(v)).quantize(Decimal(1), ROUND_HALF_EVEN))
                for p, v in per.items()}
    assert dict(frame) == expected
    assert frame["REWE"] == -9120  # -9119.5 rounds to the even -9120
    assert str(frame.dtype) == "Int64"


def test_week_dimension_and_filters(report_book: ReportBook) -> None:
    flt = TransactionFilter(date_from=D(2024, 1, 1), date_to=D(2024, 1, 31),
                       account_ids=(report_book.accounts["Visa"],))
    frame = pivot(report_book.owner, "week", "payee", "sum", flt)
    assert _cells(frame) == {(D(2024, 1, 8), "Trattoria"): -4590,
                             (D(2024, 1, 15), "Shell"): -6000}
    empty = pivot(report_book.owner, "week", None, "average", TransactionFilter(text="nothing"))
    assert empty.empty
    assert list(empty.columns) == ["value"]


@pytest.mark.parametrize(("args", "field"), [
    (("quarter", None, "sum"), "rows"),
    (("month", "year", "sum"), "columns"),
    (("month", "month", "sum"), "columns"),
    (("month", None, "median"), "measure"),
])
def test_validation_names_the_field(report_book: ReportBook, args: tuple[str, str | None, str],
                                    field: str) -> None:
    with pytest.raises(ValidationError) as err:
        pivot(report_book.owner, *args)
    assert err.value.field == field


def test_bad_flow_and_outsiders(report_book: ReportBook) -> None:
    with pytest.raises(ValidationError) as err:
        pivot(report_book.owner, "month", None, "sum", flow="transfer")
    assert err.value.field == "flow"
    with pytest.raises(PermissionDenied):
        pivot(lm.outsider(report_book), "month", None, "sum")


def test_a_write_shows_up_in_the_next_call(report_book: ReportBook) -> None:
    before = pivot(report_book.owner, "month", None, "count")["value"]
    tx.add_transaction(report_book.owner, tx.TransactionInput(
        report_book.accounts["Girokonto"], D(2024, 2, 3), "-1.00", "Kiosk"))
    after = pivot(report_book.viewer, "month", None, "count")["value"]
    assert after[D(2024, 2, 1)] == before[D(2024, 2, 1)] + 1
