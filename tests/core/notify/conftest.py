"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the notification tests, and a book whose
owner has an e-mail address and chose mail."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from fintrack_core.db.engine import Database
from fintrack_core.db.models import User
from fintrack_core.notify.smtp import SmtpConfig


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Inbox:
    """What the server received; ``reply`` is its answer to the next messages' DATA (a 250
    accepts, a 4xx/5xx refuses)."""

    reply: str = "250 OK"
    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    refused: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if not self.reply.startswith("250"):
            self.refused += 1
            return self.reply
        msg = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), msg))
        return self.reply


@dataclass
class MailServer:
    inbox: Inbox
    config: SmtpConfig


@pytest.fixture
def smtp_server() -> Iterator[MailServer]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield MailServer(inbox, SmtpConfig("127.0.0.1", port, "none", "fintrack@example.org"))
    finally:
        controller.stop()


@pytest.fixture
def no_server() -> SmtpConfig:
    """Settings pointing at a port where no one listens."""
    return SmtpConfig("127.0.0.1", free_port(), "none", "fintrack@example.org")


def set_email(db: Database, user_id: int, email: str) -> None:
    with db.write() as s:
        user = s.get(User, user_id)
        assert user is not None
        user.email = email


def body(msg: EmailMessage, subtype: str) -> str:
    """The text of the ``plain`` or ``html`` part, with the wire's CRLF as plain newlines."""
    part = msg.get_body((subtype,))
    assert part is not None, f"no {subtype} part"
    assert isinstance(part, EmailMessage)
    return str(part.get_content()).replace("\r\n", "\n")
