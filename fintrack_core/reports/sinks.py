"""The file formats of an export: CSV and XLSX sinks and the cell rules they share.

Why apart from ``exports`` (which prepares what to write): a sink only knows cells. Both
formats apply the same rules here — formula-like text gets a ``'`` (``neutralise``), numbers
stay numbers, ``Decimal`` is written exactly, dates as dates — so transactions and report
tables, CSV and XLSX, can never differ in what a spreadsheet would run. XLSX refuses more
rows than a sheet holds rather than cut them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, BinaryIO

import pandas as pd

from fintrack_core.errors import ValidationError

# OWASP CSV-injection list: = + - @ and tab / carriage return at the start of a cell.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_ROWS = 1_048_576  # per sheet, header included
_XLSX_OPTIONS = {"constant_memory": True, "strings_to_formulas": False,
                 "strings_to_urls": False, "strings_to_numbers": False,
                 "nan_inf_to_errors": False, "default_date_format": "yyyy-mm-dd"}


def neutralise(text: str) -> str:
    """``text`` as a spreadsheet shows it literally: a formula-like start gets a ``'`` prefix.

    Why a prefix and not stripping: the exported text must still say what the bank said
    (``-5% voucher`` stays readable as ``'-5% voucher``) while Excel/LibreOffice never evaluate
    it. Only call this on free text; numbers must stay numbers.
    """
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def number_pattern(exp: int) -> str:
    """An XLSX number format showing ``exp`` decimals (JPY 0, EUR 2, BHD 3)."""
    return "#,##0" + ("." + "0" * exp if exp > 0 else "")


# --- cells -----------------------------------------------------------------------------------


def missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def plain_cell(value: Any) -> Any:
    """A cell value as a plain Python object: None, bool, int, Decimal, float, date, datetime
    or str (numpy scalars and pandas timestamps unwrapped)."""
    if missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    elif hasattr(value, "item") and not isinstance(value, str | bytes):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dt.datetime) and value.time() == dt.time(0) and value.tzinfo is None:
        return value.date()
    return value


@dataclass(frozen=True, slots=True)
class Shown:
    """A number with its own display pattern in XLSX (an amount column mixes currencies with
    0, 2 or 3 decimals; one column format would round BHD or pad JPY). CSV writes the value."""

    value: Decimal
    pattern: str


def text_cell(value: Any, neutral: bool) -> Any:
    if isinstance(value, str):
        return neutralise(value) if neutral else value
    return value


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Shown):
        value = value.value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return format(value, "f")  # never scientific notation
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class Sink:
    """Rows in, file bytes out; one class per format so transactions and report frames share
    the exact same cell rules."""

    def sheet(self, name: str, columns: Sequence[str],
              number_formats: dict[str, str] | None = None) -> None:
        raise NotImplementedError

    def rows(self, rows: Iterable[Sequence[Any]]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        """Stop after an error without finishing the file (and without closing ``out``)."""


class CsvSink(Sink):
    def __init__(self, out: BinaryIO, bom: bool = True) -> None:
        self._text = io.TextIOWrapper(out, encoding="utf-8-sig" if bom else "utf-8",
                                      newline="", write_through=False)
        self._writer = csv.writer(self._text, lineterminator="\r\n")
        self._started = False

    def sheet(self, name: str, columns: Sequence[str],
              number_formats: dict[str, str] | None = None) -> None:
        if self._started:
            raise ValueError("a CSV file holds one table")
        self._started = True
        self._writer.writerow(neutralise(str(c)) for c in columns)

    def rows(self, rows: Iterable[Sequence[Any]]) -> None:
        self._writer.writerows([_csv_text(v) for v in row] for row in rows)

    def text_rows(self, rows: Iterable[Sequence[str]]) -> None:
        """Rows whose cells are already the final text (neutralised where needed)."""
        self._writer.writerows(rows)

    def close(self) -> None:
        self._text.flush()
        self._text.detach()  # leave the caller's stream open

    def abort(self) -> None:
        self._text.detach()  # a collected TextIOWrapper would close the caller's stream


class XlsxSink(Sink):
    def __init__(self, out: BinaryIO) -> None:
        import xlsxwriter  # only an XLSX export needs it (cold start of every other command)

        self._book = xlsxwriter.Workbook(out, _XLSX_OPTIONS)
        self._header = self._book.add_format({"bold": True})
        self._date = self._book.add_format({"num_format": "yyyy-mm-dd"})
        self._datetime = self._book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self._formats: dict[str, Any] = {}
        self._sheet: Any = None
        self._row = 0
        self._cols = 0
        self._col_formats: list[Any] = []
        self._names: set[str] = set()

    def _number_format(self, pattern: str) -> Any:
        if pattern not in self._formats:
            self._formats[pattern] = self._book.add_format({"num_format": pattern})
        return self._formats[pattern]

    def sheet(self, name: str, columns: Sequence[str],
              number_formats: dict[str, str] | None = None) -> None:
        self._finish_sheet()
        self._sheet = self._book.add_worksheet(self._sheet_name(name))
        number_formats = number_formats or {}
        self._col_formats = [self._number_format(number_formats[c]) if c in number_formats
                             else None for c in columns]
        for i, col in enumerate(columns):
            self._sheet.write_string(0, i, neutralise(str(col)), self._header)
            self._sheet.set_column(i, i, 12 if col in number_formats or col == "date" else 22)
        self._sheet.freeze_panes(1, 0)
        self._row, self._cols = 1, len(columns)

    def _sheet_name(self, name: str) -> str:
        base = re.sub(r"[\[\]:*?/\\]", "_", name).strip("'")[:31] or "Sheet"
        candidate, n = base, 2
        while candidate.casefold() in self._names:
            suffix = f" ({n})"
            candidate, n = base[:31 - len(suffix)] + suffix, n + 1
        self._names.add(candidate.casefold())
        return candidate

    def rows(self, rows: Iterable[Sequence[Any]]) -> None:
        ws = self._sheet
        for row in rows:
            if self._row >= XLSX_MAX_ROWS:
                raise ValidationError("format", f"more than {XLSX_MAX_ROWS - 1:,} rows do not "
                                                "fit in one XLSX sheet; export as CSV")
            r = self._row
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue  # an empty cell costs nothing; an empty string cell does
                if isinstance(value, str):
                    ws.write_string(r, c, value)  # never a formula, URL or number
                elif isinstance(value, bool):
                    ws.write_boolean(r, c, value)
                elif isinstance(value, int | Decimal | float):
                    ws.write_number(r, c, value, self._col_formats[c])
                elif isinstance(value, Shown):
                    ws.write_number(r, c, value.value, self._number_format(value.pattern))
                elif isinstance(value, dt.datetime):
                    ws.write_datetime(r, c, value.replace(tzinfo=None), self._datetime)
                elif isinstance(value, dt.date):
                    ws.write_datetime(r, c, value, self._date)
                else:
                    ws.write_string(r, c, str(value))
            self._row += 1

    def _finish_sheet(self) -> None:
        if self._sheet is not None and self._cols:
            self._sheet.autofilter(0, 0, max(self._row - 1, 0), self._cols - 1)

    def close(self) -> None:
        if self._sheet is None:  # an empty workbook is not a valid file
            self.sheet("Sheet", [])
        self._finish_sheet()
        self._book.close()


