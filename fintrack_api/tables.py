"""Report tables (pandas frames of the core's reports) as JSON rows.

Money cells become ``{"amount": "<decimal string>", "currency": ...}`` like every amount of
the API: in the row's own currency where the frame has a ``currency`` column beside it
(``amount``, ``balance``), else in the book's base currency. Dates are ISO 8601, missing
values ``null``; ids stay numbers.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import pandas as pd
from pydantic import BaseModel, Field

from fintrack_core.money import to_decimal
from fintrack_core.reports.report_export import MONEY_COLUMNS

MONEY = MONEY_COLUMNS | {"balance", "balance_base", "budgeted", "spent"}
OWN_CURRENCY = {"amount": "currency", "balance": "currency"}


class Table(BaseModel):
    """A report table: its column names and one object per row."""

    columns: list[str] = Field(examples=[["month", "income", "expenses", "net"]])
    rows: list[dict[str, Any]] = Field(examples=[[{
        "month": "2024-03-01", "income": {"amount": "2500.00", "currency": "EUR"},
        "expenses": {"amount": "-956.47", "currency": "EUR"},
        "net": {"amount": "1543.53", "currency": "EUR"}}]])


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (
        isinstance(value, float) and math.isnan(value))


def _plain(value: object) -> object:
    if _missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool | str | int):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    return str(value)


def _money(value: object, currency: str) -> dict[str, str] | None:
    if _missing(value):
        return None
    # Medians and averages of minor units may have a fraction: round as the reports do.
    minor = int(Decimal(str(value)).to_integral_value(ROUND_HALF_EVEN))
    return {"amount": str(to_decimal(minor, currency)), "currency": currency}


def table(df: pd.DataFrame, base_currency: str, money: Iterable[object] | None = None) -> Table:
    """``df`` as a ``Table``; ``money`` names its minor-unit columns (default: by name)."""
    names = [str(_plain(c)) for c in df.columns]
    money_cols = set(money) if money is not None else {c for c in df.columns if c in MONEY}
    rows: list[dict[str, Any]] = []
    for record in df.itertuples(index=False, name=None):
        cells = dict(zip(df.columns, record, strict=True))
        row: dict[str, Any] = {}
        for column, name in zip(df.columns, names, strict=True):
            value = cells[column]
            if column in money_cols:
                own = OWN_CURRENCY.get(str(column))
                currency = str(cells[own]) if own in cells else base_currency
                row[name] = _money(value, currency)
            else:
                row[name] = _plain(value)
        rows.append(row)
    return Table(columns=names, rows=rows)
