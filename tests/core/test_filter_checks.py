"""Every filter refuses what SQL cannot take, with a ValidationError naming the field.

Both filters are built from what people type (pages, CLI, API). ``NaN``, ``Infinity`` and
``1e400`` used to reach SQL and end in a traceback on the page (issue 7, item 7).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fintrack_core.errors import ValidationError
from fintrack_core.ledger.search import TransactionFilter, list_transactions
from fintrack_core.ledger.transactions import TransactionInput, add_transaction
from fintrack_core.reports.drilldown import drilldown
from fintrack_core.reports.filters import ReportFilter
from tests.conftest import SmallBook

FILTERS = [TransactionFilter, ReportFilter]


@pytest.mark.parametrize("make", FILTERS)
@pytest.mark.parametrize(("field", "value", "says"), [
    ("amount_min", Decimal("NaN"), "NaN is not a finite number"),
    ("amount_min", Decimal("sNaN"), "is not a finite number"),
    ("amount_max", Decimal("Infinity"), "Infinity is not a finite number"),
    ("amount_max", Decimal("-Infinity"), "is not a finite number"),
    ("amount_min", Decimal("1e400"), "1E+400 is too large: amounts must be below "
                                     "1,000,000,000,000 (12 whole digits)"),
    ("amount_min", "1e400", "'1e400' is not a number"),
    ("amount_min", "1_000", "'1_000' is not a number"),
    ("amount_max", "99999999999999999999999", "is too large"),
    ("amount_min", "12.3.4", "'12.3.4' is not a number"),
    ("amount_min", 12.5, "must not be floats"),
])
def test_bad_amounts_are_refused_naming_the_field(make, field: str, value: object,  # type: ignore[no-untyped-def]
                                                  says: str) -> None:
    with pytest.raises(ValidationError) as err:
        make(**{field: value})
    assert err.value.field == field
    assert says in err.value.message


@pytest.mark.parametrize("make", FILTERS)
def test_inverted_ranges_are_refused(make) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match=r"^amount_min: 70 is more than amount_max 40$"):
        make(amount_min=Decimal("70"), amount_max=Decimal("40"))
    with pytest.raises(ValidationError, match=r"^date_from: 2024-03-31 is after date_to "
                                              r"2024-03-01$"):
        make(date_from=dt.date(2024, 3, 31), date_to=dt.date(2024, 3, 1))


@pytest.mark.parametrize("make", FILTERS)
def test_a_megabyte_of_search_text_is_refused(make) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match=r"^text: is 1,000,000 characters long"):
        make(text="x" * 1_000_000)


@pytest.mark.parametrize("make", FILTERS)
def test_good_bounds_become_exact_decimals(make) -> None:  # type: ignore[no-untyped-def]
    flt = make(amount_min="40", amount_max=Decimal("999999999999.99"))
    assert (flt.amount_min, flt.amount_max) == (Decimal("40"), Decimal("999999999999.99"))
    assert make(amount_min=Decimal("70"), amount_max=Decimal("-70")).amount_max == -70


def test_the_largest_bound_still_runs_in_sql(small_book: SmallBook) -> None:
    top = TransactionFilter(amount_min=Decimal("0.001"), amount_max=Decimal("999999999999.999"))
    assert list_transactions(small_book.owner, top).total == 7


def test_a_percent_tag_matches_only_a_literal_percent_in_both_filters(
        small_book: SmallBook) -> None:
    """The report filter used ``LIKE`` unescaped, so a tag ``%`` matched every tagged row."""
    day = dt.date(2024, 3, 5)
    for payee, tags in (("Percent", ["%"]), ("Fifty", ["50%"]), ("Food", ["food"])):
        add_transaction(small_book.owner, TransactionInput(
            small_book.checking.id, day, Decimal("-1.00"), payee=payee, tags=tags))
    listed = list_transactions(small_book.owner, TransactionFilter(tag="%"))
    assert [r.payee for r in listed.rows] == ["Percent"]
    report = drilldown(small_book.owner, ReportFilter(tags=("%",)))
    assert list(report.rows["payee"]) == ["Percent"]
