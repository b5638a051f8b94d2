"""The one transaction filter: it refuses what SQL cannot take, with a ValidationError naming
the field, and it means the same on the Transactions list (SQLAlchemy on the live tables) as
in every report (DuckDB on the copy).

A filter is built from what people type (pages, CLI, API). ``NaN``, ``Infinity`` and
``1e400`` used to reach SQL and end in a traceback on the page (issue 7, item 7).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fintrack_core.errors import ValidationError
from fintrack_core.filters import TransactionFilter
from fintrack_core.ledger.search import list_transactions
from fintrack_core.ledger.transactions import TransactionInput, add_transaction
from fintrack_core.reports.drilldown import drilldown
from tests.conftest import SmallBook


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
def test_bad_amounts_are_refused_naming_the_field(field: str, value: object,
                                                  says: str) -> None:
    with pytest.raises(ValidationError) as err:
        TransactionFilter(**{field: value})  # type: ignore[arg-type]
    assert err.value.field == field
    assert says in err.value.message


def test_inverted_ranges_are_refused() -> None:
    with pytest.raises(ValidationError, match=r"^amount_min: 70 is more than amount_max 40$"):
        TransactionFilter(amount_min=Decimal("70"), amount_max=Decimal("40"))
    with pytest.raises(ValidationError, match=r"^date_from: 2024-03-31 is after date_to "
                                              r"2024-03-01$"):
        TransactionFilter(date_from=dt.date(2024, 3, 31), date_to=dt.date(2024, 3, 1))


def test_a_megabyte_of_search_text_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"^text: is 1,000,000 characters long"):
        TransactionFilter(text="x" * 1_000_000)


def test_good_bounds_become_exact_decimals() -> None:
    flt = TransactionFilter(amount_min="40", amount_max=Decimal("999999999999.99"))
    assert (flt.amount_min, flt.amount_max) == (Decimal("40"), Decimal("999999999999.99"))
    assert TransactionFilter(amount_min=Decimal("70"), amount_max=Decimal("-70")).amount_max == -70


def test_the_largest_bound_still_runs_in_sql(small_book: SmallBook) -> None:
    top = TransactionFilter(amount_min=Decimal("0.001"), amount_max=Decimal("999999999999.999"))
    assert list_transactions(small_book.owner, top).total == 7


def test_a_percent_tag_matches_only_a_literal_percent_on_the_list_and_in_reports(
        small_book: SmallBook) -> None:
    """The report filter used ``LIKE`` unescaped, so a tag ``%`` matched every tagged row."""
    day = dt.date(2024, 3, 5)
    for payee, tags in (("Percent", ["%"]), ("Fifty", ["50%"]), ("Food", ["food"])):
        add_transaction(small_book.owner, TransactionInput(
            small_book.checking.id, day, Decimal("-1.00"), payee=payee, tags=tags))
    listed = list_transactions(small_book.owner, TransactionFilter(tags=("%",)))
    assert [r.payee for r in listed.rows] == ["Percent"]
    report = drilldown(small_book.owner, TransactionFilter(tags=("%",)))
    assert list(report.rows["payee"]) == ["Percent"]


def test_one_tag_or_category_given_alone_is_one_item() -> None:
    flt = TransactionFilter(tags="food", category_ids=7, account_ids=3)  # type: ignore[arg-type]
    assert (flt.tags, flt.category_ids, flt.account_ids) == (("food",), (7,), (3,))


def test_too_many_tags_or_a_non_id_category_are_refused() -> None:
    with pytest.raises(ValidationError, match=r"^tags: 101 given \(at most 100\)$"):
        TransactionFilter(tags=tuple(f"t{i}" for i in range(101)))
    with pytest.raises(ValidationError, match=r"^category_ids: 'food' is not an id$"):
        TransactionFilter(category_ids=("food",))  # type: ignore[arg-type]


def _same_rows_on_the_list_and_in_reports(small_book: SmallBook) -> list[TransactionFilter]:
    sb, day = small_book, dt.date(2024, 3, 6)
    add_transaction(sb.owner, TransactionInput(sb.checking.id, day, Decimal("-42.00"),
                                               payee="Baker", notes="birthday cake",
                                               tags=["party"]))
    add_transaction(sb.owner, TransactionInput(sb.card.id, day, Decimal("-95.00"),
                                               payee="Airline", tags=["travel", "party"]))
    food = sb.categories["Food"]
    return [
        TransactionFilter(),
        TransactionFilter(text="cake"),  # in the notes only: both look there
        TransactionFilter(tags=("party",)),
        TransactionFilter(tags=("travel", "nothing-has-this")),
        # 95 USD is in 90..100 as recorded, whatever it is worth in EUR
        TransactionFilter(amount_min=Decimal("90"), amount_max=Decimal("100")),
        TransactionFilter(category_ids=(food,)),
        TransactionFilter(category_ids=(food,), uncategorised=True),
        TransactionFilter(uncategorised=True, account_ids=(sb.card.id,)),
        TransactionFilter(date_from=dt.date(2024, 3, 5), date_to=dt.date(2024, 3, 9)),
    ]


def test_a_filter_selects_the_same_rows_on_the_list_and_in_reports(
        small_book: SmallBook) -> None:
    """A report's drill-down and the Transactions list given one filter show one set of rows
    (before, the two filters differed in amounts, notes, categories and tags)."""
    for flt in _same_rows_on_the_list_and_in_reports(small_book):
        listed = list_transactions(small_book.owner, flt, page_size=500)
        reported = drilldown(small_book.owner, flt, page_size=500)
        assert sorted(r.id for r in listed.rows) == sorted(int(i) for i in reported.rows["id"]), flt
        assert listed.total == reported.total, flt


def test_amount_bounds_compare_each_row_as_recorded(small_book: SmallBook) -> None:
    add_transaction(small_book.owner, TransactionInput(small_book.card.id, dt.date(2024, 3, 6),
                                                       Decimal("-95.00"), payee="Airline"))
    flt = TransactionFilter(amount_min=Decimal("95"), amount_max=Decimal("95"))
    assert [r.payee for r in list_transactions(small_book.owner, flt).rows] == ["Airline"]
    assert list(drilldown(small_book.owner, flt).rows["payee"]) == ["Airline"]


def test_future_scheduled_rows_are_left_out_unless_asked_for(
        small_book: SmallBook, today: dt.date) -> None:
    later = today + dt.timedelta(days=20)
    add_transaction(small_book.owner, TransactionInput(
        small_book.checking.id, later, Decimal("-9.99"), payee="Planned", scheduled=True))
    plain, asked = TransactionFilter(), TransactionFilter(include_scheduled=True)
    assert "Planned" not in [r.payee for r in list_transactions(small_book.owner, plain).rows]
    assert "Planned" in [r.payee for r in list_transactions(small_book.owner, asked).rows]
    assert "Planned" not in list(drilldown(small_book.owner, plain, page_size=500).rows["payee"])
