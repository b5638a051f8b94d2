"""Who is calling: a login JWT (OAuth2 password flow) or a personal access token.

Why both: a person signing in from a tool gets a short-lived token tied to their password
(``session_epoch``: changing the password ends it, as it ends dashboard sessions); a script
gets a personal access token bound to one book and read or read-write, which can be revoked
on its own (``fintrack_core.tokens.personal``). Every route depends on ``current_caller``;
none reads the Authorization header itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

import jwt
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from fintrack_api.problems import ApiError
from fintrack_core.api import Database
from fintrack_core.ledger.users import signed_in_user
from fintrack_core.tokens.personal import PREFIX, TokenInvalid, verify_token

TOKEN_URL = "/api/v1/auth/token"  # noqa: S105 - a path, not a password
ACCESS_TTL = dt.timedelta(minutes=15)
ALGORITHM = "HS256"
ISSUER = "fintrack"

bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False,
                              description="A login token (POST /api/v1/auth/token) or a "
                                          "personal access token (`fintrack token create`).")


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated caller. ``book_id``/``token_id`` are set for a personal access
    token, which reaches only its own book and writes only if ``writes``."""

    user_id: int
    token_id: int | None = None
    book_id: int | None = None
    writes: bool = True

    @property
    def principal(self) -> str:
        """Whose idempotency keys these are: one token's, or the signed-in user's."""
        return f"token:{self.token_id}" if self.token_id else f"user:{self.user_id}"


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def issue_access_token(secret: str, user_id: int, epoch: int,
                       now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.UTC)
    claims = {"sub": str(user_id), "epoch": epoch, "iss": ISSUER, "typ": "access",
              "iat": now, "exp": now + ACCESS_TTL}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def _unauthorized(detail: str) -> ApiError:
    return ApiError(401, "unauthorized", "Not signed in", detail,
                    {"WWW-Authenticate": "Bearer"})


def _login_caller(db: Database, secret: str, token: str) -> Caller:
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], issuer=ISSUER,
                            options={"require": ["exp", "iat", "sub", "iss"]})
        user_id, epoch = int(claims["sub"]), int(claims["epoch"])
    except jwt.ExpiredSignatureError:
        raise _unauthorized("the login token has expired; ask for a new one") from None
    except (jwt.InvalidTokenError, KeyError, TypeError, ValueError):
        raise _unauthorized("the token is not valid") from None
    if claims.get("typ") != "access" or signed_in_user(db, user_id, epoch) is None:
        raise _unauthorized("the login token has ended (password changed or user removed)")
    return Caller(user_id)


def current_caller(request: Request,
                   token: Annotated[str | None, Depends(bearer)]) -> Caller:
    """The caller named by ``Authorization: Bearer ...``, or 401."""
    if not token:
        raise _unauthorized("send Authorization: Bearer <token>")
    db = get_db(request)
    if token.startswith(PREFIX):
        try:
            found = verify_token(db, token)
        except TokenInvalid as exc:
            raise _unauthorized(str(exc)) from None
        caller = Caller(found.user_id, found.token_id, found.book_id, found.writes)
    else:
        caller = _login_caller(db, request.app.state.jwt_secret, token)
    request.state.user_id = caller.user_id  # for the request's log line (fintrack_api.observe)
    return caller


CallerDep = Annotated[Caller, Depends(current_caller)]
DbDep = Annotated[Database, Depends(get_db)]


def principal_of(db: Database, secret: str, authorization: str | None) -> str | None:
    """``Caller.principal`` of a valid ``Authorization`` header, or None (no or bad token:
    the route itself answers 401). For the idempotency layer, which runs before routing."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    try:
        if token.startswith(PREFIX):
            found = verify_token(db, token.strip())
            return Caller(found.user_id, found.token_id, found.book_id, found.writes).principal
        return _login_caller(db, secret, token.strip()).principal
    except (TokenInvalid, ApiError):
        return None
