"""Report pages' shared parts: one filter set kept across pages, cached report calls, drill-down.

Results are cached with ``st.cache_data`` keyed on the book, the book's data version and the
arguments, so an edit or an import shows at once (new version, new key) and old entries age
out (bounded size and time).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from fintrack_core.errors import FinTrackError
from fintrack_core.filters import TransactionFilter
from fintrack_core.ledger.accounts import list_accounts
from fintrack_core.ledger.categories import list_categories
from fintrack_core.reports.store import report_store
from fintrack_ui.display import money
from fintrack_ui.markdown import md
from fintrack_ui.session import Context, get_db
from fintrack_ui.tables import show_table, transaction_labels

FILTER_KEY = "report_filter"


def report_filter(ctx: Context) -> TransactionFilter:
    """Sidebar filters shared by every report page; values persist in the session."""
    saved: dict[str, Any] = st.session_state.setdefault(FILTER_KEY, {})
    if saved.get("book") != ctx.book.id:
        saved.clear()
        saved["book"] = ctx.book.id
    accounts = {a.id: a.name for a in list_accounts(ctx.scope)}
    cats = {c.id: c.path for c in list_categories(ctx.scope)}
    side = st.sidebar
    side.markdown("**Report filters**")
    dates = side.date_input("Dates", value=saved.get("dates", ()), key="rf_dates",
                            format="YYYY-MM-DD", help="Leave empty for all dates")
    acc = side.multiselect("Accounts", list(accounts), default=saved.get("accounts", []),
                           format_func=accounts.__getitem__, key="rf_accounts")
    cat = side.multiselect("Categories", list(cats), default=saved.get("categories", []),
                           format_func=cats.__getitem__, key="rf_categories")
    tag = side.text_input("Tag", value=saved.get("tag", ""), key="rf_tag")
    text = side.text_input("Text", value=saved.get("text", ""), key="rf_text")
    lo = side.text_input("Amount at least", value=saved.get("amin", ""), key="rf_amin",
                         help="Size of the amount, in or out, as recorded in its own currency")
    hi = side.text_input("Amount at most", value=saved.get("amax", ""), key="rf_amax")
    saved.update(dates=tuple(dates) if isinstance(dates, list | tuple) else (dates,),
                 accounts=acc, categories=cat, tag=tag, text=text, amin=lo, amax=hi)
    span = [d for d in saved["dates"] if d]
    try:
        return TransactionFilter(
            date_from=span[0] if span else None, date_to=span[-1] if len(span) > 1 else None,
            account_ids=tuple(acc), category_ids=tuple(cat),
            tags=tuple(t.strip() for t in tag.split(",") if t.strip()), text=text or None,
            # Text as typed (a decimal comma allowed): the filter parses it, naming the field.
            amount_min=lo.strip().replace(",", ".") or None,
            amount_max=hi.strip().replace(",", ".") or None)
    except FinTrackError as exc:  # NaN, 1e400, an inverted range: the core names the field
        st.error(md(f"Report filters: {exc}"))
        st.stop()


@st.cache_data(max_entries=256, ttl=3600, show_spinner=False)
def _cached(db_url: str, name: str, user_id: int, book_id: int, version: int,
            args: tuple[Any, ...], kwargs: tuple[Any, ...], _fn: Callable[..., Any]) -> Any:
    from fintrack_core.access import Scope

    return _fn(Scope(get_db(), user_id, book_id), *args, **dict(kwargs))


def cached(ctx: Context, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a report function through the cache (key: database, book, data version,
    arguments). The database is part of the key: book ids and versions of two databases (a
    second install on the same server, a test run) coincide."""
    version = report_store(ctx.scope.db).info(ctx.scope).version
    return _cached(ctx.scope.db.url, f"{fn.__module__}.{fn.__name__}", ctx.user.id,
                   ctx.book.id, version,
                   args, tuple(sorted(kwargs.items())), fn)


def money_table(ctx: Context, frame: pd.DataFrame, columns: list[str],
                currency_column: str | None = None) -> pd.DataFrame:
    """Format minor-unit columns as text for display (exact; no float)."""
    out = frame.copy()
    for col in columns:
        if currency_column:
            out[col] = [money(v, c, ctx.locale)
                        for v, c in zip(frame[col], frame[currency_column], strict=True)]
        else:
            out[col] = [money(v, ctx.book.base_currency, ctx.locale) for v in frame[col]]
    return out


def clicked(event: Any) -> list[Any]:
    """The ``customdata`` of the points a user clicked/selected in a Plotly chart."""
    try:
        points = event.selection.points
    except AttributeError:
        return []
    return [p.get("customdata") for p in points if p.get("customdata") is not None]


def show_drilldown(ctx: Context, title: str, flt: TransactionFilter, **keys: Any) -> None:
    """The transactions behind a clicked bar, slice or link (paged in SQL)."""
    from fintrack_core.reports.drilldown import drilldown

    result = cached(ctx, drilldown, flt, page_size=200, **keys)
    st.markdown(f"**{md(title)}** · {result.total:,} transaction(s) · "
                f"{money(result.sum_base, ctx.book.base_currency, ctx.locale)}")
    rows = result.rows
    if rows.empty:
        st.caption("No transactions.")
        return
    table = money_table(ctx, rows, ["amount"], currency_column="currency")
    table = money_table(ctx, table.assign(amount_base=rows["amount_base"]), ["amount_base"])
    if "tags" in table.columns:
        table["tags"] = [", ".join(t) if isinstance(t, list | tuple) else (t or "")
                         for t in table["tags"]]
    show_table(table, transaction_labels(table, ctx.book.base_currency),
               money=["amount", "amount_base"])


def month_picker(label: str, key: str, default: dt.date | None = None) -> dt.date:
    today = dt.date.today()
    months = [(today.replace(day=1) - pd.DateOffset(months=i)).date() for i in range(36)]
    value = st.selectbox(label, months, index=months.index(default) if default in months else 0,
                         format_func=lambda d: f"{d:%B %Y}", key=key)
    return value
