"""Signing in: password (and second factor) check with throttling, for every interface.

Why here and not in the login widget: the dashboard, the CLI and any future API must refuse
the same guesses the same way, and the count of failures must outlive the process (it is
stored in ``sign_in_throttle``). Rules (OWASP ASVS level 1, V2.2):

* a username is locked after ``USER_LOCK_AFTER`` consecutive failures, for ``LOCK_BASE``,
  doubling with every further failure up to ``LOCK_MAX``; a locked username is refused
  without looking at the password; a success clears its count;
* one client address may fail ``IP_LIMIT`` times per ``IP_WINDOW`` (any usernames), then it
  waits for the window to end (the CLI has no address and skips this);
* an unknown username costs the same bcrypt check (against a dummy hash) and the same
  throttle write as a known one, so neither the answer nor its timing tells them apart.

``sign_in`` is the one place every attempt passes: the audit log hooks in here.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import NoReturn

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fintrack_core.audit import record
from fintrack_core.auth.passwords import check_password, dummy_hash
from fintrack_core.auth.twofactor import verify_second_factor
from fintrack_core.db.engine import Database
from fintrack_core.db.models import SignInThrottle, User
from fintrack_core.errors import FinTrackError
from fintrack_core.ledger.users import UserView, normalise_username

USER_LOCK_AFTER = 5
LOCK_BASE = dt.timedelta(minutes=1)
LOCK_MAX = dt.timedelta(hours=1)
IP_LIMIT = 30
IP_WINDOW = dt.timedelta(minutes=15)
KEY_MAX = 200  # column width; longer input is cut (it cannot be a valid username anyway)


class SignInFailed(FinTrackError):
    """Wrong username, password or code: one message for all, so nothing is given away."""

    def __init__(self, message: str = "username or password is incorrect") -> None:
        super().__init__(message)


class TooManyAttempts(FinTrackError):
    """Refused without checking anything: this username or address is locked for a while."""

    def __init__(self, retry_after: dt.timedelta, *, address: bool = False) -> None:
        minutes = max(1, math.ceil(retry_after.total_seconds() / 60))
        unit = "minute" if minutes == 1 else "minutes"
        source = " from your address" if address else ""
        super().__init__(f"too many failed attempts{source}; try again in {minutes} {unit}")
        self.retry_after = retry_after


class SecondFactorRequired(FinTrackError):
    """The password was right and the account has two-factor login: ask for the code."""

    def __init__(self) -> None:
        super().__init__("enter the 6-digit code from your authenticator app "
                         "(or a recovery code)")


@dataclass(frozen=True, slots=True)
class SignedIn:
    """Who signed in, and the session epoch their login (session and cookie) belongs to."""

    user: UserView
    session_epoch: int
    used_recovery_code: bool = False


def utcnow() -> dt.datetime:
    """Naive UTC, the form every timestamp column holds."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def sign_in(db: Database, username: str, password: str, ip: str | None = None,
            now: dt.datetime | None = None, totp_code: str | None = None) -> SignedIn:
    """Check a sign-in attempt; return who signed in or raise a ``FinTrackError``.

    Raises ``TooManyAttempts`` (locked; nothing checked), ``SecondFactorRequired`` (password
    right, code missing; nothing counted) or ``SignInFailed`` (counted as a failure).
    """
    now = now or utcnow()
    key = normalise_username(username)[:KEY_MAX]
    _refuse_if_locked(db, key, ip, now)
    with db.read() as s:
        user = s.scalar(select(User).where(User.username == key))
    password_ok = check_password(password or "", user.password_hash if user else dummy_hash())
    if user is None or not password_ok:
        _record_failure(db, key, ip, now, actor_id=user.id if user else None)
    view = UserView(user.id, user.username, user.name, user.email, user.is_admin)
    needs_code = bool(user.totp_secret)
    epoch = int(user.session_epoch or 0)
    used_recovery = False
    if needs_code:
        if not (totp_code or "").strip():
            raise SecondFactorRequired
        used = verify_second_factor(db, view.id, totp_code or "", now)
        if used is None:
            _record_failure(db, key, ip, now, "the code is not valid", actor_id=view.id)
        used_recovery = used == "recovery"
    with db.write() as s:  # success: this username starts with a clean slate
        s.execute(delete(SignInThrottle).where(SignInThrottle.kind == "user",
                                               SignInThrottle.key == key))
        record(s, "signin.ok", actor_id=view.id, origin=_origin(ip),
               detail={"second_factor": "recovery" if used_recovery
                       else "totp" if needs_code else "none"})
    return SignedIn(view, epoch, used_recovery)


