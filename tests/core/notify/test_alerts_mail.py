"""Budget and subscription alerts are mailed once each, to users who chose mail, with the
figures of the alert in the user's locale; nothing is queued for anyone else."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine
from sqlalchemy import select

from fintrack_core.budgets.service import BudgetInput, add_budget
from fintrack_core.config import set_user_setting
from fintrack_core.db.models import OutboxMessage
from fintrack_core.ledger import books
from fintrack_core.ledger import transactions as tx
from fintrack_core.notify.outbox import deliver, my_outbox
from fintrack_core.notify.queue import queue_alerts
from fintrack_core.notify.settings import update_settings
from tests.conftest import SmallBook
from tests.core.notify.conftest import MailServer, body, set_email

D = dt.date
MAY_20 = D(2024, 5, 20)


@pytest.fixture
def may_2024(small_book: SmallBook) -> Iterator[SmallBook]:
    """20 May 2024: Alice (alice@example.org, mail on) has a 100 € Groceries budget at 84 %,
    Spotify (monthly on the 12th, Jan-Apr, 10.99 then 12.99 in April) has not been paid in
    May, and Netflix (on the 1st) is paid."""
    sb = small_book
    with time_machine.travel(dt.datetime(2024, 5, 20, 12, tzinfo=dt.UTC), tick=False):
        set_email(sb.db, sb.owner.user_id, "alice@example.org")
        update_settings(sb.owner, channel="email")
        add_budget(sb.owner, BudgetInput(sb.categories["Groceries"], "100", "monthly",
                                         starts_on=D(2024, 5, 1)))
        for month, price in ((1, "-10.99"), (2, "-10.99"), (3, "-10.99"), (4, "-12.99")):
            tx.add_transaction(sb.owner, tx.TransactionInput(
                sb.checking.id, D(2024, month, 12), price, "Spotify AB", "", None))
        for month in (1, 2, 3, 4, 5):
            tx.add_transaction(sb.owner, tx.TransactionInput(
                sb.checking.id, D(2024, month, 1), "-7.99", "Netflix", "", None))
        tx.add_transaction(sb.owner, tx.TransactionInput(
            sb.checking.id, D(2024, 5, 14), "-84.20", "REWE", "", sb.categories["Groceries"]))
        yield sb


def test_new_alerts_are_mailed_once_with_their_figures(
        may_2024: SmallBook, smtp_server: MailServer) -> None:
    sb = may_2024
    report = queue_alerts(sb.db, MAY_20)
    assert [q.split("/", 2)[2].split(":")[0] for q in report.queued] == [
        "budget", "sub-missed", "sub-price"]
    assert queue_alerts(sb.db, MAY_20).queued == []          # once only
    assert len(deliver(sb.db, smtp_server.config).sent) == 3
    mails = {m["Subject"]: (rcpt, body(m, "plain")) for rcpt, m in smtp_server.inbox.messages}
    assert set(mails) == {"[FinTrack] Food → Groceries: 80 % of the budget reached",
                          "[FinTrack] Missed payment: Spotify AB",
                          "[FinTrack] Price change: Spotify AB"}
    rcpt, budget_text = mails["[FinTrack] Food → Groceries: 80 % of the budget reached"]
    assert rcpt == ["alice@example.org"]
    assert "Spent €84.20 of €100.00 from 2024-05-01 to 2024-05-31." in budget_text
    assert "was expected on 2024-05-12" in mails["[FinTrack] Missed payment: Spotify AB"][1]
    assert ("Spotify AB now costs €12.99 instead of €10.99 (since 2024-04-12)."
            in mails["[FinTrack] Price change: Spotify AB"][1])


def test_amounts_follow_the_users_locale(may_2024: SmallBook) -> None:
    sb = may_2024
    set_user_setting(sb.db, sb.owner.user_id, "locale", "de_DE")
    queue_alerts(sb.db, MAY_20)
    assert "[FinTrack] Price change: Spotify AB" in {
        m.subject for m in my_outbox(sb.db, sb.owner.user_id)}
    with sb.db.read() as s:
        price = s.scalar(select(OutboxMessage.text).where(
            OutboxMessage.subject == "[FinTrack] Price change: Spotify AB"))
    assert price is not None
    assert "12,99\xa0€ instead of 10,99\xa0€" in price


def test_nothing_is_queued_for_in_app_users_switched_off_alerts_or_no_address(
        may_2024: SmallBook) -> None:
    sb = may_2024
    update_settings(sb.owner, channel="in-app")
    assert queue_alerts(sb.db, MAY_20).queued == []
    update_settings(sb.owner, channel="email", budget_alerts=False, subscription_alerts=False)
    assert queue_alerts(sb.db, MAY_20).queued == []
    update_settings(sb.owner, budget_alerts=True)
    set_email(sb.db, sb.owner.user_id, "")
    assert queue_alerts(sb.db, MAY_20).as_dict() == {"queued": [], "no_address": ["alice"]}


def test_each_member_who_chose_mail_gets_their_own_copy_until_they_leave_the_book(
        may_2024: SmallBook) -> None:
    sb = may_2024
    set_email(sb.db, sb.viewer.user_id, "bob@example.org")
    update_settings(sb.viewer, channel="email", subscription_alerts=False)
    queued = queue_alerts(sb.db, MAY_20).queued
    assert sorted(q.split(":")[0] for q in queued) == [
        f"alice/{sb.owner.book_id}/budget", f"alice/{sb.owner.book_id}/sub-missed",
        f"alice/{sb.owner.book_id}/sub-price", f"bob/{sb.owner.book_id}/budget"]
    with sb.db.read() as s:
        assert sorted(s.scalars(select(OutboxMessage.recipient))) == [
            "alice@example.org"] * 3 + ["bob@example.org"]
    # A new alert after Bob left the book reaches Alice only.
    books.remove_member(sb.owner, sb.viewer.user_id)
    tx.add_transaction(sb.owner, tx.TransactionInput(
        sb.checking.id, MAY_20, "-20.00", "REWE", "", sb.categories["Groceries"]))
    assert [q.split(":")[0] for q in queue_alerts(sb.db, MAY_20).queued] == [
        f"alice/{sb.owner.book_id}/budget"]
