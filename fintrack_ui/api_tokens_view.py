"""The "API tokens" section of Book & profile: the user's personal access tokens for the
current book — list, create (the secret shown once), revoke after a confirmation.

The same core calls as ``fintrack token create|list|revoke``; the core decides who may hold
which token (a viewer gets read tokens only), this module only offers what it allows.

Why the secret travels through ``st.session_state``: the form's submit reruns the page, and
the secret must survive exactly that one rerun. It is popped when shown, so the next
interaction (any widget) makes it disappear for good; only its hash is stored.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from fintrack_core.tokens.personal import (
    CreatedToken,
    TokenView,
    create_token,
    expires_after,
    list_tokens,
    revoke_token,
)
from fintrack_ui.display import attempt
from fintrack_ui.markdown import md
from fintrack_ui.session import Context

JUST_CREATED = "api_tokens_view.just_created"  # (book id, token name, secret)
CONFIRM_KEY = "api_tokens_view.confirm_revoke"  # token id awaiting "Yes, revoke"
ACCESS_LABELS = {"read": "Read only", "read-write": "Read and write"}


def _when(moment: dt.datetime | None, empty: str) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else empty


def _state(token: TokenView, now: dt.datetime) -> str:
    if token.revoked_at:
        return "revoked"
    if token.expires_at and token.expires_at <= now:
        return "expired"
    return "active"


def tokens_frame(tokens: list[TokenView], now: dt.datetime) -> pd.DataFrame:
    """The table of tokens: what tells them apart and what they may do, never a secret."""
    return pd.DataFrame({
        "Name": [t.name for t in tokens],
        "Scope": [t.scope for t in tokens],
        "Starts with": [t.prefix + "…" for t in tokens],
        "Created": [_when(t.created_at, "") for t in tokens],
        "Expires": [_when(t.expires_at, "never") for t in tokens],
        "Last used": [_when(t.last_used_at, "never") for t in tokens],
        "State": [_state(t, now) for t in tokens],
    })


def _show_new_secret(ctx: Context) -> None:
    fresh = st.session_state.pop(JUST_CREATED, None)
    if not fresh or fresh[0] != ctx.book.id:
        return
    st.success(f"Token **{md(fresh[1])}** created. Copy it now: it is not shown again.")
    st.code(fresh[2], language=None)  # the block's copy button copies it
    st.caption("The copy button is at the right of the box (shown on hover). Scripts send "
               "the token as `Authorization: Bearer <token>` (see the README's HTTP API "
               "section).")


def _create_form(ctx: Context) -> None:
    accesses = list(ACCESS_LABELS) if ctx.can_write else ["read"]
    with st.form("new_api_token", clear_on_submit=True):
        st.markdown("**New token**")
        name = st.text_input("Token name", placeholder="bank sync",
                             help="What uses it, so you can tell your tokens apart.")
        access = st.radio("Access", accesses, format_func=ACCESS_LABELS.__getitem__,
                          horizontal=True)
        last_day = st.date_input("Works until (optional)", value=None, format="YYYY-MM-DD",
                                 min_value=dt.date.today(),
                                 help="Empty: until you revoke it.")
        if not ctx.can_write:
            st.caption("As a viewer of this book you can create read-only tokens.")
        if not st.form_submit_button("Create token", type="primary"):
            return
    expires = expires_after(last_day) if isinstance(last_day, dt.date) else None
    created: list[CreatedToken] = []
    if attempt(lambda: created.append(create_token(ctx.scope, name, access, expires))):
        token = created[0]
        st.session_state[JUST_CREATED] = (ctx.book.id, token.token.name, token.secret)
        st.rerun()


def _revoke(ctx: Context, active: list[TokenView]) -> None:
    by_id = {t.id: t for t in active}
    st.markdown("**Revoke a token**")
    chosen = st.selectbox("Token to revoke", list(by_id), key="revoke_api_token",
                          format_func=lambda i: f"{by_id[i].name} ({by_id[i].prefix}…)")
    pending = st.session_state.get(CONFIRM_KEY)
    if pending not in by_id:
        if st.button("Revoke…", key="ask_revoke_api_token") and chosen is not None:
            st.session_state[CONFIRM_KEY] = chosen
            st.rerun()
        return
    st.warning(f"Revoke **{md(by_id[pending].name)}**? Scripts using it get 401 from now on; "
               f"this cannot be undone.")
    yes, no = st.columns(2)
    if yes.button("Yes, revoke", type="primary", key="confirm_revoke_api_token"):
        st.session_state.pop(CONFIRM_KEY, None)
        if attempt(lambda: revoke_token(ctx.scope.db, ctx.user.id, pending),
                   f"Token {by_id[pending].name} is revoked."):
            st.rerun()
    if no.button("Cancel", key="cancel_revoke_api_token"):
        st.session_state.pop(CONFIRM_KEY, None)
        st.rerun()


def api_tokens_section(ctx: Context) -> None:
    """Render the section for the current user in the current book."""
    st.caption(f"Personal access tokens let scripts use FinTrack's HTTP API "
               f"(`fintrack serve api`) in the book **{md(ctx.book.name)}**, never with more "
               f"rights than your role here. Only a hash of each is stored.")
    _show_new_secret(ctx)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    tokens = list_tokens(ctx.scope.db, ctx.user.id, ctx.book.id)
    if tokens:
        st.dataframe(tokens_frame(tokens, now), hide_index=True, width="stretch")
    else:
        st.info("No API tokens for this book yet.")
    _create_form(ctx)
    active = [t for t in tokens if _state(t, now) == "active"]
    if active:
        _revoke(ctx, active)
