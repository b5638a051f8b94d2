"""Report tables as files people read: the one way pages and the CLI export a report.

Why one function: report frames keep money as integer minor units of the base currency and
carry internal ids (``category_id``, ``parent_id``) for drill-downs. Written as they are, a
download said ``1067468`` for €10,674.68 next to meaningless ids, in Excel's "General" format.
``report_file`` turns every report frame into what a person (or a spreadsheet) expects:

- money as exact ``Decimal`` with the currency's exponent (EUR ``10674.68``, JPY ``1200``),
  per row where the frame has a ``currency`` column next to ``amount``;
- readable headers (``With sub-categories``, ``Amount (EUR)``), no internal ids or colours;
- in XLSX, every money cell with a number format of its currency's decimals (``#,##0.00``),
  so Excel shows ``10,674.68`` and sums it as a number.

Text cells keep the CSV-injection rules of ``exports`` (this module only shapes the frame).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import pandas as pd

from fintrack_core.errors import ValidationError
from fintrack_core.money import to_decimal
from fintrack_core.reports.exports import (
    check_format,
    frame_to_csv,
    frame_to_xlsx,
)
from fintrack_core.reports.sinks import Shown, missing, number_pattern

# Minor-unit columns of the report frames (summary, trends, categories, net worth, drill-down).
MONEY_COLUMNS = frozenset({
    "own", "total", "amount", "amount_base", "this_month", "average_previous", "change",
    "previous", "current", "average", "median", "assets", "liabilities", "net_worth",
    "income", "expenses", "net", "sum_base", "value", "investments",
})
# Money columns in each row's own currency, and the column naming that currency.
ROW_CURRENCY = {"amount": "currency"}
# Internal columns: ids and display details that mean nothing outside the app.
INTERNAL = frozenset({"id", "color", "depth", "root_id", "search", "flow", "scheduled"})
HEADERS = {
    "path": "Category", "name": "Name", "kind": "Kind", "own": "Directly",
    "total": "With sub-categories", "date": "Date", "month": "Month", "week": "Week",
    "account": "Account", "payee": "Payee", "description": "Description",
    "category": "Category", "amount": "Amount", "currency": "Currency", "tag": "Tag",
    "tags": "Tags", "this_month": "This month", "average_previous": "Average before",
    "change": "Change", "previous": "Previous month", "current": "This month",
    "average": "Average per month", "median": "Median per month", "assets": "Assets",
    "liabilities": "Liabilities", "net_worth": "Net worth", "income": "Income",
    "expenses": "Expenses", "net": "Net", "value": "Value", "investments": "Investments",
}


def _internal(column: object, columns: Sequence[object]) -> bool:
    name = str(column)
    if name in INTERNAL or name.endswith("_id"):
        return True
    return name == "name" and "path" in columns  # the path already ends with the name


def _header(column: object, base: str | None) -> str:
    if isinstance(column, dt.date):
        return column.isoformat()
    name = str(column)
    if name == "amount_base":
        return f"Amount ({base})" if base else "Amount (base currency)"
    return HEADERS.get(name, name.replace("_", " ").capitalize())



def prepare_report_frame(df: pd.DataFrame, currency: str | None,
                         money: Iterable[object] | None = None) -> pd.DataFrame:
    """``df`` as exported: exact decimal money, readable headers, no internal columns.

    ``currency`` is the base currency of the money columns (None: the frame has no money,
    e.g. a pivot of counts). ``money`` names the minor-unit columns; by default every column
    named in ``MONEY_COLUMNS``. ``amount`` next to a ``currency`` column is converted with
    each row's own currency.
    """
    columns = list(df.columns)
    money_cols = [c for c in (columns if money is None else list(money))
                  if money is not None or str(c) in MONEY_COLUMNS]
    if money_cols and currency is None:
        raise ValidationError("currency", "money columns need a currency to be exported")
    out: dict[str, pd.Series] = {}
    for col in columns:
        if _internal(col, columns):
            continue
        values = df[col]
        if col in money_cols:
            row_ccy = ROW_CURRENCY.get(str(col))
            ccys = df[row_ccy] if row_ccy in df.columns else [currency] * len(df)
            values = pd.Series([None if missing(v) else to_decimal(int(v), str(c))
                                for v, c in zip(values, ccys, strict=True)], dtype=object)
        out[_header(col, currency)] = pd.Series(list(values), dtype=object)
    return pd.DataFrame(out, index=pd.RangeIndex(len(df)))


def _money_formatted(df: pd.DataFrame) -> pd.DataFrame:
    """XLSX only: each Decimal (money) cell with a number format of its own decimals."""
    def shown(value: Any) -> Any:
        if isinstance(value, Decimal):
            exp = value.as_tuple().exponent
            return Shown(value, number_pattern(-exp if isinstance(exp, int) and exp < 0 else 0))
        return value
    return df.apply(lambda col: col.map(shown)) if len(df) else df


def report_file(frames: Mapping[str, pd.DataFrame], fmt: str, currency: str | None,
                money: Mapping[str, Iterable[object]] | None = None) -> bytes:
    """Report frames as a CSV (the first frame) or XLSX (a sheet per frame) file.

    ``money`` optionally names each frame's minor-unit columns (see ``prepare_report_frame``).
    """
    if not frames:
        raise ValidationError("report", "there is no table to export")
    tables = {name: prepare_report_frame(df, currency, (money or {}).get(name))
              for name, df in frames.items()}
    if check_format(fmt) == "csv":
        return frame_to_csv(next(iter(tables.values())))
    return frame_to_xlsx({name: _money_formatted(t) for name, t in tables.items()})
