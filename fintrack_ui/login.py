"""The dashboard's login state: signing in through ``fintrack_core.auth.signin``, the login cookie,
and ending sessions whose password changed.

Why not streamlit-authenticator's ``login()``: its check is not throttled, and its cookie was
never set — it writes the cookie through extra-streamlit-components' CookieManager, a
component that only acts once the browser has rendered it, and the login page called
``st.rerun()`` in the same run, so the component never reached the browser. Here a cookie
to write (or delete) is kept in the session until the component reports it done, and is
rendered on every run until then (``render_cookie_ops``), whatever page the run shows.

The cookie is a JWT signed with the cookie key: username, issue and expiry times, and the
user's session epoch, which every password change or reset moves on, ending other logins.
The session keys streamlit-authenticator uses (``authentication_status``, ``username``,
``name``) are kept, so code reading them still works.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import jwt
import streamlit as st
from extra_streamlit_components.CookieManager import _component_func as _cookie_component

from fintrack_core.auth.signin import SignedIn, utcnow
from fintrack_core.ledger.users import get_user, session_epoch
from fintrack_ui import activity

COOKIE_NAME = "fintrack_auth"
COOKIE_DAYS = 7
_OP = "_fintrack_cookie_op"  # pending ("set", token, nonce) or ("delete", "", nonce)


def client_ip() -> str:
    """The address throttling counts; Streamlit gives None for localhost connections."""
    try:
        ip = st.context.ip_address
    except Exception:  # no client context (bare script run)
        return "local"
    return ip if isinstance(ip, str) and ip else "local"  # AppTest gives a mock


def _token(username: str, epoch: int, key: str, now: dt.datetime) -> str:
    claims = {"sub": username, "epoch": epoch, "iat": now.replace(tzinfo=dt.UTC),
              "exp": (now + dt.timedelta(days=COOKIE_DAYS)).replace(tzinfo=dt.UTC)}
    return jwt.encode(claims, key, algorithm="HS256")


def decode_token(token: str, key: str) -> dict[str, Any] | None:
    """The claims of a valid, unexpired cookie of ours; None for anything else."""
    try:
        claims = jwt.decode(token, key, algorithms=["HS256"], options={"require": ["exp"]})
    except jwt.PyJWTError:
        return None
    if not isinstance(claims.get("sub"), str) or not isinstance(claims.get("epoch"), int):
        return None
    return claims


def _start_session(username: str, name: str, epoch: int) -> None:
    st.session_state.update({"authentication_status": True, "username": username,
                             "name": name, "session_epoch": epoch, "logout": False})
    st.session_state.pop("_fintrack_logged_out", None)


def complete_sign_in(result: SignedIn, key: str) -> None:
    """After ``sign_in`` succeeded: start the session and have the browser keep a cookie."""
    _start_session(result.user.username, result.user.name, result.session_epoch)
    renew_cookie(key)


def renew_cookie(key: str) -> None:
    """Queue a fresh cookie for the session's user and epoch (after login or own password
    change, so this session survives the epoch change it made)."""
    token = _token(st.session_state["username"], st.session_state["session_epoch"], key,
                   utcnow())
    st.session_state[_OP] = ("set", token, secrets.token_hex(4))


def restore_from_cookie(db: Any, key: str) -> bool:
    """Log in from the browser's cookie (reload, new tab) when it is valid and current."""
    if st.session_state.get("authentication_status") or st.session_state.get(
            "_fintrack_logged_out"):
        return False
    try:
        token = st.context.cookies.get(COOKIE_NAME)
    except Exception:
        return False
    claims = decode_token(token, key) if isinstance(token, str) and token else None
    if claims is None or session_epoch(db, claims["sub"]) != claims["epoch"]:
        return False
    user = get_user(db, claims["sub"])
    _start_session(user.username, user.name, claims["epoch"])
    activity.signed_in(user.id, client_ip(), "cookie")
    return True


def sign_out() -> None:
    """End this session and delete the browser's cookie.

    ``st.context.cookies`` keeps the old cookie for the rest of this session, hence the flag
    that stops ``restore_from_cookie`` from logging straight back in.
    """
    for name in ("authentication_status", "username", "name", "session_epoch"):
        st.session_state[name] = None
    st.session_state["logout"] = True
    st.session_state["_fintrack_logged_out"] = True
    st.session_state.pop("book_id", None)
    st.session_state[_OP] = ("delete", "", secrets.token_hex(4))


def session_is_current(db: Any) -> bool:
    """False when the user's password was changed or reset elsewhere (or the user is gone)."""
    username = st.session_state.get("username")
    return bool(username) and session_epoch(db, str(username)) == st.session_state.get(
        "session_epoch")


def render_cookie_ops() -> None:
    """Render the pending cookie write until the browser confirms it (component value True)."""
    op = st.session_state.get(_OP)
    if not op:
        return
    kind, token, nonce = op
    st.html('<style>.element-container:has(iframe[height="0"]){display:none}</style>')
    if kind == "set":
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=COOKIE_DAYS)
        done = _cookie_component(method="set", cookie=COOKIE_NAME, value=token,
                                 options={"path": "/", "expires": expires.isoformat(),
                                          "sameSite": "strict"},
                                 key=f"fintrack_cookie_{nonce}", default=False)
    else:
        done = _cookie_component(method="delete", cookie=COOKIE_NAME,
                                 key=f"fintrack_cookie_{nonce}", default=False)
    if done and st.session_state.get(_OP) == op:
        del st.session_state[_OP]
