"""What a password must be (OWASP ASVS level 1, V2.1), and how it is hashed and checked.

One function decides, so the first-run page, the Admin page, *Book & profile* and the
``fintrack user`` commands refuse the same passwords with the same words.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import bcrypt

from fintrack_core.errors import ValidationError

MIN_PASSWORD = 10
MAX_PASSWORD_BYTES = 72  # bcrypt's limit; bcrypt 5 raises instead of truncating
# Package data, read through importlib.resources (a checkout, an editable install, a wheel).
COMMON_FILE = resources.files("fintrack_core.auth") / "common_passwords.txt"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of passwords everybody tries first (lower case)."""
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip().lower() for w in lines if w.strip() and not w.startswith("#"))


def check_password_policy(password: str, username: str = "") -> None:
    """Raise ``ValidationError("password", ...)`` unless ``password`` may be used."""
    password = password or ""
    if len(password) < MIN_PASSWORD:
        raise ValidationError("password", f"must be at least {MIN_PASSWORD} characters")
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        raise ValidationError("password", f"must be at most {MAX_PASSWORD_BYTES} bytes long")
    name = (username or "").strip().lower()
    if name and name in password.lower():
        raise ValidationError("password", "must not contain the username")
    if password.lower() in common_passwords():
        raise ValidationError("password", "is one of the most common passwords; choose another")


def hash_password(password: str, username: str = "") -> str:
    """Check the policy, then hash with bcrypt at the library's default cost."""
    check_password_policy(password, username)
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()


def check_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw((password or "").encode(), password_hash.encode())
    except ValueError:  # a password over 72 bytes, or a malformed hash
        return False


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """A hash of nothing anybody knows, checked when a username does not exist so that the
    answer takes as long as for a real user (same bcrypt cost as real hashes)."""
    return bcrypt.hashpw(b"no such user, no such password", bcrypt.gensalt()).decode()
