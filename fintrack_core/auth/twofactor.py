"""Optional two-factor login: TOTP (RFC 6238, any authenticator app) plus recovery codes.

Turning it on or off needs the current password, and turning it on needs one valid code, so
a secret the user never scanned cannot lock them out. Recovery codes are random 60-bit
strings, shown once and stored as SHA-256 digests: with that much entropy a slow hash adds
nothing, and checking ten bcrypt hashes per sign-in would cost seconds. Each works once. A
TOTP code is accepted once too (the last used time step is stored).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Literal

import pyotp
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from fintrack_core.auth.passwords import check_password
from fintrack_core.db.engine import Database
from fintrack_core.db.models import RecoveryCode, User
from fintrack_core.errors import Conflict, NotFound, ValidationError

ISSUER = "FinTrack"
RECOVERY_CODES = 10
VALID_WINDOW = 1  # one 30 s step either side, for clocks that drift a little


@dataclass(frozen=True, slots=True)
class TotpSetup:
    """A new secret to show once (as text and as an otpauth:// URI for a QR code)."""

    secret: str
    uri: str


def new_totp_setup(username: str) -> TotpSetup:
    secret = pyotp.random_base32()
    return TotpSetup(secret, pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER))


def _digest(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def _normalise(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice("abcdefghijkmnpqrstuvwxyz23456789") for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _aware(now: dt.datetime) -> dt.datetime:
    """pyotp reads a naive datetime as local time; ours are naive UTC."""
    return now.replace(tzinfo=dt.UTC) if now.tzinfo is None else now


def _matching_step(secret: str, code: str, now: dt.datetime) -> int | None:
    code = _normalise(code)
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    step = totp.timecode(_aware(now))
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        if secrets.compare_digest(totp.generate_otp(step + offset), code):
            return step + offset
    return None


def _user_with_password(s: Session, user_id: int, password: str) -> User:
    user = s.get(User, user_id)
    if user is None:
        raise NotFound("user", user_id)
    if not check_password(password, user.password_hash):
        raise ValidationError("current_password", "is not your current password")
    return user


def enable_totp(db: Database, user_id: int, password: str, secret: str, code: str,
                now: dt.datetime) -> list[str]:
    """Turn two-factor login on with ``secret`` once ``code`` proves the app has it; return
    the recovery codes (the only time they are shown)."""
    with db.write() as s:
        user = _user_with_password(s, user_id, password)
        if user.totp_secret:
            raise Conflict("two-factor login is already on; turn it off first")
        step = _matching_step(secret, code, now)
        if step is None:
            raise ValidationError("code", "does not match; check the time on your phone and "
                                  "enter the current 6-digit code")
        user.totp_secret, user.totp_last_step = secret, step
        codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
        s.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
        s.add_all(RecoveryCode(user_id=user_id, code_hash=_digest(c)) for c in codes)
        return codes


def disable_totp(db: Database, user_id: int, password: str) -> None:
    with db.write() as s:
        user = _user_with_password(s, user_id, password)
        user.totp_secret, user.totp_last_step = None, 0
        s.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))


def totp_enabled(db: Database, user_id: int) -> bool:
    with db.read() as s:
        return bool(s.scalar(select(User.totp_secret).where(User.id == user_id)))


def recovery_codes_left(db: Database, user_id: int) -> int:
    with db.read() as s:
        return len(s.scalars(select(RecoveryCode.id).where(
            RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))).all())


def verify_second_factor(db: Database, user_id: int, code: str,
                         now: dt.datetime) -> Literal["totp", "recovery"] | None:
    """Accept a fresh TOTP code or an unused recovery code (using it up); else None."""
    with db.write() as s:
        user = s.get(User, user_id)
        if user is None or not user.totp_secret:
            return None
        step = _matching_step(user.totp_secret, code, now)
        if step is not None:
            if step <= (user.totp_last_step or 0):
                return None  # replayed
            user.totp_last_step = step
            return "totp"
        row = s.scalar(select(RecoveryCode).where(
            RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None),
            RecoveryCode.code_hash == _digest(code)))
        if row is None:
            return None
        row.used_at = now
        return "recovery"
