"""The weekly report: queued on the user's weekday once per ISO week, delivered as an HTML
e-mail with a plain-text part carrying the same figures, with book text escaped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine

from fintrack_core.budgets.service import BudgetInput, add_budget
from fintrack_core.ledger import accounts
from fintrack_core.ledger import transactions as tx
from fintrack_core.notify.outbox import deliver
from fintrack_core.notify.queue import iso_week, queue_weekly
from fintrack_core.notify.settings import update_settings
from tests.conftest import SmallBook
from tests.core.notify.conftest import MailServer, body, set_email

D = dt.date
MONDAY = D(2024, 4, 8)  # the report covers Monday 1 to Sunday 7 April 2024
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def april_2024(small_book: SmallBook) -> Iterator[SmallBook]:
    """The small book (March: REWE 64.37, Shell 42.10 USD less a 15 USD refund) plus Spotify
    10.99 on the 12th Jan-Mar (uncategorised), a 300 € Food budget, and in the week: REWE
    50.00, a first visit to a payee named like a script tag 12.34, the rent 850.00."""
    sb = small_book
    with time_machine.travel(dt.datetime(2024, 4, 8, 6, tzinfo=dt.UTC), tick=False):
        set_email(sb.db, sb.owner.user_id, "alice@example.org")
        update_settings(sb.owner, weekly=True, weekday=0)
        add_budget(sb.owner, BudgetInput(sb.categories["Food"], "300", "monthly",
                                         starts_on=D(2024, 1, 1)))
        add = tx.add_transaction
        for month in (1, 2, 3):
            add(sb.owner, tx.TransactionInput(sb.checking.id, D(2024, month, 12), "-10.99",
                                              "Spotify AB", "", None))
        add(sb.owner, tx.TransactionInput(sb.checking.id, D(2024, 4, 2), "-50.00", "REWE", "",
                                          sb.categories["Groceries"]))
        add(sb.owner, tx.TransactionInput(sb.checking.id, D(2024, 4, 3), "-12.34", SCRIPT, "",
                                          sb.categories["Restaurants"]))
        add(sb.owner, tx.TransactionInput(sb.checking.id, D(2024, 4, 5), "-850.00", "Landlord",
                                          "Rent", sb.categories["Rent"]))
        yield sb


def test_the_weekly_report_arrives_with_both_parts_and_the_weeks_figures(
        april_2024: SmallBook, smtp_server: MailServer) -> None:
    sb = april_2024
    assert queue_weekly(sb.db, MONDAY).queued == [f"alice/{sb.owner.book_id}/weekly:2024-W15"]
    assert deliver(sb.db, smtp_server.config).sent != []
    [(rcpt, msg)] = smtp_server.inbox.messages
    assert rcpt == ["alice@example.org"]
    assert msg["Subject"] == "[FinTrack] Alice's book: your week 2024-04-01 to 2024-04-07"
    assert msg.get_content_type() == "multipart/alternative"
    text = body(msg, "plain")
    # Average = the four weeks 4-31 March / 4: Food 64.37 -> 16.09; Transportation (42.10 -
    # 15.00 USD at 1.10 per EUR: 38.27 - 13.64 = 24.63) -> 6.16; Spotify 10.99 -> 2.75.
    assert text.splitlines()[2:10] == [
        "Spent €912.34 (average of the 4 weeks before: €25.00)",
        "",
        "Spending by category:",
        "  Housing: €850.00 (average €0.00)",
        "  Food: €62.34 (average €16.09)",
        "  Transportation: €0.00 (average €6.16)",
        "  Uncategorised: €0.00 (average €2.75)",
        "",
    ]
    assert "  Food: €62.34 of €300.00 (20.8 %)" in text
    assert ("Largest expenses:\n  2024-04-05 Landlord: €850.00\n  2024-04-02 REWE: €50.00\n"
            f"  2024-04-03 {SCRIPT}: €12.34\n") in text
    assert f"New payees:\n  2024-04-03 {SCRIPT}: €12.34\n" in text
    assert "Upcoming payments:\n  2024-04-12 Spotify AB: €10.99\n" in text
    html = body(msg, "html")
    assert "<script>" not in html
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in html
    assert "<td>Food</td><td>€62.34</td><td>€16.09</td>" in html
    assert "<td>2024-04-12</td><td>Spotify AB</td><td>€10.99</td>" in html


def test_queued_once_per_iso_week_and_only_on_the_chosen_weekday(
        april_2024: SmallBook) -> None:
    sb = april_2024
    assert queue_weekly(sb.db, MONDAY + dt.timedelta(days=1)).queued == []   # a Tuesday
    assert len(queue_weekly(sb.db, MONDAY).queued) == 1
    assert queue_weekly(sb.db, MONDAY).queued == []                          # again: none
    assert iso_week(MONDAY + dt.timedelta(days=7)) == "2024-W16"
    assert len(queue_weekly(sb.db, MONDAY + dt.timedelta(days=7)).queued) == 1
    update_settings(sb.owner, weekly=False)
    assert queue_weekly(sb.db, MONDAY + dt.timedelta(days=14)).queued == []


def test_the_clock_decides_the_day_and_the_iso_week(small_book: SmallBook,
                                                    today: dt.date) -> None:
    """On month ends, the year end, New Year's Day and a leap day: the report is due on the
    user's weekday by the (frozen) clock, keyed by the ISO week, which may belong to another
    year than the date (31 Dec 2026 and 1 Jan 2027 are both in 2026-W53)."""
    sb = small_book
    set_email(sb.db, sb.owner.user_id, "alice@example.org")
    update_settings(sb.owner, weekly=True, weekday=(today.weekday() + 1) % 7)
    assert queue_weekly(sb.db).queued == []                       # tomorrow's weekday
    update_settings(sb.owner, weekday=today.weekday())
    [queued] = queue_weekly(sb.db).queued
    year, week, _ = today.isocalendar()
    assert queued.endswith(f"weekly:{year}-W{week:02d}")
    expected = {D(2026, 12, 31): "2026-W53", D(2027, 1, 1): "2026-W53",
                D(2028, 2, 29): "2028-W09"}
    if today in expected:
        assert queued.endswith(expected[today])
    # Moving the weekday to tomorrow does not bring a second report in the same ISO week
    # (unless tomorrow starts a new one).
    update_settings(sb.owner, weekday=(today.weekday() + 1) % 7)
    tomorrow = today + dt.timedelta(days=1)
    again = queue_weekly(sb.db, tomorrow).queued
    assert len(again) == (1 if tomorrow.isocalendar()[1] != week else 0)


def test_spending_without_an_exchange_rate_is_named_not_silently_left_out(
        april_2024: SmallBook, smtp_server: MailServer) -> None:
    """A CHF expense in the week, and no CHF rate in the book: the totals cannot hold it, so
    the mail says how much is missing from them, in its own currency."""
    sb = april_2024
    with time_machine.travel(dt.datetime(2024, 4, 8, 6, tzinfo=dt.UTC), tick=False):
        zurich = accounts.create_account(sb.owner, "Zürich", "checking", "CHF", "0",
                                         D(2024, 1, 1))
        tx.add_transaction(sb.owner, tx.TransactionInput(zurich.id, D(2024, 4, 4), "-20.00",
                                                         "Migros", "", sb.categories["Groceries"]))
    queue_weekly(sb.db, MONDAY)
    deliver(sb.db, smtp_server.config)
    [(_, msg)] = smtp_server.inbox.messages
    text = body(msg, "plain")

    assert text.splitlines()[2:4] == [
        "Spent €912.34 (average of the 4 weeks before: €25.00)",
        "Not in these figures (no exchange rate to EUR): CHF20.00",
    ]
    assert "Not in these figures (no exchange rate to EUR): CHF20.00</p>" in body(msg, "html")
