"""The e-mail outbox: messages are rows first, mail later.

Why a table: a page or an import must never wait on an SMTP server (or fail because it is
down). Writers only insert rows (``enqueue``, inside their own transaction); ``deliver``
sends what is due, later, from the CLI (cron) or the scheduler.

Never twice: a sender *claims* each row with a conditional UPDATE (``claimed_until`` empty or
expired, not sent) inside a write transaction; of two racing senders only one gets
``rowcount == 1``. A row whose claim expired without ``sent_at`` means a sender stopped in
the middle of talking to the server: the mail may have gone out, so it is marked failed
rather than sent again. Temporary failures (no server, 4xx) are retried with exponential
back-off; a permanent refusal (5xx) or ``MAX_ATTEMPTS`` failures end in ``failed_at``.
"""

from __future__ import annotations

import datetime as dt
import os
import smtplib
import socket
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from fintrack_core.db.engine import Database
from fintrack_core.db.models import OutboxMessage
from fintrack_core.notify.smtp import SmtpConfig, send_message

BACKOFF = dt.timedelta(minutes=1)    # first retry after 1 min, then 2, 4, 8, ...
MAX_BACKOFF = dt.timedelta(hours=6)
MAX_ATTEMPTS = 8
CLAIM = dt.timedelta(minutes=10)      # far longer than one SMTP conversation (smtp.TIMEOUT_S)
BATCH = 100
INTERRUPTED = "the sender stopped while sending; not retried, so it cannot arrive twice"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def worker_id() -> str:
    """Who claims rows: host, process and a random part (two threads differ too)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def enqueue(s: Session, recipient: str, subject: str, text: str, html: str = "",
            user_id: int | None = None, now: dt.datetime | None = None) -> OutboxMessage:
    """Add a message to the outbox in the caller's transaction (sent with it or not at all)."""
    when = now or utcnow()
    row = OutboxMessage(user_id=user_id, recipient=recipient, subject=subject[:300], text=text,
                        html=html, created_at=when, attempts=0, next_attempt_at=when,
                        last_error="")
    s.add(row)
    return row


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[int]]:
        return {"sent": self.sent, "retrying": self.retrying, "failed": self.failed}


def backoff(attempts: int) -> dt.timedelta:
    """Wait after the ``attempts``-th failure: 1, 2, 4, ... minutes, at most ``MAX_BACKOFF``."""
    wait: dt.timedelta = BACKOFF * (2 ** max(0, attempts - 1))
    return min(wait, MAX_BACKOFF)


def build_message(row: OutboxMessage, sender: str) -> EmailMessage:
    """The row as a MIME message: plain text, plus an HTML alternative when there is one."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = row.recipient
    msg["Subject"] = row.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(idstring=f"outbox{row.id}", domain="fintrack.local")
    msg.set_content(row.text)
    if row.html:
        msg.add_alternative(row.html, subtype="html")
    return msg


def _claim(db: Database, worker: str, now: dt.datetime, limit: int) -> list[OutboxMessage]:
    """Rows due now, claimed for ``worker``; expired claims are marked failed (see above)."""
    with db.write() as s:
        s.execute(update(OutboxMessage).where(
            OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None),
            OutboxMessage.claimed_until.is_not(None), OutboxMessage.claimed_until < now,
        ).values(failed_at=now, claimed_by=None, claimed_until=None, last_error=INTERRUPTED))
        due = s.scalars(select(OutboxMessage.id).where(
            OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None),
            OutboxMessage.claimed_until.is_(None), OutboxMessage.next_attempt_at <= now,
        ).order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)).all()
        claimed: list[int] = []
        for row_id in due:
            result = s.execute(update(OutboxMessage).where(
                OutboxMessage.id == row_id, OutboxMessage.sent_at.is_(None),
                OutboxMessage.failed_at.is_(None),
                or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
            ).values(claimed_by=worker, claimed_until=now + CLAIM))
            if result.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append(row_id)
        rows = list(s.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(claimed))
                              .order_by(OutboxMessage.id)))
        for r in rows:
            s.expunge(r)
        return rows


def _error_text(exc: BaseException) -> str:
    """What went wrong, without anything from the settings (the password is never in it)."""
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = exc.smtp_error.decode("utf-8", "replace") if isinstance(
            exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {detail}"[:500]
    return f"{type(exc).__name__}: {exc}"[:500]


def _permanent(exc: BaseException) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def deliver(db: Database, config: SmtpConfig, *, now: dt.datetime | None = None,
            worker: str | None = None, limit: int = BATCH) -> DeliveryReport:
    """Send the messages that are due; each result is recorded as soon as it is known."""
    worker = worker or worker_id()
    report = DeliveryReport()
    for row in _claim(db, worker, now or utcnow(), limit):
        error: BaseException | None = None
        try:
            send_message(config, build_message(row, config.sender))
        except (smtplib.SMTPException, OSError) as exc:
            error = exc
        done = now or utcnow()
        values: dict[str, object] = {"claimed_by": None, "claimed_until": None}
        if error is None:
            values["sent_at"] = done
            report.sent.append(row.id)
        else:
            attempts = row.attempts + 1
            values.update(attempts=attempts, last_error=_error_text(error),
                          next_attempt_at=done + backoff(attempts))
            if _permanent(error) or attempts >= MAX_ATTEMPTS:
                values["failed_at"] = done
                report.failed.append(row.id)
            else:
                report.retrying.append(row.id)
        with db.write() as s:
            s.execute(update(OutboxMessage).where(OutboxMessage.id == row.id,
                                                  OutboxMessage.claimed_by == worker)
                      .values(**values))
    return report


@dataclass(frozen=True, slots=True)
class OutboxView:
    id: int
    recipient: str
    subject: str
    created_at: dt.datetime
    attempts: int
    next_attempt_at: dt.datetime
    sent_at: dt.datetime | None
    failed_at: dt.datetime | None
    last_error: str


def my_outbox(db: Database, user_id: int, limit: int = 20) -> list[OutboxView]:
    """The acting user's own latest messages (the Settings page shows what was sent)."""
    with db.read() as s:
        rows = s.scalars(select(OutboxMessage).where(OutboxMessage.user_id == user_id)
                         .order_by(OutboxMessage.id.desc()).limit(limit))
        return [OutboxView(r.id, r.recipient, r.subject, r.created_at, r.attempts,
                           r.next_attempt_at, r.sent_at, r.failed_at, r.last_error)
                for r in rows]
