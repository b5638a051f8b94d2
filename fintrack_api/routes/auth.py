"""Signing in: the OAuth2 password flow, over the dashboard's own sign-in check.

``fintrack_core.auth.signin.sign_in`` is the one place every attempt passes, so the API gets
the same throttling per username and per address (kept in the database, shared with the
dashboard) and the same audit entries.

Two-factor users send the current code from their authenticator app (or a recovery code) as
the extra form field ``totp_code``; without it they get 401 with the problem type
``second-factor-required``, and nothing is counted as a failure. Scripts of such users should
use a personal access token instead, which needs no code.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from pydantic import BaseModel, Field

from fintrack_api.problems import responses
from fintrack_api.security import ACCESS_TTL, DbDep, issue_access_token
from fintrack_core.auth.signin import sign_in

router = APIRouter(tags=["auth"])


class AccessToken(BaseModel):
    access_token: str = Field(examples=["eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9..."])
    token_type: str = Field("bearer", examples=["bearer"])
    expires_in: int = Field(examples=[900], description="Seconds until it expires")


@router.post("/auth/token", response_model=AccessToken, responses=responses(401, 422, 429),
             summary="Sign in (OAuth2 password flow)")
def token(request: Request, db: DbDep,
          username: Annotated[str, Form(max_length=200, examples=["alice"])],
          password: Annotated[str, Form(max_length=1000)],
          grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
          totp_code: Annotated[str | None, Form(max_length=64, description=(
              "The 6-digit code (or a recovery code), for users with two-factor login"))]
          = None) -> AccessToken:
    """A login token valid for 15 minutes. Failed attempts are throttled per username and
    per client address, as on the dashboard (429 with Retry-After)."""
    ip = request.client.host if request.client else None
    signed = sign_in(db, username, password, ip=ip, totp_code=totp_code)
    secret: str = request.app.state.jwt_secret
    return AccessToken(access_token=issue_access_token(secret, signed.user.id,
                                                       signed.session_epoch),
                       token_type="bearer",  # noqa: S106 - the OAuth2 token type
                       expires_in=int(ACCESS_TTL.total_seconds()))
