"""SMTP settings come from FINTRACK_SMTP_* or the [smtp] secrets, never from the code; no
host means mail is off; the password never shows in a repr."""

from __future__ import annotations

from pathlib import Path

import pytest

from fintrack_core.errors import ValidationError
from fintrack_core.notify.smtp import SmtpConfig, smtp_config

NAMES = ("HOST", "PORT", "SECURITY", "USER", "PASSWORD", "FROM")


@pytest.fixture(autouse=True)
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in NAMES:
        monkeypatch.delenv(f"FINTRACK_SMTP_{name}", raising=False)


def secrets(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "secrets.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_host_anywhere_means_mail_is_off(tmp_path: Path) -> None:
    assert smtp_config(secrets_file=tmp_path / "missing.toml") is None
    assert smtp_config(secrets_file=secrets(tmp_path, 'cookie_key = "x"\n')) is None


def test_the_secrets_file_with_the_environment_taking_precedence(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = secrets(tmp_path, '[smtp]\nhost = "mail.example.org"\nuser = "me@example.org"\n'
                             'password = "s3cret-pw"\nsecurity = "ssl"\n')
    config = smtp_config(secrets_file=path)
    assert config == SmtpConfig("mail.example.org", 465, "ssl", "me@example.org",
                                "me@example.org", "s3cret-pw")
    assert "s3cret-pw" not in repr(config)
    assert "s3cret-pw" not in config.describe()
    monkeypatch.setenv("FINTRACK_SMTP_PORT", "2525")
    monkeypatch.setenv("FINTRACK_SMTP_SECURITY", "starttls")
    monkeypatch.setenv("FINTRACK_SMTP_FROM", "FinTrack <noreply@example.org>")
    assert smtp_config(secrets_file=path) == SmtpConfig(
        "mail.example.org", 2525, "starttls", "FinTrack <noreply@example.org>",
        "me@example.org", "s3cret-pw")
    # The app passes st.secrets["smtp"]; it overrides the file, the environment overrides it.
    app = smtp_config({"host": "smtp.app.example", "port": 587}, secrets_file=path)
    assert app is not None
    assert (app.host, app.port) == ("smtp.app.example", 2525)


@pytest.mark.parametrize(("env", "error"), [
    ({"SECURITY": "tls"}, r"^FINTRACK_SMTP_SECURITY: choose one of starttls, ssl, none"),
    ({"PORT": "smtp"}, r"^FINTRACK_SMTP_PORT: 'smtp' is not a port number"),
    ({"PORT": "70000"}, r"^FINTRACK_SMTP_PORT: '70000' is not a port number"),
    ({"FROM": "nobody"}, r"^FINTRACK_SMTP_FROM: set the sender's e-mail address"),
])
def test_bad_settings_name_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        env: dict[str, str], error: str) -> None:
    monkeypatch.setenv("FINTRACK_SMTP_HOST", "mail.example.org")
    for name, value in env.items():
        monkeypatch.setenv(f"FINTRACK_SMTP_{name}", value)
    with pytest.raises(ValidationError, match=error):
        smtp_config(secrets_file=tmp_path / "none.toml")
