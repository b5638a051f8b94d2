"""Personal access tokens: how a script reaches one book over the HTTP API.

Why they look like this (the issue-12 contract, GitHub's fine-grained tokens as a model):

* a token is scoped to **one book** and to ``read`` or ``read-write``; it never grants more
  than its owner's role there (a viewer cannot hold a read-write token, and the role is
  checked again on every call by ``access.require``);
* the secret is **shown once** (``CreatedToken.secret``) and stored as its SHA-256 only: a
  leaked database does not leak working tokens;
* a token may expire, can be revoked, and records when it was last used (at most once a
  minute, so a busy script does not turn every read into a write).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from fintrack_core.access import READ, WRITE, Scope, require
from fintrack_core.audit import record, record_for
from fintrack_core.db.api_models import ApiToken
from fintrack_core.db.engine import Database
from fintrack_core.errors import FinTrackError, NotFound, ValidationError
from fintrack_core.text import clean_text

PREFIX = "ftp_"  # "FinTrack personal": recognisable by secret scanners and people alike
SHOWN = 12  # characters of the secret kept to tell tokens apart in a list
SCOPES = ("read", "read-write")
MAX_TOKEN_NAME = 100
TOUCH_EVERY = dt.timedelta(minutes=1)


class TokenInvalid(FinTrackError):
    """Unknown, revoked or expired: one message for all, so nothing is given away."""

    def __init__(self) -> None:
        super().__init__("the token is not valid (unknown, revoked or expired)")


@dataclass(frozen=True, slots=True)
class TokenView:
    id: int
    name: str
    book_id: int
    scope: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class CreatedToken:
    """A new token and its secret: the only time the secret exists outside its holder."""

    token: TokenView
    secret: str


@dataclass(frozen=True, slots=True)
class TokenIdentity:
    """Who a valid token acts as, in which book, and whether it may write."""

    token_id: int
    user_id: int
    book_id: int
    writes: bool


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _view(t: ApiToken) -> TokenView:
    return TokenView(t.id, t.name, t.book_id, t.scope, t.prefix, t.created_at, t.expires_at,
                     t.last_used_at, t.revoked_at)


def create_token(scope: Scope, name: str, access: str = "read",
                 expires_at: dt.datetime | None = None,
                 now: dt.datetime | None = None) -> CreatedToken:
    """A new token of the acting user for the scope's book; ``access`` is read|read-write."""
    now = now or _utcnow()
    if access not in SCOPES:
        raise ValidationError("scope", f"choose one of {', '.join(SCOPES)}")
    clean = clean_text(name, "name", MAX_TOKEN_NAME)
    if not clean:
        raise ValidationError("name", "a token needs a name (what uses it)")
    if expires_at is not None and expires_at.replace(tzinfo=None) <= now:
        raise ValidationError("expires_at", f"{expires_at} is not in the future")
    secret = PREFIX + secrets.token_urlsafe(32)
    with scope.db.write() as s:
        # A read-write token needs a role that can write; any member may hold a read token.
        require(s, scope, WRITE if access == "read-write" else READ, rewrites=False)
        row = ApiToken(user_id=scope.user_id, book_id=scope.book_id, name=clean,
                       token_hash=hash_secret(secret), prefix=secret[:SHOWN], scope=access,
                       created_at=now,
                       expires_at=expires_at.replace(tzinfo=None) if expires_at else None)
        s.add(row)
        s.flush()
        record_for(s, scope, "token.create", id=row.id, name=clean, access=access)
        return CreatedToken(_view(row), secret)


def expires_after(last_day: dt.date) -> dt.datetime:
    """The ``expires_at`` of a token that works through ``last_day`` (and not a day more): the
    CLI's ``--expires`` and the Settings page's date mean the same instant."""
    return dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time())


def list_tokens(db: Database, user_id: int, book_id: int | None = None) -> list[TokenView]:
    """The user's own tokens, in every book or in ``book_id`` only, newest first (revoked
    ones included)."""
    query = select(ApiToken).where(ApiToken.user_id == user_id)
    if book_id is not None:
        query = query.where(ApiToken.book_id == book_id)
    with db.read() as s:
        return [_view(t) for t in s.scalars(query.order_by(ApiToken.id.desc()))]


def revoke_token(db: Database, user_id: int, token_id: int,
                 now: dt.datetime | None = None) -> TokenView:
    """Revoke one of the user's own tokens, whatever its book (revoking twice is harmless).

    Not scoped to a book: a token belongs to its user, who may revoke it even after losing
    their place in the book (and another user's token id answers like a missing one)."""
    with db.write() as s:
        row = s.get(ApiToken, NotFound.unless_id("token", token_id))
        if row is None or row.user_id != user_id:
            raise NotFound("token", token_id)
        if row.revoked_at is None:
            row.revoked_at = now or _utcnow()
            record(s, "token.revoke", actor_id=user_id, book_id=row.book_id,
                   detail={"id": row.id, "name": row.name})
        return _view(row)


def verify_token(db: Database, secret: str, now: dt.datetime | None = None) -> TokenIdentity:
    """Who ``secret`` acts as, or ``TokenInvalid``; notes when it was used."""
    now = now or _utcnow()
    if not secret.startswith(PREFIX) or len(secret) > 200:
        raise TokenInvalid
    with db.read() as s:
        row = s.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
        if row is None or row.revoked_at is not None or (
                row.expires_at is not None and row.expires_at <= now):
            raise TokenInvalid
        found = TokenIdentity(row.id, row.user_id, row.book_id, row.scope == "read-write")
        stale = row.last_used_at is None or row.last_used_at + TOUCH_EVERY <= now
    if stale:
        with db.write() as s:
            token = s.get(ApiToken, found.token_id)
            if token is not None:
                token.last_used_at = now
    return found
