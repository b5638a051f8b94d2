"""Subscriptions: series of a real book, the user's decisions, totals and upcoming bills."""

from __future__ import annotations

import datetime as dt

import pytest

from fintrack_core.budgets.subscriptions import (
    confirm_series,
    dismiss_series,
    list_subscriptions,
    subscription_alerts,
    upcoming_bills,
)
from fintrack_core.errors import NotFound, PermissionDenied, ValidationError
from fintrack_core.ledger import transactions as tx
from tests.conftest import SmallBook

D = dt.date


@pytest.fixture
def streaming(small_book: SmallBook) -> SmallBook:
    """Spotify monthly on the 12th (Jan-Apr 2024) and a bakery visited at random."""
    sb = small_book
    for month in (1, 2, 3, 4):
        tx.add_transaction(sb.owner, tx.TransactionInput(
            sb.checking.id, D(2024, month, 12), "-10.99", "Spotify AB", "", None))
    for day in (D(2024, 1, 3), D(2024, 1, 4), D(2024, 2, 20)):
        tx.add_transaction(sb.owner, tx.TransactionInput(sb.checking.id, day, "-2.50",
                                                         "Bakery", "", None))
    return sb


def test_a_books_subscriptions_with_their_monthly_and_yearly_cost(streaming: SmallBook) -> None:
    subs = list_subscriptions(streaming.owner)
    [spotify] = subs.series
    assert (spotify.name, spotify.cadence, spotify.status) == ("Spotify AB", "monthly",
                                                               "detected")
    assert (spotify.next_date, spotify.amount_minor) == (D(2024, 5, 12), -1099)
    assert (subs.monthly, subs.yearly) == ({"EUR": -1099}, {"EUR": -13188})
    assert subs.monthly_by_direction() == {"EUR": (-1099, 0)}
    assert list_subscriptions(streaming.viewer) == subs


def test_confirming_corrects_and_dismissing_is_for_good(streaming: SmallBook) -> None:
    sb = streaming
    [spotify] = list_subscriptions(sb.owner).series
    confirm_series(sb.owner, spotify.series.key, name="Music", amount="-11.99",
                   next_date=D(2024, 5, 14))
    [kept] = list_subscriptions(sb.owner).series
    assert (kept.status, kept.name, kept.amount_minor, kept.next_date) == (
        "confirmed", "Music", -1199, D(2024, 5, 14))
    dismiss_series(sb.owner, spotify.series.key)
    assert list_subscriptions(sb.owner).series == []
    tx.add_transaction(sb.owner, tx.TransactionInput(sb.checking.id, D(2024, 5, 12), "-10.99",
                                                     "Spotify AB", "", None))
    assert list_subscriptions(sb.owner).series == []  # found again, still dismissed
    [hidden] = list_subscriptions(sb.owner, include_dismissed=True).series
    assert hidden.status == "dismissed"


def test_bad_corrections_and_other_books_are_refused(streaming: SmallBook) -> None:
    sb = streaming
    [spotify] = list_subscriptions(sb.owner).series
    with pytest.raises(ValidationError, match=r"^next_date: must be after the last payment"):
        confirm_series(sb.owner, spotify.series.key, next_date=D(2024, 4, 1))
    with pytest.raises(ValidationError, match=r"^cadence: choose one of weekly"):
        confirm_series(sb.owner, spotify.series.key, cadence="daily")
    with pytest.raises(PermissionDenied):
        dismiss_series(sb.viewer, spotify.series.key)
    with pytest.raises(NotFound):
        dismiss_series(sb.other, spotify.series.key)
    with pytest.raises(NotFound):
        confirm_series(sb.owner, "1|nothing|monthly|2024-01-01")


def test_upcoming_bills_are_the_payments_due_in_the_next_days(streaming: SmallBook) -> None:
    sb = streaming
    assert [b.name for b in upcoming_bills(sb.owner, 7, as_of=D(2024, 5, 6))] == ["Spotify AB"]
    assert upcoming_bills(sb.owner, 7, as_of=D(2024, 5, 1)) == []
    with pytest.raises(ValidationError, match=r"^days: choose 1 to 366 days"):
        upcoming_bills(sb.owner, 0)


def test_alerts_are_a_late_payment_and_a_price_change_of_the_last_period(
        small_book: SmallBook) -> None:
    # Spotify 10.99 on the 12th of Jan-Mar, 12.99 from 12 April on; next expected 12 May.
    sb = small_book
    for month, amount in ((1, "-10.99"), (2, "-10.99"), (3, "-10.99"), (4, "-12.99")):
        tx.add_transaction(sb.owner, tx.TransactionInput(
            sb.checking.id, D(2024, month, 12), amount, "Spotify AB", "", None))
    [spotify] = list_subscriptions(sb.owner).series
    assert spotify.price_change == (-1099, -1299, D(2024, 4, 12))

    def kinds(today: dt.date) -> list[str]:
        return [a.kind for a in subscription_alerts(sb.viewer, today)]

    assert kinds(D(2024, 5, 1)) == ["price_change"]   # changed 12 Apr, within a month
    assert kinds(D(2024, 5, 18)) == ["price_change"]  # 12 May + 6 days' grace: not yet late
    assert kinds(D(2024, 5, 19)) == ["missed"]        # and the change is news no more
    assert kinds(D(2024, 7, 12)) == ["missed"]        # two months late: still news
    assert kinds(D(2024, 7, 13)) == []                # later: the series has ended
    dismiss_series(sb.owner, spotify.series.key)
    assert kinds(D(2024, 5, 19)) == []                # a dismissed series raises nothing
