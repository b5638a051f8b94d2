"""The outbox: messages are delivered to a real SMTP server with both parts; refusals and a
server that is down are recorded and retried with back-off; nothing is ever sent twice."""

from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import select

from fintrack_core.db.engine import Database
from fintrack_core.db.models import OutboxMessage
from fintrack_core.notify.outbox import INTERRUPTED, MAX_ATTEMPTS, backoff, deliver, enqueue
from fintrack_core.notify.smtp import SmtpConfig
from tests.core.notify.conftest import MailServer, body

NOW = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC).replace(tzinfo=None)  # naive UTC, as stored


def queue(db: Database, n: int = 1, html: str = "<p>Hello <b>Alice</b></p>") -> list[int]:
    with db.write() as s:
        rows = [enqueue(s, "alice@example.org", f"Message {i}", f"Hello Alice {i}", html,
                        now=NOW) for i in range(n)]
        s.flush()
        return [r.id for r in rows]


def row(db: Database, row_id: int) -> OutboxMessage:
    with db.read() as s:
        found = s.get(OutboxMessage, row_id)
        assert found is not None
        return found


def test_a_queued_message_arrives_with_its_text_and_html_parts(
        db: Database, smtp_server: MailServer) -> None:
    [mid] = queue(db)
    report = deliver(db, smtp_server.config, now=NOW)
    assert report.as_dict() == {"sent": [mid], "retrying": [], "failed": []}
    [(rcpt, msg)] = smtp_server.inbox.messages
    assert rcpt == ["alice@example.org"]
    assert (msg["Subject"], msg["From"], msg["To"]) == (
        "Message 0", "fintrack@example.org", "alice@example.org")
    assert msg.get_content_type() == "multipart/alternative"
    assert body(msg, "plain") == "Hello Alice 0\n"
    assert body(msg, "html") == "<p>Hello <b>Alice</b></p>\n"
    assert row(db, mid).sent_at == NOW
    assert deliver(db, smtp_server.config, now=NOW + dt.timedelta(hours=1)).sent == []
    assert len(smtp_server.inbox.messages) == 1


def test_a_permanent_refusal_is_recorded_and_not_retried(
        db: Database, smtp_server: MailServer) -> None:
    [mid] = queue(db)
    smtp_server.inbox.reply = "554 5.7.1 Message rejected as spam"
    assert deliver(db, smtp_server.config, now=NOW).failed == [mid]
    stored = row(db, mid)
    assert (stored.attempts, stored.failed_at, stored.sent_at) == (1, NOW, None)
    assert stored.last_error == "554 5.7.1 Message rejected as spam"
    smtp_server.inbox.reply = "250 OK"
    assert deliver(db, smtp_server.config, now=NOW + dt.timedelta(days=1)).sent == []


def test_a_temporary_refusal_is_retried_after_the_back_off_and_then_arrives(
        db: Database, smtp_server: MailServer) -> None:
    [mid] = queue(db)
    smtp_server.inbox.reply = "451 4.3.0 Try again later"
    assert deliver(db, smtp_server.config, now=NOW).retrying == [mid]
    stored = row(db, mid)
    assert (stored.attempts, stored.last_error) == (1, "451 4.3.0 Try again later")
    assert stored.next_attempt_at == NOW + dt.timedelta(minutes=1)
    smtp_server.inbox.reply = "250 OK"
    # Not due yet 30 seconds later: nothing is tried.
    assert deliver(db, smtp_server.config, now=NOW + dt.timedelta(seconds=30)).as_dict() == {
        "sent": [], "retrying": [], "failed": []}
    later = NOW + dt.timedelta(minutes=1)
    assert deliver(db, smtp_server.config, now=later).sent == [mid]
    assert (smtp_server.inbox.refused, len(smtp_server.inbox.messages)) == (1, 1)
    assert row(db, mid).sent_at == later


def test_a_server_that_is_down_is_retried_with_growing_waits_then_given_up(
        db: Database, no_server: SmtpConfig) -> None:
    [mid] = queue(db)
    now = NOW
    waits = []
    for _ in range(MAX_ATTEMPTS - 1):
        assert deliver(db, no_server, now=now).retrying == [mid]
        stored = row(db, mid)
        assert "ConnectionRefusedError" in stored.last_error
        waits.append(stored.next_attempt_at - now)
        now = stored.next_attempt_at
    assert [w.total_seconds() / 60 for w in waits] == [1, 2, 4, 8, 16, 32, 64]
    assert deliver(db, no_server, now=now).failed == [mid]
    assert row(db, mid).attempts == MAX_ATTEMPTS
    assert backoff(20) == dt.timedelta(hours=6)


def test_two_senders_racing_send_each_message_once(
        any_db: Database, smtp_server: MailServer) -> None:
    db = any_db
    ids = queue(db, 12, html="")
    results: list[list[int]] = []
    start = threading.Barrier(2)

    def sender(name: str) -> None:
        start.wait()
        results.append(deliver(db, smtp_server.config, now=NOW, worker=name).sent)

    threads = [threading.Thread(target=sender, args=(f"w{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results[0] + results[1]) == ids
    assert sorted(m["Subject"] for _, m in smtp_server.inbox.messages) == sorted(
        f"Message {i}" for i in range(12))


def test_a_claim_left_by_a_sender_that_died_is_not_sent_again(
        db: Database, smtp_server: MailServer) -> None:
    [mid] = queue(db)
    with db.write() as s:  # a sender claimed it, then the process was killed mid-send
        stored = s.get(OutboxMessage, mid)
        assert stored is not None
        stored.claimed_by, stored.claimed_until = "dead:1:x", NOW + dt.timedelta(minutes=10)
    assert deliver(db, smtp_server.config, now=NOW + dt.timedelta(minutes=5)).sent == []
    assert deliver(db, smtp_server.config, now=NOW + dt.timedelta(minutes=11)).sent == []
    assert smtp_server.inbox.messages == []
    with db.read() as s:
        [(failed_at, error)] = s.execute(select(OutboxMessage.failed_at,
                                                OutboxMessage.last_error)).all()
    assert (failed_at, error) == (NOW + dt.timedelta(minutes=11), INTERRUPTED)
