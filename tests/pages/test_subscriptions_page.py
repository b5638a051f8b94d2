"""Subscriptions page: the series with their cost and alerts; owners confirm (with
corrections in their locale) or dismiss; viewers only look."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from fintrack_core.budgets.subscriptions import list_subscriptions
from fintrack_core.config import set_user_setting
from fintrack_core.ledger import transactions as tx
from fintrack_ui.markdown import md
from tests.conftest import SmallBook
from tests.pages.conftest import OpenPage

PAGE = "pages/subscriptions.py"
D = dt.date


def button(at: Any, label: str) -> Any:
    return next(b for b in at.button if b.label == label)


def widget(items: Any, label: str) -> Any:
    return next(w for w in items if w.label.startswith(label))


@pytest.fixture
def spotify(small_book: SmallBook) -> SmallBook:
    """Spotify on the Girokonto: 10.99 on 12 Jan, Feb, Mar 2024, then 12.99 on 12 April."""
    for month, amount in ((1, "-10.99"), (2, "-10.99"), (3, "-10.99"), (4, "-12.99")):
        tx.add_transaction(small_book.owner, tx.TransactionInput(
            small_book.checking.id, D(2024, month, 12), amount, "Spotify AB", "", None))
    return small_book


@pytest.fixture
def on_1_may(spotify: SmallBook) -> Iterator[None]:
    """The clock at 1 May 2024: the price change (12 April) is news; 12 May is not late."""
    with time_machine.travel(dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC), tick=True):
        yield


def test_owner_sees_each_series_its_cost_and_the_price_change(on_1_may: None,
                                                              as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    assert at.title[0].value == "Subscriptions"
    [row] = at.dataframe[0].value.to_dict("records")
    assert (row["Name"], row["Account"], row["Cadence"], row["Amount"], row["Per month"]) == (
        "Spotify AB", "Girokonto", "every month", "-€12.99", "-€12.99")
    assert (row["Next expected"], row["Status"], row["Payments"]) == (
        D(2024, 5, 12), "detected", 4)
    assert row["Note"] == "price changed from -€10.99 to -€12.99 on Apr 12, 2024"
    assert [(m.label, m.value) for m in at.metric] == [
        ("Payments per month (EUR)", "-€12.99"), ("Payments per year (EUR)", "-€155.88"),
        ("Recurring income per month (EUR)", "€0.00")]
    [warning] = at.warning
    assert warning.value.replace("\\", "") == ("**Spotify AB**: price changed from -€10.99 to "
                                               "-€12.99 on Apr 12, 2024.")


def test_a_late_payment_is_a_warning_and_a_note(spotify: SmallBook, as_owner: OpenPage) -> None:
    with time_machine.travel(dt.datetime(2024, 5, 19, 12, tzinfo=dt.UTC), tick=True):
        at = as_owner(PAGE)
    assert "expected on May 12, 2024 has not arrived" in at.warning[0].value.replace("\\", "")
    assert str(at.dataframe[0].value.loc[0, "Note"]).startswith("missed; price changed from")


def test_confirm_with_an_amount_typed_in_the_users_locale(on_1_may: None, spotify: SmallBook,
                                                          as_owner: OpenPage) -> None:
    set_user_setting(spotify.db, spotify.owner.user_id, "locale", "de_DE")
    at = as_owner(PAGE)
    assert widget(at.text_input, "Amount").value == "-12,99"
    widget(at.text_input, "Name").input("Music")
    widget(at.text_input, "Amount").input("-13,49")
    button(at, "Confirm as schedule").click().run()
    assert not at.exception
    assert at.success[0].value == md("Music kept as a schedule.")
    [kept] = list_subscriptions(spotify.owner).series
    assert (kept.status, kept.name, kept.amount_minor, kept.cadence) == (
        "confirmed", "Music", -1349, "monthly")
    assert at.dataframe[0].value.loc[0, "Status"] == "confirmed schedule"


def test_bad_input_names_the_field_and_changes_nothing(on_1_may: None, spotify: SmallBook,
                                                       as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    widget(at.text_input, "Amount").input("twelve")
    button(at, "Confirm as schedule").click().run()
    assert at.error[0].value.startswith(md("amount: 'twelve' is not an amount"))
    widget(at.text_input, "Amount").input("-12.99")
    widget(at.date_input, "Next payment").set_value(D(2024, 4, 1))
    button(at, "Confirm as schedule").click().run()
    assert at.error[0].value == md("next_date: must be after the last payment 2024-04-12")
    assert [v.status for v in list_subscriptions(spotify.owner).series] == ["detected"]


def test_dismissed_series_leave_the_list_until_shown(on_1_may: None, spotify: SmallBook,
                                                     as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    button(at, "Dismiss").click().run()
    assert at.success[0].value == md("Spotify AB dismissed; it stays hidden.")
    assert at.info[0].value.endswith("Dismissed series are hidden (switch above).")
    assert not at.warning  # a dismissed series raises no alert
    at.toggle(key="subs_show_dismissed").set_value(True).run()
    assert list(at.dataframe[0].value["Status"]) == ["dismissed"]
    assert button(at, "Dismiss").disabled


def test_viewer_sees_the_series_and_no_form(on_1_may: None, as_viewer: OpenPage) -> None:
    at = as_viewer(PAGE)
    assert at.info[0].value == "You have view-only access to this book."
    assert list(at.dataframe[0].value["Name"]) == ["Spotify AB"]
    assert len(at.warning) == 1
    assert not [b for b in at.button if b.label in ("Confirm as schedule", "Dismiss")]
    assert not at.text_input


def test_a_hostile_payee_is_shown_escaped_in_the_alerts(small_book: SmallBook) -> None:
    from tests.pages.conftest import log_in
    from tests.pages.test_markdown_injection import HOSTILE, RAW, rendered_markdown

    for month in (1, 2, 3):  # due 5 April: late on 1 May
        tx.add_transaction(small_book.owner, tx.TransactionInput(
            small_book.checking.id, D(2024, month, 5), "-9.99", HOSTILE, "", None))
    with time_machine.travel(dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC), tick=True):
        for page in (PAGE, "pages/overview.py"):
            at = log_in("alice", "wonderland-42").switch_page(page).run()
            assert any(md(HOSTILE) in w.value for w in at.warning), page
            for body in rendered_markdown(at):
                assert not any(raw.search(body) for raw in RAW), (page, body)