def _refuse_if_locked(db: Database, key: str, ip: str | None, now: dt.datetime) -> None:
    with db.read() as s:
        rows = {r.kind: r for r in s.scalars(select(SignInThrottle).where(
            ((SignInThrottle.kind == "user") & (SignInThrottle.key == key))
            | ((SignInThrottle.kind == "ip") & (SignInThrottle.key == (ip or "")))))}
    user_row = rows.get("user")
    if user_row and user_row.locked_until and user_row.locked_until > now:
        raise TooManyAttempts(user_row.locked_until - now)
    ip_row = rows.get("ip") if ip else None
    if ip_row and ip_row.failures >= IP_LIMIT and ip_row.window_start + IP_WINDOW > now:
        raise TooManyAttempts(ip_row.window_start + IP_WINDOW - now, address=True)


def lock_for(failures: int) -> dt.timedelta | None:
    """How long a username stays locked after ``failures`` consecutive failures."""
    if failures < USER_LOCK_AFTER:
        return None
    return min(LOCK_MAX, LOCK_BASE * int(2 ** (failures - USER_LOCK_AFTER)))


def _origin(ip: str | None) -> str | None:
    """Where an attempt came from for the audit log: the address from the web, else the
    interface's own origin (``cli``)."""
    return f"web {ip}" if ip else None


def _record_failure(db: Database, key: str, ip: str | None, now: dt.datetime,
                    message: str | None = None, *, actor_id: int | None = None) -> NoReturn:
    """Count the failure (username, and address if known) in one transaction with its audit
    entries (the failure, and the lockout it starts), then raise."""
    for attempt in range(3):  # two first failures at once may both try to insert the row
        try:
            with db.write() as s:
                failures = _bump(s, "user", key, now, window=None)
                lock = lock_for(failures)
                if lock is not None:
                    s.execute(update(SignInThrottle)
                              .where(SignInThrottle.kind == "user", SignInThrottle.key == key)
                              .values(locked_until=now + lock))
                if ip:
                    _bump(s, "ip", ip[:KEY_MAX], now, window=IP_WINDOW)
                record(s, "signin.failed", actor_id=actor_id, actor_name=key,
                       origin=_origin(ip), detail={"reason": message or "wrong password",
                                                   "failures": failures})
                if lock is not None:
                    record(s, "signin.locked", actor_id=actor_id, actor_name=key,
                           origin=_origin(ip), detail={"minutes": int(lock.total_seconds() // 60),
                                                       "failures": failures})
            break
        except IntegrityError:
            if attempt == 2:
                raise
    if lock is not None:
        raise SignInFailed(f"{message or 'username or password is incorrect'}; "
                           f"{TooManyAttempts(lock)}")
    raise SignInFailed(message) if message else SignInFailed()


def _bump(s: Session, kind: str, key: str, now: dt.datetime,
          window: dt.timedelta | None) -> int:
    """Add one failure to the row (creating it; restarting an expired window); return count."""
    row = s.scalar(select(SignInThrottle).where(SignInThrottle.kind == kind,
                                                SignInThrottle.key == key))
    if row is None:
        s.add(SignInThrottle(kind=kind, key=key, failures=1, window_start=now,
                             last_failure_at=now))
        s.flush()
        return 1
    if window is not None and row.window_start + window <= now:
        row.failures, row.window_start = 0, now
    row.failures += 1
    row.last_failure_at = now
    return row.failures


def lockout_status(db: Database, username: str,
                   now: dt.datetime | None = None) -> dt.timedelta | None:
    """How long ``username`` is still locked (None: not locked). For the Admin view."""
    now = now or utcnow()
    with db.read() as s:
        until = s.scalar(select(SignInThrottle.locked_until).where(
            SignInThrottle.kind == "user",
            SignInThrottle.key == normalise_username(username)[:KEY_MAX]))
    return until - now if until and until > now else None
