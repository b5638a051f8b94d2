"""Small rendering helpers shared by pages: money text, error reporting, row tables."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import pandas as pd
import streamlit as st

from fintrack_core.budgets.alerts import collect_alerts
from fintrack_core.errors import FinTrackError
from fintrack_core.ledger.search import Row
from fintrack_core.money import format_money
from fintrack_ui.markdown import md

T = TypeVar("T")
log = logging.getLogger("fintrack.ui")


def money(minor: int | None, currency: str, locale: str) -> str:
    """The one way a page shows an amount: minor units (a Python or numpy integer, e.g. from
    a report frame) as text in the user's locale, or "—" for no amount (NA included)."""
    return "—" if minor is None or pd.isna(minor) else format_money(int(minor), currency, locale)


def attempt(action: Callable[[], T], success: str | Callable[[T], str] | None = None) -> bool:
    """Run a core call; on error show it (it names the field) instead of a traceback.

    On success the message (or ``success(result)``) is kept for the next run, and True is
    returned so the caller can rerun the page.
    """
    try:
        result = action()
    except FinTrackError as exc:
        st.error(md(exc))  # core messages quote user input (names) verbatim
        return False
    if success:
        st.session_state["flash"] = success(result) if callable(success) else success
    return True


ALERTS_KEY = "flash_alerts"


def show_flash() -> None:
    """The message of the write that led to this run, and the budget alerts it caused."""
    if msg := st.session_state.pop("flash", None):
        st.success(md(msg))  # flashes name accounts, files, rules… typed by users
    for message in st.session_state.pop(ALERTS_KEY, []):
        st.warning(md(message))


@contextmanager
def alerts_flashed() -> Iterator[None]:
    """Around a write: the budget thresholds it crossed (or backed off) are shown after it,
    on the rerun that follows (``show_flash``). A write that fails raises through here and
    leaves nothing to show."""
    with collect_alerts() as events:
        yield
    if events:
        st.session_state[ALERTS_KEY] = [
            *st.session_state.get(ALERTS_KEY, []), *(e.message for e in events)]


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


def guarded(run: Callable[[], object]) -> None:
    """Run a page so that a user never sees a traceback (app.py wraps the page run in this).

    A ``FinTrackError`` says what was wrong in plain words, so it is shown as it is. Anything
    else is a bug: it is logged with its traceback under a short random id, and the user sees
    only that id to quote. Streamlit's control flow passes through untouched: ``st.stop``,
    ``st.rerun`` and ``st.switch_page`` raise ``BaseException`` subclasses (never caught
    here), and a fragment's ``FragmentHandledException`` is re-raised for Streamlit.
    """
    from streamlit.errors import FragmentHandledException

    try:
        run()
    except FragmentHandledException:
        raise
    except FinTrackError as exc:
        st.error(md(exc))
    except Exception:
        incident = secrets.token_hex(4)
        log.exception("unexpected error while running a page [error id %s]", incident)
        st.error(f"Something went wrong on this page (error id **{incident}**). It was "
                 "logged; please quote the id when reporting the problem.")
