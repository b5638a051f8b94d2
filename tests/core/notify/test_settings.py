"""Notification settings: per user and book, defaults until saved, checked on save; the
default thresholds apply to budgets added without their own."""

from __future__ import annotations

import datetime as dt

import pytest

from fintrack_core.budgets.service import BudgetInput, add_budget
from fintrack_core.errors import ValidationError
from fintrack_core.ledger.users import get_user
from fintrack_core.notify.settings import (
    NotifySettings,
    get_settings,
    set_my_email,
    update_settings,
)
from tests.conftest import SmallBook


def test_defaults_until_saved_then_each_users_own(small_book: SmallBook) -> None:
    sb = small_book
    assert get_settings(sb.owner) == NotifySettings(True, True, "in-app", False, 0, (80, 100))
    saved = update_settings(sb.owner, channel="email", weekly=True, weekday=6,
                            subscription_alerts=False, thresholds="90, 50")
    assert saved == NotifySettings(True, False, "email", True, 6, (50, 90))
    assert get_settings(sb.owner) == saved
    # Bob (a viewer of the same book) keeps his own defaults, and may save his own.
    assert get_settings(sb.viewer) == NotifySettings()
    assert update_settings(sb.viewer, weekly=True).weekly is True
    assert get_settings(sb.owner).weekday == 6


@pytest.mark.parametrize(("change", "error"), [
    ({"channel": "sms"}, r"^channel: choose one of in-app, email"),
    ({"weekday": 7}, r"^weekday: choose 0 \(Monday\) to 6 \(Sunday\)"),
    ({"thresholds": "0"}, r"^thresholds: 0 is not a percentage"),
    ({"colour": "red"}, r"^colour: is not a notification setting"),
])
def test_bad_settings_are_refused_by_field(small_book: SmallBook, change: dict[str, object],
                                           error: str) -> None:
    with pytest.raises(ValidationError, match=error):
        update_settings(small_book.owner, **change)
    assert get_settings(small_book.owner) == NotifySettings()


def test_a_budget_added_without_thresholds_takes_the_users_default(
        small_book: SmallBook) -> None:
    sb = small_book
    plain = add_budget(sb.owner, BudgetInput(sb.categories["Fuel"], "50", "monthly",
                                             starts_on=dt.date(2024, 1, 1)))
    assert plain.thresholds == (80, 100)
    update_settings(sb.owner, thresholds="50,75,100")
    chosen = add_budget(sb.owner, BudgetInput(sb.categories["Groceries"], "300", "monthly",
                                              starts_on=dt.date(2024, 1, 1)))
    explicit = add_budget(sb.owner, BudgetInput(sb.categories["Rent"], "900", "monthly",
                                                starts_on=dt.date(2024, 1, 1),
                                                thresholds=(100,)))
    assert (chosen.thresholds, explicit.thresholds) == ((50, 75, 100), (100,))


def test_each_user_sets_their_own_address(small_book: SmallBook) -> None:
    sb = small_book
    assert set_my_email(sb.db, sb.owner.user_id, "  alice@example.org ") == "alice@example.org"
    assert get_user(sb.db, "alice").email == "alice@example.org"
    for bad in ("alice", "Alice <alice@example.org>", "a@b@c.org", "a@example.org, b@x.org"):
        with pytest.raises(ValidationError, match=r"^email: .* is not an e-mail address"):
            set_my_email(sb.db, sb.owner.user_id, bad)
    assert set_my_email(sb.db, sb.owner.user_id, "") == ""
