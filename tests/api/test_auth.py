"""Who may call: login tokens (OAuth2 password flow), personal access tokens, and the 401s
for everything else; throttled sign-ins; administrators' endpoints."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import jwt
import pyotp

from fintrack_api.security import ALGORITHM, ISSUER
from fintrack_core.auth import twofactor
from fintrack_core.config import api_secret
from fintrack_core.ledger.users import change_password
from fintrack_core.tokens.personal import create_token, revoke_token
from tests.api.conftest import SECRET, Api, bearer

PROBLEM = "application/problem+json"


def test_the_password_flow_gives_a_short_lived_token_for_the_user(api: Api) -> None:
    answer = api.client.post("/api/v1/auth/token",
                             data={"username": "alice", "password": "wonderland-42",
                                   "grant_type": "password"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    me = api.client.get("/api/v1/me", headers=bearer(body["access_token"]))
    assert me.json()["username"] == "alice"


def test_a_wrong_password_is_a_401_problem_that_gives_nothing_away(api: Api) -> None:
    wrong = api.client.post("/api/v1/auth/token", data={"username": "alice", "password": "x"})
    unknown = api.client.post("/api/v1/auth/token",
                              data={"username": "nobody", "password": "x"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.headers["content-type"] == PROBLEM
    assert wrong.json()["detail"] == unknown.json()["detail"]


def test_failed_sign_ins_are_throttled_per_username_like_the_dashboard(api: Api) -> None:
    for _ in range(5):
        api.client.post("/api/v1/auth/token", data={"username": "bob", "password": "nope"})
    locked = api.client.post("/api/v1/auth/token",
                             data={"username": "bob", "password": "builder-jobs1"})
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) >= 1
    assert "too many failed attempts" in locked.json()["detail"]


def test_no_token_or_a_bad_one_is_401_with_a_bearer_challenge(api: Api) -> None:
    for headers in ({}, bearer("garbage"), bearer("ftp_not-a-real-token"),
                    {"Authorization": "Basic YWxpY2U6eA=="}):
        answer = api.client.get("/api/v1/me", headers=headers)
        assert answer.status_code == 401, headers
        assert answer.headers["WWW-Authenticate"] == "Bearer"
        assert answer.headers["content-type"] == PROBLEM


def test_an_expired_or_foreign_signed_login_token_is_refused(api: Api) -> None:
    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    claims = {"sub": str(api.book.owner.user_id), "epoch": 0, "iss": ISSUER, "typ": "access",
              "iat": past, "exp": past + dt.timedelta(minutes=15)}
    expired = jwt.encode(claims, SECRET, algorithm=ALGORITHM)
    forged = jwt.encode({**claims, "exp": past + dt.timedelta(days=2)},
                        "another-key-that-is-also-long-enough-1234", algorithm=ALGORITHM)
    assert "expired" in api.client.get("/api/v1/me", headers=bearer(expired)).json()["detail"]
    assert api.client.get("/api/v1/me", headers=bearer(forged)).status_code == 401


def test_changing_the_password_ends_login_tokens(api: Api) -> None:
    headers = api.login("alice")
    change_password(api.book.db, api.book.owner.user_id, "wonderland-42", "through-the-glass-7")
    assert api.client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_personal_token_works_until_revoked_or_expired(api: Api) -> None:
    made = create_token(api.book.owner, "sync", "read")
    assert api.client.get("/api/v1/me", headers=bearer(made.secret)).status_code == 200
    revoke_token(api.book.db, api.book.owner.user_id, made.token.id)
    assert api.client.get("/api/v1/me", headers=bearer(made.secret)).status_code == 401

    soon = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(seconds=1)
    short = create_token(api.book.owner, "short", "read", soon,
                         now=soon - dt.timedelta(minutes=5))
    time.sleep(1.1)
    assert api.client.get("/api/v1/me", headers=bearer(short.secret)).status_code == 401


def test_a_personal_token_sees_only_its_own_book(api: Api) -> None:
    headers = api.pat(api.book.owner, "read")
    assert [b["id"] for b in api.client.get("/api/v1/books", headers=headers).json()] == [
        api.book.owner.book_id]
    login = api.login("alice")
    assert len(api.client.get("/api/v1/books", headers=login).json()) == 1  # alice's own book


def test_admin_users_are_for_administrators_signed_in_with_a_password(api: Api) -> None:
    # Alice was the first user, so she is the administrator (users.create_user).
    listed = api.client.get("/api/v1/admin/users", headers=api.login("alice"))
    assert [u["username"] for u in listed.json()] == ["alice", "bob", "carol"]
    assert api.client.get("/api/v1/admin/users", headers=api.login("bob")).status_code == 403
    assert api.client.get("/api/v1/admin/users", headers=api.alice).status_code == 403


def test_the_signing_key_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    key_file = tmp_path / ".api_secret"
    first = api_secret(key_file=key_file)
    assert first == api_secret(key_file=key_file)  # kept across restarts
    assert first != api_secret(key_file=tmp_path / "other")
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_two_factor_users_send_their_code_as_totp_code(api: Api) -> None:
    setup = twofactor.new_totp_setup("alice")
    totp = pyotp.TOTP(setup.secret)
    earlier = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=5)
    twofactor.enable_totp(api.book.db, api.book.owner.user_id, "wonderland-42", setup.secret,
                          totp.at(earlier.replace(tzinfo=dt.UTC)), earlier)
    form = {"username": "alice", "password": "wonderland-42"}
    asked = api.client.post("/api/v1/auth/token", data=form)
    assert asked.status_code == 401
    assert asked.json()["type"].endswith("/second-factor-required")
    assert asked.json()["errors"] == [{"field": "totp_code", "reason": "required for this user"}]
    wrong = api.client.post("/api/v1/auth/token", data={**form, "totp_code": "000000"})
    assert wrong.status_code == 401
    signed = api.client.post("/api/v1/auth/token", data={**form, "totp_code": totp.now()})
    assert signed.status_code == 200
