"""Drill-down: the transactions behind a number, paged in SQL, with exact totals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from fintrack_core.errors import PermissionDenied, ValidationError
from fintrack_core.filters import TransactionFilter
from fintrack_core.ledger import transactions as tx
from fintrack_core.reports.categories import NO_PAYEE, UNCATEGORISED
from fintrack_core.reports.drilldown import ROW_COLUMNS, drilldown
from fintrack_core.reports.pivot import NO_TAG
from tests.core.reports import ledger_math as lm
from tests.core.reports.conftest import ReportBook

D = dt.date


def test_category_includes_sub_categories(report_book: ReportBook) -> None:
    result = drilldown(report_book.owner, category_id=report_book.categories["Transportation"])
    assert result.total == 3
    assert result.sum_base == -6000 + 2500 - 7450
    assert list(result.rows.columns) == ROW_COLUMNS
    assert list(result.rows["date"]) == [D(2024, 3, 15), D(2024, 2, 16), D(2024, 1, 20)]
    first = result.rows.iloc[0]
    assert (first["account"], first["payee"], first["category"], first["amount"],
            first["currency"], first["amount_base"], first["tags"]) == \
        ("Visa", "Shell", "Transportation → Car → Fuel", -7450, "EUR", -7450, ["car"])


def test_pages_cover_everything_once_newest_first(report_book: ReportBook) -> None:
    everything = lm.rows()
    seen = []
    for page in range(1, 7):
        result = drilldown(report_book.owner, page=page, page_size=5)
        assert len(result.rows) <= 5
        assert result.total == len(everything)
        assert result.sum_base == sum(r.base for r in everything)
        assert result.pages == 6
        seen += list(zip(result.rows["date"], result.rows["id"], strict=True))
    assert len(seen) == len(everything) == len(set(seen))
    assert seen == sorted(seen, reverse=True)
    past = drilldown(report_book.owner, page=7, page_size=5)
    assert past.rows.empty
    assert past.total == len(everything)


def test_usd_rows_show_both_amounts(report_book: ReportBook) -> None:
    result = drilldown(report_book.owner, payee="Whole Foods")
    row = result.rows.iloc[0]
    assert (row["amount"], row["currency"], row["amount_base"]) == (-12000, "USD", -10000)
    assert row["tags"] == ["travel"]


@pytest.mark.parametrize(("keys", "keep"), [
    ({"month": D(2024, 2, 20), "flow": "expense"},
     lambda r: r.date.month == 2 and r.flow == "expense"),
    ({"weekday": 4}, lambda r: r.date.weekday() == 4),
    ({"day": 28}, lambda r: r.date.day == 28),
    ({"tag": "food"}, lambda r: "food" in r.tags),
    ({"tag": NO_TAG, "flow": "all"}, lambda r: not r.tags and r.flow != "transfer"),
    ({"flow": "transfer"}, lambda r: r.flow == "transfer"),
    ({"flow": "income"}, lambda r: r.flow == "income"),
    ({"category_id": UNCATEGORISED, "flow": "expense"},
     lambda r: r.category is None and r.flow == "expense"),
    ({"week": D(2024, 3, 20)}, lambda r: D(2024, 3, 18) <= r.date <= D(2024, 3, 24)),
])
def test_keys_select_what_the_reports_counted(report_book: ReportBook, keys: dict[str, object],
                                              keep: Callable[[lm.Row], bool]) -> None:
    expected = [r for r in lm.rows() if keep(r)]
    result = drilldown(report_book.owner, page_size=100, **keys)  # type: ignore[arg-type]
    assert result.total == len(expected)
    assert result.sum_base == sum(r.base for r in expected)
    assert len(result.rows) == len(expected)


def test_account_and_filter_combine(report_book: ReportBook) -> None:
    flt = TransactionFilter(date_to=D(2024, 1, 31), text="shell")
    result = drilldown(report_book.owner, flt, account_id=report_book.accounts["Visa"])
    assert result.total == 1
    assert result.sum_base == -6000


def test_no_payee(report_book: ReportBook) -> None:
    tx.add_transaction(report_book.owner, tx.TransactionInput(
        report_book.accounts["Girokonto"], D(2024, 3, 3), "-7.00"))
    result = drilldown(report_book.owner, payee=NO_PAYEE)
    assert (result.total, result.sum_base) == (1, -700)


@pytest.mark.parametrize(("keys", "field"), [
    ({"page": 0}, "page"), ({"page_size": 0}, "page_size"), ({"page_size": 501}, "page_size"),
    ({"weekday": 7}, "weekday"), ({"day": 0}, "day"), ({"flow": "spending"}, "flow"),
])
def test_validation_names_the_field(report_book: ReportBook, keys: dict[str, object],
                                    field: str) -> None:
    with pytest.raises(ValidationError) as err:
        drilldown(report_book.owner, **keys)  # type: ignore[arg-type]
    assert err.value.field == field


def test_a_write_shows_up_and_outsiders_are_refused(report_book: ReportBook) -> None:
    food = report_book.categories["Food"]
    before = drilldown(report_book.owner, category_id=food)
    added = tx.add_transaction(report_book.owner, tx.TransactionInput(
        report_book.accounts["Visa"], D(2024, 4, 1), "-4.20", "Bakery",
        category_id=report_book.categories["Coffee"]))
    after = drilldown(report_book.viewer, category_id=food, page_size=1)
    assert after.total == before.total + 1
    assert after.sum_base == before.sum_base - 420
    assert list(after.rows["id"]) == [added.id]
    with pytest.raises(PermissionDenied):
        drilldown(lm.outsider(report_book))
