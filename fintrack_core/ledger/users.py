"""Users: creation (each gets a book of their own), passwords as bcrypt hashes, administration."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from fintrack_core.audit import record
from fintrack_core.auth.passwords import (  # noqa: F401 - re-exported for callers
    MIN_PASSWORD,
    check_password,
    hash_password,
)
from fintrack_core.db.engine import Database
from fintrack_core.db.models import User
from fintrack_core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from fintrack_core.ledger.books import new_book
from fintrack_core.money import check_currency
from fintrack_core.text import MAX_NAME, clean_text

USERNAME_RE = re.compile(r"^[a-z0-9_.-]{3,64}$")


MAX_EMAIL = 254  # RFC 5321's limit on a forward path


def normalise_username(username: str) -> str:
    """Usernames are case-insensitive: streamlit-authenticator lower-cases them at login."""
    return (username or "").strip().lower()


@dataclass(frozen=True, slots=True)
class UserView:
    id: int
    username: str
    name: str
    email: str
    is_admin: bool


def _view(u: User) -> UserView:
    return UserView(u.id, u.username, u.name, u.email, u.is_admin)


def count_users(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count(User.id))) or 0)


def count_admins(db: Database) -> int:
    """Administrators; while there are none, anyone reaching the app may create the first one
    (the first-run screen), even when the demo user already exists."""
    with db.read() as s:
        return int(s.scalar(select(func.count(User.id)).where(User.is_admin.is_(True))) or 0)


def create_user(
    db: Database,
    username: str,
    password: str,
    name: str = "",
    email: str = "",
    *,
    is_admin: bool = False,
    base_currency: str = "USD",
    acting_user_id: int | None = None,
    never_admin: bool = False,
) -> UserView:
    """Create a user and their own book (with the default category tree).

    While there is no administrator, no actor is needed and the new user becomes the
    administrator, unless ``never_admin`` (the demo user, whose password is published, must
    never hold that right). Once an administrator exists, only an administrator adds users.
    """
    username = normalise_username(username)
    if not USERNAME_RE.match(username):
        raise ValidationError("username", "3-64 letters, digits, '.', '_' or '-'")
    pw_hash = hash_password(password, username)
    ccy = check_currency(base_currency, "base_currency")
    with db.write() as s:
        admins = int(s.scalar(select(func.count(User.id)).where(User.is_admin.is_(True))) or 0)
        if admins == 0 and acting_user_id is None:
            is_admin = not never_admin
        else:
            actor = s.get(User, acting_user_id) if acting_user_id is not None else None
            if actor is None or not actor.is_admin:
                raise PermissionDenied("only an administrator can add users")
        if s.scalar(select(User.id).where(User.username == username)) is not None:
            raise Conflict(f"username {username!r} is already taken")
        if never_admin:
            is_admin = False
        user = User(username=username, name=clean_text(name or username, "name", MAX_NAME),
                    email=clean_text(email, "email", MAX_EMAIL),
                    password_hash=pw_hash, is_admin=is_admin)
        s.add(user)
        try:
            s.flush()
        except IntegrityError:
            raise Conflict(f"username {username!r} is already taken") from None
        new_book(s, user.id, f"{user.name}'s book", ccy)
        return _view(user)


def authenticate(db: Database, username: str, password: str) -> UserView | None:
    with db.read() as s:
        user = s.scalar(select(User).where(User.username == normalise_username(username)))
        if user is None or not check_password(password, user.password_hash):
            return None
        return _view(user)


def get_user(db: Database, username: str) -> UserView:
    with db.read() as s:
        user = s.scalar(select(User).where(User.username == normalise_username(username)))
        if user is None:
            raise NotFound("user", username)
        return _view(user)


def _require_admin(db_session, acting_user_id: int) -> None:  # type: ignore[no-untyped-def]
    actor = db_session.get(User, acting_user_id)
    if actor is None or not actor.is_admin:
        raise PermissionDenied("only an administrator can do this")


def list_users(db: Database, acting_user_id: int) -> list[UserView]:
    with db.read() as s:
        _require_admin(s, acting_user_id)
        return [_view(u) for u in s.scalars(select(User).order_by(User.username))]


# A password hash no password matches (bcrypt refuses it): users that exist without a
# password of their own yet, e.g. loaded from a book archive, which holds no hashes.
NO_PASSWORD = "!no-password"  # noqa: S105 - a marker, not a credential


def reset_password(db: Database, acting_user_id: int, username: str, new_password: str) -> int:
    """An administrator sets another user's password; returns the user's new session epoch.

    Every session and login cookie of that user ends (the epoch changes). One's own password
    is changed with ``change_password``, which asks for the current one, unless there is
    none: a user restored from a book archive has ``NO_PASSWORD`` and nothing to prove.
    """
    with db.write() as s:
        user = s.scalar(select(User).where(User.username == normalise_username(username)))
        # Checked before "not found" so a non-admin cannot probe which usernames exist.
        _require_admin(s, acting_user_id)
        if user is None:
            raise NotFound("user", username)
        if user.id == acting_user_id and user.password_hash != NO_PASSWORD:
            raise PermissionDenied("change your own password with your current one "
                                   "(Book & profile, or `fintrack user passwd` without --reset)")
        user.password_hash = hash_password(new_password, user.username)
        user.session_epoch = (user.session_epoch or 0) + 1
        record(s, "user.password_reset", actor_id=acting_user_id,
               detail={"user": user.username})
        return user.session_epoch


def change_password(db: Database, user_id: int, current_password: str,
                    new_password: str) -> int:
    """A user changes their own password, proving the current one; returns the new session
    epoch (the caller's session keeps going with it, every other session ends)."""
    with db.write() as s:
        user = s.get(User, user_id)
        if user is None:
            raise NotFound("user", user_id)
        if not check_password(current_password, user.password_hash):
            raise ValidationError("current_password", "is not your current password")
        if current_password == new_password:
            raise ValidationError("password", "must differ from the current one")
        user.password_hash = hash_password(new_password, user.username)
        user.session_epoch = (user.session_epoch or 0) + 1
        record(s, "user.password_change", actor_id=user.id, detail={"user": user.username})
        return user.session_epoch


def session_epoch(db: Database, username: str) -> int | None:
    """The user's current session epoch, or None when the user no longer exists."""
    with db.read() as s:
        return s.scalar(select(User.session_epoch)
                        .where(User.username == normalise_username(username)))


def user_by_id(db: Database, user_id: int) -> UserView:
    with db.read() as s:
        user = s.get(User, NotFound.unless_id("user", user_id))
        if user is None:
            raise NotFound("user", user_id)
        return _view(user)


def signed_in_user(db: Database, user_id: int, epoch: int) -> UserView | None:
    """The user a login token (the API's JWT) names, while the epoch it was made in is
    current: a password change or reset ends API logins as it ends dashboard sessions."""
    with db.read() as s:
        user = s.get(User, NotFound.unless_id("user", user_id))
        if user is None or int(user.session_epoch or 0) != epoch:
            return None
        return _view(user)


def set_admin(db: Database, acting_user_id: int, username: str, is_admin: bool) -> None:
    with db.write() as s:
        _require_admin(s, acting_user_id)
        user = s.scalar(select(User).where(User.username == normalise_username(username)))
        if user is None:
            raise NotFound("user", username)
        if not is_admin and user.id == acting_user_id:
            raise Conflict("you cannot remove your own administrator right")
        user.is_admin = is_admin


def credentials(db: Database) -> dict[str, dict[str, dict[str, str]]]:
    """The dict streamlit-authenticator expects, built from the users table (hashes only)."""
    with db.read() as s:
        users = s.scalars(select(User)).all()
        return {"usernames": {u.username: {"name": u.name, "email": u.email or "",
                                           "password": u.password_hash} for u in users}}


def first_admin(db: Database) -> UserView | None:
    """The administrator with the lowest id (the first one created): whom the command line
    acts as when no ``--as`` is given."""
    with db.read() as s:
        user = s.scalar(select(User).where(User.is_admin.is_(True)).order_by(User.id).limit(1))
        return None if user is None else _view(user)


def usernames(db: Database, limit: int = 100) -> list[str]:
    """Usernames in the order the users were created (at most ``limit``)."""
    with db.read() as s:
        return list(s.scalars(select(User.username).order_by(User.id).limit(limit)))
