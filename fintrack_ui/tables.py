"""Tables that read like a finance app: readable headers, money right-aligned, out-flows red.

Money arrives here already as locale-formatted text (exact; see
``fintrack_ui.reports.money_table``); these helpers only name, align and colour it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from decimal import Decimal
from typing import Any, cast
from urllib.parse import quote

import pandas as pd
import streamlit as st
from babel.dates import format_date
from babel.numbers import format_percent

OUT_FLOW = "color: #c62828"  # charts' EXPENSE colour


def month_label(value: Any, locale: str) -> str:
    """``2024-12-01`` → ``Dec 2024`` (in the user's language)."""
    day = pd.Timestamp(value).date() if not isinstance(value, dt.date) else value
    return format_date(day, "MMM yyyy", locale=locale)


def percent_text(value: Any, locale: str) -> str:
    """A change in per cent (``-46.4``) as the locale writes it (``-46.4 %``); — when none."""
    if value is None or pd.isna(value):
        return "—"
    return format_percent(Decimal(str(value)) / 100, "#,##0.0 %", locale=locale)


def swatch(color: str | None) -> str | None:
    """A small square of ``color`` as an image URL, for an ``ImageColumn``."""
    if not color:
        return None
    svg = (f"<svg xmlns='http://www.w3.org/2000/svg' width='24' height='16'>"
           f"<rect width='24' height='16' rx='3' fill='{color}'/></svg>")
    return "data:image/svg+xml," + quote(svg)


def _is_out_flow(text: Any) -> bool:
    return isinstance(text, str) and text.lstrip().startswith(("-", "\u2212"))


def show_table(frame: pd.DataFrame, labels: dict[str, str], money: list[str] | tuple[str, ...] = (),
               right: list[str] | tuple[str, ...] = (), pin: str | None = None,
               **kwargs: Any) -> None:
    """``frame`` with only the ``labels`` columns, under those headers; ``money`` columns
    (already text) right-aligned with out-flows in red, ``right`` columns right-aligned;
    ``pin`` stays in view when a wide table scrolls sideways."""
    shown = frame[list(labels)].rename(columns=labels)
    money_cols = [labels[c] for c in money if c in labels]
    config: dict[str, Any] = {labels[c]: st.column_config.TextColumn(labels[c], alignment="right")
                              for c in [*money, *right] if c in labels}
    if pin in labels:
        config[labels[pin]] = st.column_config.TextColumn(labels[pin], pinned=True)
    subset = cast("list[Hashable]", money_cols)
    styled = shown.style.map(lambda v: OUT_FLOW if _is_out_flow(v) else "", subset=subset) \
        if money_cols and not shown.empty else shown
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    st.dataframe(styled, column_config=config, **kwargs)


TRANSACTION_LABELS = {"date": "Date", "account": "Account", "payee": "Payee",
                      "description": "Description", "category": "Category", "amount": "Amount",
                      "amount_base": "In {base}", "tags": "Tags"}


def transaction_labels(frame: pd.DataFrame, base_currency: str) -> dict[str, str]:
    """Headers for a table of transaction rows (drill-downs, biggest expenses); no ids."""
    return {c: label.format(base=base_currency) for c, label in TRANSACTION_LABELS.items()
            if c in frame.columns}
