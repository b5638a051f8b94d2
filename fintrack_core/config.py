"""Runtime configuration that is not the database URL: secrets and per-user preferences.

The cookie and API signing keys must never be a constant in the code: it comes from the environment,
from Streamlit secrets, or is generated once and kept in a file outside git.
"""

from __future__ import annotations

import json
import os
import secrets
import tomllib
from pathlib import Path

from sqlalchemy import select

from fintrack_core.db.engine import Database, data_dir
from fintrack_core.db.models import User
from fintrack_core.errors import NotFound, ValidationError

ENV_COOKIE_KEY = "FINTRACK_COOKIE_KEY"
KEY_FILE_NAME = ".cookie_key"
ENV_API_SECRET = "FINTRACK_API_SECRET"  # noqa: S105 - the variable's name
API_KEY_FILE_NAME = ".api_secret"
LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "ja_JP")


def default_key_file() -> Path:
    """``.cookie_key`` in the data directory (``FINTRACK_DATA_DIR``, or the SQLite file's
    folder): found the same way whatever the working directory the app or CLI starts in."""
    return data_dir() / KEY_FILE_NAME


def cookie_key(secret_value: str | None = None, key_file: Path | None = None) -> str:
    """The key that signs login cookies.

    Order: ``FINTRACK_COOKIE_KEY``; then ``secret_value`` (``cookie_key`` in
    ``.streamlit/secrets.toml``); then ``key_file`` (default: ``default_key_file()``), created
    with a random key on first use and readable only by its owner.
    """
    return _signing_key(ENV_COOKIE_KEY, secret_value, key_file or default_key_file())


def api_secret(secret_value: str | None = None, key_file: Path | None = None) -> str:
    """The key that signs the HTTP API's login tokens (JWT), found like the cookie key.

    Order: ``FINTRACK_API_SECRET``; then ``secret_value`` (``api_secret`` in
    ``secrets.toml``, see ``secret_from_toml``); then ``.api_secret`` in the data directory,
    created on first use. A key of its own, not the cookie key: rotating one must not log
    everybody out of the other.
    """
    return _signing_key(ENV_API_SECRET, secret_value,
                        key_file or data_dir() / API_KEY_FILE_NAME)


def secret_from_toml(name: str, files: tuple[Path, ...] | None = None) -> str | None:
    """A top-level value of Streamlit's ``secrets.toml`` (the project's, then the user's),
    for processes that run without Streamlit (the API)."""
    for path in files or (Path.cwd() / ".streamlit" / "secrets.toml",
                          Path.home() / ".streamlit" / "secrets.toml"):
        try:
            value = tomllib.loads(path.read_text(encoding="utf-8")).get(name)
        except (OSError, tomllib.TOMLDecodeError):
            continue
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


MIN_KEY_CHARS = 32
_PLACEHOLDERS = {"change-me", "changeme", "secret", "password"}


def _strong(value: str, where: str) -> str:
    """A signing key someone set: refused when it is a placeholder or short, because whoever
    knows it can forge a login for any user (a key FinTrack generates is 64 characters)."""
    if value.lower() in _PLACEHOLDERS or len(value) < MIN_KEY_CHARS:
        raise ValidationError(where, f"this signing key is too weak ({len(value)} characters"
                              f"{', a placeholder' if value.lower() in _PLACEHOLDERS else ''}): "
                              f"use {MIN_KEY_CHARS} or more random characters (python3 -c "
                              "\"import secrets; print(secrets.token_hex(32))\"), or leave it "
                              "unset and FinTrack keeps a random key in its data folder")
    return value


def _signing_key(env_name: str, secret_value: str | None, key_file: Path) -> str:
    env = os.environ.get(env_name, "").strip()
    if env:
        return _strong(env, env_name)
    if secret_value and secret_value.strip():
        return _strong(secret_value.strip(), "secrets.toml")
    if key_file.exists():
        existing = key_file.read_text().strip()
        if existing:
            return existing
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def user_settings(db: Database, user_id: int) -> dict[str, str]:
    with db.read() as s:
        raw = s.scalar(select(User.settings).where(User.id == user_id))
        if raw is None:
            raise NotFound("user", user_id)
        try:
            data = json.loads(raw or "{}")
        except json.JSONDecodeError:
            data = {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def set_user_setting(db: Database, user_id: int, key: str, value: str) -> None:
    """Store one preference of the acting user (only their own)."""
    if key == "locale" and value not in LOCALES:
        raise ValidationError("locale", f"choose one of {', '.join(LOCALES)}")
    with db.write() as s:
        user = s.get(User, user_id)
        if user is None:
            raise NotFound("user", user_id)
        data = json.loads(user.settings or "{}")
        data[key] = value
        user.settings = json.dumps(data, sort_keys=True)
