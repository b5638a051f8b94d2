"""Mail over TLS to a real server: STARTTLS with a login (refused without TLS by the server),
implicit TLS (``ssl``), a wrong password recorded without the password in the error, and a
certificate the client does not trust refused."""

from __future__ import annotations

import datetime as dt
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from fintrack_core.db.engine import Database
from fintrack_core.db.models import OutboxMessage
from fintrack_core.notify.outbox import deliver, enqueue
from fintrack_core.notify.smtp import SmtpConfig
from tests.core.notify.conftest import Inbox, free_port

PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (made with openssl, valid one day)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def authenticator(server: Any, session: Any, envelope: Any, mechanism: str,
                  data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        b"alice", PASSWORD.encode())
    return AuthResult(success=ok, handled=False)


def server(cert: tuple[Path, Path], implicit: bool) -> tuple[Controller, Inbox, int]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*cert)
    inbox, port = Inbox(), free_port()
    if implicit:
        # The whole connection is TLS; aiosmtpd's auth_require_tls only knows STARTTLS.
        controller = Controller(inbox, hostname="127.0.0.1", port=port, ssl_context=context,
                                authenticator=authenticator, auth_require_tls=False)
    else:
        controller = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=context,
                                require_starttls=True, authenticator=authenticator,
                                auth_require_tls=True)
    controller.start()
    return controller, inbox, port


@pytest.fixture(params=["starttls", "ssl"])
def tls_server(request: pytest.FixtureRequest, certificate: tuple[Path, Path]
               ) -> Iterator[tuple[Inbox, SmtpConfig]]:
    controller, inbox, port = server(certificate, implicit=request.param == "ssl")
    try:
        yield inbox, SmtpConfig("127.0.0.1", port, request.param, "fintrack@example.org",
                                "alice", PASSWORD, str(certificate[0]))
    finally:
        controller.stop()


def queue_one(db: Database) -> int:
    with db.write() as s:
        row = enqueue(s, "alice@example.org", "Over TLS", "Hello")
        s.flush()
        return row.id


def test_mail_goes_out_encrypted_with_a_login(
        db: Database, tls_server: tuple[Inbox, SmtpConfig]) -> None:
    inbox, config = tls_server
    mid = queue_one(db)
    assert deliver(db, config).sent == [mid]
    assert [m["Subject"] for _, m in inbox.messages] == ["Over TLS"]


def test_a_wrong_password_is_recorded_without_the_password(
        db: Database, tls_server: tuple[Inbox, SmtpConfig]) -> None:
    inbox, config = tls_server
    wrong = SmtpConfig(config.host, config.port, config.security, config.sender, "alice",
                       "wrong-secret-pw", config.cafile)
    mid = queue_one(db)
    assert deliver(db, wrong).failed == [mid]   # 535: permanent, not retried
    with db.read() as s:
        row = s.get(OutboxMessage, mid)
        assert row is not None
        assert row.last_error.startswith("535 ")
        assert "wrong-secret-pw" not in row.last_error
    assert inbox.messages == []


def test_a_server_certificate_that_is_not_trusted_is_refused_and_retried(
        db: Database, tls_server: tuple[Inbox, SmtpConfig]) -> None:
    inbox, config = tls_server
    untrusted = SmtpConfig(config.host, config.port, config.security, config.sender, "alice",
                           PASSWORD)
    mid = queue_one(db)
    start = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert deliver(db, untrusted, now=start).retrying == [mid]
    with db.read() as s:
        row = s.get(OutboxMessage, mid)
        assert row is not None
        assert "CERTIFICATE_VERIFY_FAILED" in row.last_error
    assert inbox.messages == []
