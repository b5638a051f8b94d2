"""Users: creation (each gets a book of their own), passwords as bcrypt hashes, administration."""

from __future__ import annotations

import re
from dataclasses import dataclass

import bcrypt
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from fintrack_core.audit import record
from fintrack_core.books import new_book
from fintrack_core.db.engine import Database
from fintrack_core.db.models import User
from fintrack_core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from fintrack_core.money import check_currency

USERNAME_RE = re.compile(r"^[a-z0-9_.-]{3,64}$")
MIN_PASSWORD = 8
MAX_PASSWORD_BYTES = 72  # bcrypt's limit; bcrypt 5 raises instead of truncating


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


def hash_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise ValidationError("password", f"must be at least {MIN_PASSWORD} characters")
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        raise ValidationError("password", f"must be at most {MAX_PASSWORD_BYTES} bytes long")
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()


def check_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode(), password_hash.encode())
    except ValueError:
        return False


def count_users(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count(User.id))) or 0)


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
) -> UserView:
    """Create a user and their own book (with the default category tree).

    The very first user needs no actor and becomes administrator; after that only an
    administrator may add users.
    """
    username = normalise_username(username)
    if not USERNAME_RE.match(username):
        raise ValidationError("username", "3-64 letters, digits, '.', '_' or '-'")
    pw_hash = hash_password(password)
    ccy = check_currency(base_currency, "base_currency")
    with db.write() as s:
        existing = int(s.scalar(select(func.count(User.id))) or 0)
        if existing == 0:
            is_admin = True
        else:
            actor = s.get(User, acting_user_id) if acting_user_id is not None else None
            if actor is None or not actor.is_admin:
                raise PermissionDenied("only an administrator can add users")
        if s.scalar(select(User.id).where(User.username == username)) is not None:
            raise Conflict(f"username {username!r} is already taken")
        user = User(username=username, name=(name or username).strip(), email=email.strip(),
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


def reset_password(db: Database, acting_user_id: int, username: str, new_password: str) -> None:
    """An administrator sets a new password; a user may also change their own."""
    pw_hash = hash_password(new_password)
    with db.write() as s:
        user = s.scalar(select(User).where(User.username == normalise_username(username)))
        if user is None or user.id != acting_user_id:
            # Checked before "not found" so a non-admin cannot probe which usernames exist.
            _require_admin(s, acting_user_id)
        if user is None:
            raise NotFound("user", username)
        user.password_hash = pw_hash
        record(s, "user.password_change" if user.id == acting_user_id else "user.password_reset",
               actor_id=acting_user_id, detail={"user": user.username})


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
