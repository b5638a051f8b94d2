"""The overview: net worth in the base currency using stored rates, accounts without a rate
listed as unconverted (never counted 1:1), this month's flow without transfers, and the latest
transactions."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from fintrack_core.ledger import accounts, fx
from fintrack_core.ledger import transactions as tx
from fintrack_core.ledger.overview import month_flow, overview

if TYPE_CHECKING:
    from tests.conftest import SmallBook

END_OF_MARCH = dt.date(2024, 3, 31)


def balances_by_name(ov: object) -> dict[str, tuple[int, int | None]]:
    return {a.account.name: (a.balance_minor, a.base_minor) for a in ov.accounts}  # type: ignore[attr-defined]


def test_total_is_in_the_base_currency_using_the_rate(small_book: SmallBook) -> None:
    ov = overview(small_book.owner, END_OF_MARCH)
    assert (ov.base_currency, ov.as_of) == ("EUR", END_OF_MARCH)
    assert balances_by_name(ov) == {
        "Girokonto": (278563, 278563),
        "Tagesgeld": (530000, 530000),
        "US Visa": (-2710, -2464),  # -27.10 USD at 1 EUR = 1.10 USD, half-even
    }
    assert ov.total_minor == 278563 + 530000 - 2464
    assert ov.unconverted == []


def test_an_account_without_a_rate_is_listed_not_counted(small_book: SmallBook) -> None:
    sb = small_book
    barclays = accounts.create_account(sb.owner, "Barclays", "checking", "GBP", "250",
                                       dt.date(2024, 1, 1))
    accounts.create_account(sb.owner, "Old GBP cash", "cash", "GBP", "0", dt.date(2024, 1, 1))
    ov = overview(sb.owner, END_OF_MARCH)
    assert [(u.account.id, u.balance_minor, u.base_minor) for u in ov.unconverted] == [
        (barclays.id, 25000, None)]
    assert balances_by_name(ov)["Old GBP cash"] == (0, None)
    assert ov.total_minor == 806099
    fx.set_rate(sb.owner, "GBP", "EUR", dt.date(2024, 3, 1), "1.17")
    ov = overview(sb.owner, END_OF_MARCH)
    assert ov.unconverted == []
    assert ov.total_minor == 806099 + 29250


def test_rates_dated_after_the_day_are_not_used(small_book: SmallBook) -> None:
    fx.set_rate(small_book.owner, "EUR", "USD", dt.date(2024, 4, 1), "1.25")
    assert balances_by_name(overview(small_book.owner, END_OF_MARCH))["US Visa"] == (-2710, -2464)
    assert balances_by_name(overview(small_book.owner, dt.date(2024, 4, 30)))["US Visa"] == (
        -2710, -2168)


def test_month_flow_converts_and_excludes_transfers(small_book: SmallBook) -> None:
    """The category decides: the fuel refund lowers expenses rather than counting as income."""
    sb = small_book
    tx.transfer(sb.owner, sb.checking.id, sb.card.id, "100", dt.date(2024, 3, 20),
                received="110.00")
    flow = overview(sb.owner, END_OF_MARCH).month
    assert flow.month == dt.date(2024, 3, 1)
    # in: salary 2500.00 EUR
    assert flow.income_minor == 250000
    # out: rent 850.00 + groceries 64.37 EUR + fuel 42.10 USD (38.27 EUR) less the
    # 15.00 USD (13.64 EUR) fuel refund
    assert flow.expenses_minor == -85000 - 6437 - 3827 + 1364
    assert flow.net_minor == 156100
    assert flow.unconverted == {}


def test_month_flow_lists_unconvertible_currencies(small_book: SmallBook) -> None:
    sb = small_book
    gbp = accounts.create_account(sb.owner, "Barclays", "checking", "GBP", "0",
                                  dt.date(2024, 1, 1))
    tx.add_transaction(sb.owner, tx.TransactionInput(gbp.id, dt.date(2024, 3, 8), "-12.50",
                                                     "Pret A Manger", "Lunch"))
    flow = month_flow(sb.owner, dt.date(2024, 3, 17))
    assert flow.unconverted == {"GBP": -1250}
    assert (flow.income_minor, flow.expenses_minor) == (250000, -93900)


def test_a_quiet_month_is_all_zero(small_book: SmallBook) -> None:
    flow = month_flow(small_book.owner, dt.date(2024, 2, 29))
    assert (flow.month, flow.income_minor, flow.expenses_minor, flow.net_minor,
            flow.unconverted) == (dt.date(2024, 2, 1), 0, 0, 0, {})


def test_recent_shows_the_last_ten_up_to_the_day(small_book: SmallBook) -> None:
    sb = small_book
    for day in range(1, 13):
        tx.add_transaction(sb.owner, tx.TransactionInput(
            sb.checking.id, dt.date(2024, 4, day), f"-{day}.50", "Bäckerei Schmidt",
            "Breakfast", sb.categories["Coffee"]))
    tx.add_transaction(sb.owner, tx.TransactionInput(
        sb.checking.id, dt.date(2024, 5, 1), "-850", "Landlord", "Rent May", sb.categories["Rent"]))
    ov = overview(sb.owner, dt.date(2024, 4, 30))
    assert [r.date for r in ov.recent] == [dt.date(2024, 4, d) for d in range(12, 2, -1)]
    assert ov.recent[0].amount_minor == -1250
    assert ov.month.expenses_minor == -sum(day * 100 + 50 for day in range(1, 13))
    assert overview(sb.owner, dt.date(2024, 4, 30), recent=0).recent == []


def test_recent_before_april_shows_marchs_seven(small_book: SmallBook) -> None:
    ov = overview(small_book.owner, END_OF_MARCH)
    assert [r.payee for r in ov.recent] == ["Girokonto", "Tagesgeld", "Shell", "Shell", "REWE",
                                            "Landlord", "ACME GmbH"]


def test_the_viewer_sees_the_same_overview(small_book: SmallBook) -> None:
    assert overview(small_book.viewer, END_OF_MARCH) == overview(small_book.owner, END_OF_MARCH)


def test_another_book_sees_only_its_own(small_book: SmallBook) -> None:
    ov = overview(small_book.other, END_OF_MARCH)
    assert ov.base_currency == "USD"
    assert [(a.account.name, a.balance_minor, a.base_minor) for a in ov.accounts] == [
        ("Carol checking", 500, None)]
    assert [u.account.name for u in ov.unconverted] == ["Carol checking"]
    assert (ov.total_minor, ov.month.unconverted) == (0, {"GBP": -500})
    assert [r.payee for r in ov.recent] == ["Tesco"]
