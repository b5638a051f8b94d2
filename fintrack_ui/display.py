"""Small rendering helpers shared by pages: money text, error reporting, row tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pandas as pd
import streamlit as st

from fintrack_core.errors import FinTrackError
from fintrack_core.money import format_money
from fintrack_core.search import Row

T = TypeVar("T")


def money(minor: int | None, currency: str, locale: str) -> str:
    return "—" if minor is None else format_money(minor, currency, locale)


def attempt(action: Callable[[], T], success: str | Callable[[T], str] | None = None) -> bool:
    """Run a core call; on error show it (it names the field) instead of a traceback.

    On success the message (or ``success(result)``) is kept for the next run, and True is
    returned so the caller can rerun the page.
    """
    try:
        result = action()
    except FinTrackError as exc:
        st.error(str(exc))
        return False
    if success:
        st.session_state["flash"] = success(result) if callable(success) else success
    return True


def show_flash() -> None:
    if msg := st.session_state.pop("flash", None):
        st.success(msg)


def rows_frame(rows: list[Row], locale: str) -> pd.DataFrame:
    """A display table of transaction rows, amounts as locale-formatted text (never floats)."""
    return pd.DataFrame({
        "Date": [r.date for r in rows],
        "Account": [r.account for r in rows],
        "Payee": [r.payee for r in rows],
        "Description": [r.description for r in rows],
        "Category": [r.category or ("Transfer" if r.transfer_id else "") for r in rows],
        "Amount": [format_money(r.amount_minor, r.currency, locale) for r in rows],
        "Tags": [", ".join(t for t in r.tags.split(",") if t) for r in rows],
    })


def read_only_notice(can_write: bool) -> None:
    if not can_write:
        st.info("You have view-only access to this book.")
