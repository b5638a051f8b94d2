"""Finding transactions: every filter, every sort column, paging in SQL, per-currency sums.

The small book holds seven transactions of Alice's:

    2024-03-01  Girokonto  +2500.00 EUR  ACME GmbH  Salary March  Salary
    2024-03-02  Girokonto   -850.00 EUR  Landlord   Rent          Rent       #home
    2024-03-05  Girokonto    -64.37 EUR  REWE       Groceries     Groceries  #food #weekly
    2024-03-09  US Visa      -42.10 USD  Shell      Fuel          Fuel       #car
    2024-03-12  US Visa      +15.00 USD  Shell      Refund        Fuel
    2024-03-15  Girokonto   -300.00 EUR  Tagesgeld  Monthly saving  (transfer leg)
    2024-03-15  Tagesgeld   +300.00 EUR  Girokonto  Monthly saving  (transfer leg)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from fintrack_core.errors import NotFound, ValidationError
from fintrack_core.filters import MAX_PAGE_SIZE, TransactionFilter
from fintrack_core.ledger import transactions as tx
from fintrack_core.ledger.accounts import create_account
from fintrack_core.ledger.search import list_transactions

if TYPE_CHECKING:
    from tests.conftest import SmallBook

MARCH = dt.date(2024, 3, 1)


def payees(sb: SmallBook, flt: TransactionFilter | None = None, **kwargs: object) -> list[str]:
    return [r.payee for r in list_transactions(sb.owner, flt, **kwargs).rows]  # type: ignore[arg-type]


def test_without_a_filter_the_whole_book_newest_first(small_book: SmallBook) -> None:
    page = list_transactions(small_book.owner)
    assert page.total == 7
    assert [(r.date.day, r.payee) for r in page.rows] == [
        (15, "Girokonto"), (15, "Tagesgeld"), (12, "Shell"), (9, "Shell"), (5, "REWE"),
        (2, "Landlord"), (1, "ACME GmbH")]
    assert page.sums == {"EUR": 250000 - 85000 - 6437 - 30000 + 30000, "USD": -4210 + 1500}


def test_rows_carry_account_category_and_tags(small_book: SmallBook) -> None:
    rewe = next(r for r in list_transactions(small_book.owner).rows if r.payee == "REWE")
    assert (rewe.account, rewe.account_id, rewe.amount_minor, rewe.currency) == (
        "Girokonto", small_book.checking.id, -6437, "EUR")
    assert (rewe.category, rewe.category_id, rewe.tags, rewe.description) == (
        "Groceries", small_book.categories["Groceries"], ",food,weekly,", "Groceries")


def test_filter_by_date_range_includes_both_ends(small_book: SmallBook) -> None:
    flt = TransactionFilter(date_from=dt.date(2024, 3, 2), date_to=dt.date(2024, 3, 9))
    page = list_transactions(small_book.owner, flt)
    assert [r.payee for r in page.rows] == ["Shell", "REWE", "Landlord"]
    assert page.sums == {"EUR": -91437, "USD": -4210}


def test_a_reversed_date_range_is_refused(small_book: SmallBook) -> None:
    with pytest.raises(ValidationError) as err:
        list_transactions(small_book.owner, TransactionFilter(date_from=dt.date(2024, 3, 9),
                                                              date_to=dt.date(2024, 3, 2)))
    assert err.value.field == "date_from"


def test_filter_by_accounts(small_book: SmallBook) -> None:
    sb = small_book
    card = list_transactions(sb.owner, TransactionFilter(account_ids=(sb.card.id,)))
    assert (card.total, card.sums) == (2, {"USD": -2710})
    both = list_transactions(sb.owner, TransactionFilter(account_ids=(sb.card.id, sb.savings.id)))
    assert sorted(r.account for r in both.rows) == ["Tagesgeld", "US Visa", "US Visa"]


def test_filter_by_category_includes_sub_categories(small_book: SmallBook) -> None:
    sb = small_book
    for name in ("Transportation", "Car", "Fuel"):
        page = list_transactions(sb.owner, TransactionFilter(category_ids=(sb.categories[name],)))
        assert [r.description for r in page.rows] == ["Refund", "Fuel"], name
    food = list_transactions(sb.owner, TransactionFilter(category_ids=(sb.categories["Food"],)))
    assert [r.payee for r in food.rows] == ["REWE"]
    income = list_transactions(sb.owner, TransactionFilter(category_ids=(sb.categories["Income"],)))
    assert income.sums == {"EUR": 250000}
    empty = list_transactions(sb.owner, TransactionFilter(category_ids=(sb.categories["Travel"],)))
    assert (empty.total, empty.rows, empty.sums) == (0, [], {})


def test_filter_uncategorised(small_book: SmallBook) -> None:
    page = list_transactions(small_book.owner, TransactionFilter(uncategorised=True))
    assert sorted(r.payee for r in page.rows) == ["Girokonto", "Tagesgeld"]
    assert page.sums == {"EUR": 0}


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("food", ["REWE"]), ("#Weekly", ["REWE"]), ("car", ["Shell"]), ("home", ["Landlord"]),
     ("foo", []), ("ca_", [])],
)
def test_filter_by_tag_matches_whole_tags(small_book: SmallBook, tag: str,
                                          expected: list[str]) -> None:
    assert payees(small_book, TransactionFilter(tags=(tag,))) == expected


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        ("42.10", "850", [30000, -30000, -4210, -6437, -85000]),
        ("100", None, [30000, -30000, -85000, 250000]),
        (None, "50", [1500, -4210]),
        ("-64.37", "-64.37", [-6437]),  # bounds are sizes: the sign does not matter
        ("15", "15.00", [1500]),
    ],
)
def test_filter_by_amount_compares_absolute_size(small_book: SmallBook, low: str | None,
                                                 high: str | None, expected: list[int]) -> None:
    flt = TransactionFilter(amount_min=None if low is None else Decimal(low),
                            amount_max=None if high is None else Decimal(high))
    rows = list_transactions(small_book.owner, flt).rows
    assert [r.amount_minor for r in rows] == expected


def test_amount_bounds_follow_each_currency_exponent(small_book: SmallBook) -> None:
    sb = small_book
    yen = create_account(sb.owner, "Japan Post", "savings", "JPY", "0", MARCH)
    tx.add_transaction(sb.owner, tx.TransactionInput(yen.id, dt.date(2024, 3, 20), "-4210",
                                                     "7-Eleven", "Snacks"))
    rows = list_transactions(sb.owner, TransactionFilter(amount_min=Decimal("4210"))).rows
    assert [(r.amount_minor, r.currency) for r in rows] == [(-4210, "JPY")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("shell", ["Shell", "Shell"]), ("SALARY", ["ACME GmbH"]), ("monthly sav",
     ["Girokonto", "Tagesgeld"]), ("rewe", ["REWE"]), ("netflix", [])],
)
def test_text_searches_payee_and_description_case_insensitively(
        small_book: SmallBook, text: str, expected: list[str]) -> None:
    assert payees(small_book, TransactionFilter(text=text)) == expected


def test_text_searches_notes_and_takes_wildcards_literally(small_book: SmallBook) -> None:
    sb = small_book
    tx.add_transaction(sb.owner, tx.TransactionInput(
        sb.checking.id, dt.date(2024, 3, 20), "-59.99", "MediaMarkt", "Headphones",
        sb.categories["Electronics"], notes="50% off, receipt in drawer"))
    tx.add_transaction(sb.owner, tx.TransactionInput(
        sb.checking.id, dt.date(2024, 3, 21), "-5.00", "Kiosk", "Newspaper 50 cents off"))
    assert payees(sb, TransactionFilter(text="RECEIPT")) == ["MediaMarkt"]
    assert payees(sb, TransactionFilter(text="50%")) == ["MediaMarkt"]
    assert payees(sb, TransactionFilter(text="0_c")) == []


def test_filters_combine_with_and(small_book: SmallBook) -> None:
    sb = small_book
    flt = TransactionFilter(date_from=dt.date(2024, 3, 2), account_ids=(sb.checking.id,),
                            amount_max=Decimal("100"), text="e")
    assert payees(sb, flt) == ["REWE"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("date", ["ACME GmbH", "Landlord", "REWE", "Shell", "Shell", "Tagesgeld", "Girokonto"]),
        ("amount", ["Landlord", "Tagesgeld", "REWE", "Shell", "Shell", "Girokonto", "ACME GmbH"]),
        ("payee", ["ACME GmbH", "Girokonto", "Landlord", "REWE", "Shell", "Shell", "Tagesgeld"]),
        ("account", ["ACME GmbH", "Landlord", "REWE", "Tagesgeld", "Girokonto", "Shell", "Shell"]),
        ("category", ["Tagesgeld", "Girokonto", "Shell", "Shell", "REWE", "Landlord",
                      "ACME GmbH"]),
    ],
)
def test_sort_by_each_column_ascending_and_descending(small_book: SmallBook, sort: str,
                                                      expected: list[str]) -> None:
    assert payees(small_book, sort=sort, descending=False) == expected
    assert payees(small_book, sort=sort, descending=True) == expected[::-1]


def test_sort_by_amount_uses_exact_minor_units(small_book: SmallBook) -> None:
    rows = list_transactions(small_book.owner, sort="amount", descending=False).rows
    assert [r.amount_minor for r in rows] == [-85000, -30000, -6437, -4210, 1500, 30000, 250000]


def test_unknown_sort_column_is_refused(small_book: SmallBook) -> None:
    with pytest.raises(ValidationError) as err:
        list_transactions(small_book.owner, sort="notes")
    assert err.value.field == "sort"


@pytest.fixture
def coffee_month(small_book: SmallBook) -> SmallBook:
    """23 coffees in April on top of the seven March transactions (30 in all)."""
    sb = small_book
    for day in range(1, 24):
        tx.add_transaction(sb.owner, tx.TransactionInput(
            sb.checking.id, dt.date(2024, 4, day), f"-3.{day:02d}", "Espresso Bar",
            "Flat white", sb.categories["Coffee"]))
    return sb


def test_paging_returns_at_most_a_page_and_the_full_total(coffee_month: SmallBook) -> None:
    sb = coffee_month
    pages = [list_transactions(sb.owner, page=n, page_size=7) for n in (1, 2, 3, 4, 5, 6)]
    assert [len(p.rows) for p in pages] == [7, 7, 7, 7, 2, 0]
    assert {p.total for p in pages} == {30}
    assert {p.pages for p in pages} == {5}
    seen = [r.id for p in pages for r in p.rows]
    assert len(seen) == len(set(seen)) == 30
    assert pages[0].rows[0].date == dt.date(2024, 4, 23)
    assert pages[4].rows[-1].payee == "ACME GmbH"


def test_sums_cover_all_matching_rows_not_just_the_page(coffee_month: SmallBook) -> None:
    coffees = sum(300 + day for day in range(1, 24))
    page = list_transactions(coffee_month.owner, TransactionFilter(text="flat white"),
                             page_size=5)
    assert (len(page.rows), page.total, page.sums) == (5, 23, {"EUR": -coffees})


def test_default_page_size_is_50_and_never_above_the_maximum(coffee_month: SmallBook) -> None:
    sb = coffee_month
    for n in range(40):
        tx.add_transaction(sb.owner, tx.TransactionInput(
            sb.savings.id, dt.date(2024, 2, 1 + n % 28), "0.01", "Bank", "Interest",
            sb.categories["Interest"]))
    default = list_transactions(sb.owner)
    assert (len(default.rows), default.page_size, default.total, default.pages) == (50, 50, 70, 2)
    huge = list_transactions(sb.owner, page_size=10_000)
    assert (huge.page_size, len(huge.rows)) == (MAX_PAGE_SIZE, 70)
    tiny = list_transactions(sb.owner, page=0, page_size=0)
    assert (tiny.page, tiny.page_size, len(tiny.rows)) == (1, 1, 1)


def test_filters_with_another_books_ids_are_not_found(small_book: SmallBook) -> None:
    sb = small_book
    with pytest.raises(NotFound) as err:
        list_transactions(sb.owner, TransactionFilter(account_ids=(sb.carol_account.id,)))
    assert err.value.kind == "account"
    with pytest.raises(NotFound) as err:
        list_transactions(sb.other, TransactionFilter(category_ids=(sb.categories["Fuel"],)))
    assert err.value.kind == "category"


def test_another_books_rows_never_appear(small_book: SmallBook) -> None:
    assert payees(small_book, TransactionFilter(text="tesco")) == []
    carol = list_transactions(small_book.other)
    assert ([r.payee for r in carol.rows], carol.sums) == (["Tesco"], {"GBP": -500})


# --- the list reads the columnar copy (issue 13, item 1) ---------------------------------

SORTS = ("date", "amount", "payee", "account", "category")


def _live_answer(sb: SmallBook, flt: TransactionFilter, sort: str, descending: bool
                 ) -> tuple[list[int], int, dict[str, int]]:
    """What the filter means on the live tables (``matching_ids``): the ids in the list's
    order, the count and the per-currency sums — the answer the list gave before it read
    the copy."""
    from sqlalchemy import ColumnElement, func, select

    from fintrack_core.access import READ, require
    from fintrack_core.db.models import Account, Category, Transaction
    from fintrack_core.ledger.search import SORTABLE, matching_ids

    with sb.db.read() as s:
        require(s, sb.owner, READ)
        ids = matching_ids(s, sb.owner, flt).subquery()
        key = SORTABLE[sort]
        first = key.desc().nulls_last() if descending else key.asc().nulls_first()
        then = Transaction.id.desc() if descending else Transaction.id.asc()
        order: list[ColumnElement[Any]] = [first, then]
        listed = list(s.scalars(
            select(Transaction.id).join(Account, Account.id == Transaction.account_id)
            .outerjoin(Category, Category.id == Transaction.category_id)
            .where(Transaction.id.in_(select(ids.c.id))).order_by(*order)))
        sums = {ccy: int(total) for ccy, total in s.execute(
            select(Transaction.currency, func.sum(Transaction.amount_minor))
            .where(Transaction.id.in_(select(ids.c.id))).group_by(Transaction.currency))}
    return listed, len(listed), sums


def test_the_list_from_the_copy_answers_as_the_live_tables_do(
        small_book: SmallBook, today: dt.date) -> None:
    """For many filters and every sort: the same rows in the same order, the same count and
    the same sums to the cent as the filter's meaning on the live tables."""
    sb = small_book
    tx.add_transaction(sb.owner, tx.TransactionInput(
        sb.checking.id, today + dt.timedelta(days=3), Decimal("-9.99"), payee="Planned",
        notes="gym 50% off", scheduled=True))
    tx.add_transaction(sb.owner, tx.TransactionInput(
        sb.card.id, MARCH, Decimal("-42.10"), payee="shell", description="same amount"))
    cats = sb.categories
    filters = [
        TransactionFilter(), TransactionFilter(include_scheduled=True),
        TransactionFilter(text="shell"), TransactionFilter(text="SALARY"),
        TransactionFilter(text="50%", include_scheduled=True), TransactionFilter(text="nope"),
        TransactionFilter(text="monthly", account_ids=(sb.checking.id,)),
        TransactionFilter(date_from=dt.date(2024, 3, 5), date_to=dt.date(2024, 3, 12)),
        TransactionFilter(account_ids=(sb.card.id, sb.savings.id)),
        TransactionFilter(category_ids=(cats["Groceries"],), uncategorised=True),
        TransactionFilter(uncategorised=True),
        TransactionFilter(tags=("food", "car")),
        TransactionFilter(amount_min=Decimal("42.10")),
        TransactionFilter(amount_min=Decimal("15"), amount_max=Decimal("300"), text="e"),
    ]
    for flt in filters:
        for sort in SORTS:
            for descending in (True, False):
                ids, total, sums = _live_answer(sb, flt, sort, descending)
                page = list_transactions(sb.owner, flt, sort=sort, descending=descending)
                assert [r.id for r in page.rows] == ids, (flt, sort, descending)
                assert (page.total, page.sums) == (total, sums), flt


def test_a_row_is_listed_the_moment_it_is_written(small_book: SmallBook) -> None:
    """The list reads the copy, and the copy is brought up to the book's data version on
    every call: an added, an edited and a deleted row show at once."""
    sb = small_book
    assert "Bakery" not in payees(sb)
    added = tx.add_transaction(sb.owner, tx.TransactionInput(
        sb.checking.id, MARCH, Decimal("-3.20"), payee="Bakery"))
    assert payees(sb, TransactionFilter(text="bakery")) == ["Bakery"]
    tx.update_transaction(sb.owner, added.id, payee="Corner bakery")
    assert payees(sb, TransactionFilter(text="bakery")) == ["Corner bakery"]
    tx.delete_transaction(sb.owner, added.id)
    assert payees(sb, TransactionFilter(text="bakery")) == []
