"""SMTP settings and the one function that hands a message to a server.

Why settings never come from the repository: the password is a secret. They come from the
environment (``FINTRACK_SMTP_*``) or from the ``[smtp]`` section of
``.streamlit/secrets.toml`` (passed in by the app as ``st.secrets``, or read from the file by
the CLI), the same places ``config.cookie_key`` looks. Without a host, mail is off and
notifications stay in the app.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from fintrack_core.errors import ValidationError

ENV_PREFIX = "FINTRACK_SMTP_"
SECURITY = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
SECRETS_FILE = Path(".streamlit") / "secrets.toml"
TIMEOUT_S = 20.0


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    security: str
    sender: str
    user: str = ""
    password: str = field(default="", repr=False)  # never in a repr, a log or an error
    cafile: str = ""  # a private CA's certificate (PEM) for a server the system does not trust

    def describe(self) -> str:
        """Where mail goes, for the Settings page and the CLI (without the password)."""
        who = f"{self.user}@" if self.user else ""
        return f"{who}{self.host}:{self.port} ({self.security}), from {self.sender}"


def _secrets_section(secrets_file: Path | None) -> Mapping[str, object]:
    path = secrets_file or SECRETS_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    section = data.get("smtp", {})
    return section if isinstance(section, dict) else {}


def smtp_config(secrets: Mapping[str, object] | None = None,
                secrets_file: Path | None = None) -> SmtpConfig | None:
    """The SMTP settings, or None when no host is set (mail off).

    Names: host, port, security, user, password, from, cafile. Each value:
    ``FINTRACK_SMTP_<NAME>`` first, then ``secrets`` (the app's ``st.secrets
    ["smtp"]``), then the ``[smtp]`` section of ``secrets_file`` (default
    ``.streamlit/secrets.toml`` in the working directory).
    """
    section = dict(_secrets_section(secrets_file))
    section.update(secrets or {})

    def value(name: str) -> str:
        env = os.environ.get(ENV_PREFIX + name.upper(), "").strip()
        return env or str(section.get(name, "") or "").strip()

    host = value("host")
    if not host:
        return None
    security = (value("security") or "starttls").lower()
    if security not in SECURITY:
        raise ValidationError("FINTRACK_SMTP_SECURITY", f"choose one of {', '.join(SECURITY)}")
    port_text = value("port") or str(DEFAULT_PORTS[security])
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValidationError("FINTRACK_SMTP_PORT", f"{port_text!r} is not a port number")
    sender = value("from") or value("user")
    if "@" not in sender:
        raise ValidationError("FINTRACK_SMTP_FROM", "set the sender's e-mail address")
    return SmtpConfig(host, int(port_text), security, sender, value("user"), value("password"),
                      value("cafile"))


def send_message(config: SmtpConfig, message: EmailMessage) -> None:
    """Deliver one message; raises ``smtplib.SMTPException`` or ``OSError`` on failure (the
    outbox records it and tries again later)."""
    context = ssl.create_default_context(cafile=config.cafile or None)
    smtp: smtplib.SMTP
    if config.security == "ssl":
        smtp = smtplib.SMTP_SSL(config.host, config.port, timeout=TIMEOUT_S, context=context)
    else:
        smtp = smtplib.SMTP(config.host, config.port, timeout=TIMEOUT_S)
    with smtp:
        if config.security == "starttls":
            smtp.starttls(context=context)
        if config.user:
            smtp.login(config.user, config.password)
        refused = smtp.send_message(message)
        if refused:
            raise smtplib.SMTPRecipientsRefused(refused)
