"""Exports: transactions and report tables as CSV or XLSX files a spreadsheet opens safely.

This module prepares what to write (frames, the transactions query, streaming batches); the
formats themselves and their cell rules are the sinks in ``sinks``.

Three rules shape everything here:

- **No cell runs as a formula.** A payee like ``=HYPERLINK("http://evil", "Refund")`` comes
  from a bank statement, i.e. from a stranger. Text cells that begin with ``=``, ``+``,
  ``-``, ``@``, tab or carriage return get a leading ``'`` (OWASP "CSV injection"), in CSV
  and XLSX alike, so both files hold the same text and a sheet later re-saved as CSV is still
  safe. In XLSX every text cell is also written with ``write_string`` and the writer's
  formula/URL/number guessing is off. Only *text* is neutralised: amounts are numbers
  (``Decimal``/``int``), never strings, so ``-12.50`` is never quoted.
- **Money is exact.** Minor units become ``Decimal`` through ``money.to_decimal``; CSV gets the
  exact decimal text (``-12.50``, JPY ``1200``). XLSX cells can only hold IEEE doubles, so
  Excel stores the number as a double; we still hand the writer the ``Decimal`` (its XML
  then carries the exact text) and never compute with ``float``.
- **No row limit, constant memory.** Transactions stream from DuckDB in Arrow batches into the
  writer (XLSX in xlsxwriter's ``constant_memory`` mode), so a 1M-row book exports without a
  1M-row DataFrame. The one limit is XLSX's own 1,048,576 rows per sheet: beyond it we refuse
  with a clear error and point to CSV rather than silently cut rows.

CSV is UTF-8 *with* a byte-order mark (``utf-8-sig``): Excel on Windows reads a BOM-less CSV in
the local ANSI code page and turns ``€`` and umlauts into mojibake; LibreOffice, pandas and
``csv`` with ``encoding="utf-8-sig"`` all read the BOM correctly. Lines end in CRLF (RFC 4180).
"""

from __future__ import annotations

import io
import os
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO, Literal

import pandas as pd

from fintrack_core.access import Scope
from fintrack_core.errors import ValidationError
from fintrack_core.filters import TransactionFilter
from fintrack_core.money import exponent, to_decimal
from fintrack_core.reports.filter_sql import where
from fintrack_core.reports.sinks import (
    FORMULA_STARTS,
    XLSX_MAX_ROWS,
    CsvSink,
    Shown,
    Sink,
    XlsxSink,
    missing,
    number_pattern,
    plain_cell,
    text_cell,
)
from fintrack_core.reports.store import report_store
from fintrack_core.telemetry import timed_report

Format = Literal["csv", "xlsx"]
FORMATS: tuple[str, ...] = ("csv", "xlsx")
BATCH_ROWS = 50_000

TRANSACTION_COLUMNS = ("date", "account", "payee", "description", "category", "amount",
                       "currency", "amount_base", "tags", "transfer")
def check_format(fmt: str) -> Format:
    """``fmt`` as one of the export formats, or a ``ValidationError`` naming the choices."""
    norm = (fmt or "").strip().lower()
    if norm not in FORMATS:
        raise ValidationError("format", f"{fmt!r} is not an export format; use csv or xlsx")
    return norm  # type: ignore[return-value]


def money_columns_to_decimal(df: pd.DataFrame, columns: Iterable[str],
                             currency: str) -> pd.DataFrame:
    """A copy of ``df`` with the minor-unit ``columns`` as exact ``Decimal`` (missing -> None).

    Reports keep money as integer minor units of one currency; a person reading an export
    wants ``-12.50``, and dividing by 100 in pandas would go through ``float``.
    """
    out = df.copy()
    for col in columns:
        out[col] = pd.Series([None if missing(v) else to_decimal(int(v), currency)
                              for v in df[col]], index=df.index, dtype=object)
    return out


# --- report frames ---------------------------------------------------------------------------


def _frame_rows(df: pd.DataFrame, text_columns: Iterable[str] | None) -> Iterable[list[Any]]:
    """Rows of plain cells; ``text_columns`` None means every string cell is free text."""
    neutral = [text_columns is None or c in set(text_columns) for c in df.columns]
    for row in df.itertuples(index=False, name=None):
        yield [text_cell(plain_cell(v), n) for v, n in zip(row, neutral, strict=True)]


def _write_frame(sink: Sink, name: str, df: pd.DataFrame,
                 text_columns: Iterable[str] | None) -> None:
    text = None if text_columns is None else list(text_columns)
    sink.sheet(name, [str(c) for c in df.columns])
    sink.rows(_frame_rows(df, text))


def frame_to_csv(df: pd.DataFrame, text_columns: Iterable[str] | None = None,
                 bom: bool = True) -> bytes:
    """One table as CSV bytes (UTF-8 with BOM, CRLF), formula-like text neutralised.

    ``text_columns`` names the free-text columns to neutralise; None treats every string cell
    as free text (safe default). Numbers, dates and Decimals are written as themselves.
    """
    out = io.BytesIO()
    sink = CsvSink(out, bom=bom)
    _write_frame(sink, "data", df, text_columns)
    sink.close()
    return out.getvalue()


def frame_to_xlsx(sheets: dict[str, pd.DataFrame],
                  text_columns: Iterable[str] | dict[str, Iterable[str]] | None = None
                  ) -> bytes:
    """A workbook with one sheet per frame: numbers as numbers, dates as dates, text as
    (neutralised) strings that are never formulas.

    ``text_columns`` is one list for every sheet, a dict per sheet name, or None (every string
    cell is free text).
    """
    out = io.BytesIO()
    sink = XlsxSink(out)
    for name, df in sheets.items():
        cols = text_columns.get(name) if isinstance(text_columns, dict) else text_columns
        _write_frame(sink, name, df, cols)
    sink.close()
    return out.getvalue()


def export_report(frames: dict[str, pd.DataFrame], fmt: str,
                  text_columns: Iterable[str] | dict[str, Iterable[str]] | None = None
                  ) -> bytes:
    """Report tables as a file: CSV holds the first frame, XLSX one sheet per frame.

    Convert minor-unit money columns with ``money_columns_to_decimal`` first.
    """
    if not frames:
        raise ValidationError("report", "there is no table to export")
    if check_format(fmt) == "csv":
        name, df = next(iter(frames.items()))
        cols = text_columns.get(name) if isinstance(text_columns, dict) else text_columns
        return frame_to_csv(df, cols)
    return frame_to_xlsx(frames, text_columns)


# --- transactions ----------------------------------------------------------------------------

def _neutral_sql(expr: str) -> str:
    """``neutralise`` as a DuckDB expression (same ``FORMULA_STARTS``), so a million payees
    are made safe in one vectorised pass instead of a Python call each."""
    starts = ", ".join(f"chr({ord(c)})" for c in FORMULA_STARTS)
    text = f"CAST({expr} AS VARCHAR)"  # an empty book's copy types its empty columns INTEGER
    return f"CASE WHEN left({text}, 1) IN ({starts}) THEN chr(39) || {text} ELSE {text} END"


_TX_SQL = f"""
SELECT t.date, {_neutral_sql("a.name")} AS account, {_neutral_sql("t.payee")} AS payee,
       {_neutral_sql("t.description")} AS description,
       {_neutral_sql("coalesce(c.path, '')")} AS category,
       t.amount_minor, t.currency, t.amount_base,
       {_neutral_sql("trim(t.tags, ',')")} AS tags,
       CASE WHEN t.flow = 'transfer' THEN 'yes' ELSE 'no' END AS transfer
FROM tx t
JOIN accounts a ON a.id = t.account_id
LEFT JOIN categories c ON c.id = t.category_id
WHERE {{cond}}
ORDER BY t.date, t.id
"""  # noqa: S608 - fixed column expressions; values are bound parameters


def _tx_rows(batch: Any, base: str, as_text: bool) -> Iterable[list[Any]]:
    """Arrow batch -> export rows (text already neutralised in SQL): exact ``Decimal``
    amounts, or for CSV the finished cell text (skipping the per-cell type dispatch)."""
    cols = batch.to_pydict()
    rows = zip(cols["date"], cols["account"], cols["payee"], cols["description"],
               cols["category"], cols["amount_minor"], cols["currency"], cols["amount_base"],
               cols["tags"], cols["transfer"], strict=True)
    if as_text:
        for day, account, payee, desc, cat, minor, ccy, base_minor, tags, transfer in rows:
            yield [day.isoformat(), account, payee, desc, cat, str(to_decimal(minor, ccy)),
                   ccy, "" if base_minor is None else str(to_decimal(base_minor, base)),
                   tags, transfer]
        return
    patterns = {ccy: number_pattern(exponent(ccy)) for ccy in set(cols["currency"])}
    for day, account, payee, desc, cat, minor, ccy, base_minor, tags, transfer in rows:
        yield [day, account, payee, desc, cat, Shown(to_decimal(minor, ccy), patterns[ccy]),
               ccy, None if base_minor is None else to_decimal(base_minor, base),
               tags, transfer]


@timed_report("export")
def write_transactions(scope: Scope, flt: TransactionFilter | None, fmt: str,
                       out: BinaryIO, bom: bool = True) -> int:
    """Stream every transaction matching ``flt`` into the binary stream ``out``; returns the
    number of rows. Needs read access to the book (viewers may export).

    Columns: date, account, payee, description, category (path), amount (own currency),
    currency, amount_base (book's base currency; empty without an exchange rate), tags
    (comma list), transfer (yes/no). Sorted by date, then entry order.
    """
    fmt = check_format(fmt)
    store = report_store(scope.db)
    base = store.info(scope).base_currency  # checks the role before anything is read
    cond, params = where(flt, "t")
    sql = _TX_SQL.format(cond=cond)
    with store.cursor(scope) as cur:
        if fmt == "xlsx":
            total = int(cur.execute(f"SELECT count(*) FROM tx t WHERE {cond}",  # noqa: S608 - cond is placeholders only
                                    params).fetchone()[0])  # type: ignore[index]
            if total >= XLSX_MAX_ROWS:
                raise ValidationError("format", f"{total:,} transactions do not fit in one XLSX "
                                                f"sheet (at most {XLSX_MAX_ROWS - 1:,}); "
                                                "export as CSV or narrow the filter")
        sink: Sink = CsvSink(out, bom=bom) if fmt == "csv" else XlsxSink(out)
        rows = 0
        try:
            sink.sheet("Transactions", TRANSACTION_COLUMNS,
                       {"amount": "#,##0.00", "amount_base": number_pattern(exponent(base))})
            reader = cur.execute(sql, params).to_arrow_reader(BATCH_ROWS)
            for batch in reader:
                if isinstance(sink, CsvSink):
                    sink.text_rows(_tx_rows(batch, base, as_text=True))
                else:
                    sink.rows(_tx_rows(batch, base, as_text=False))
                rows += batch.num_rows
        except BaseException:
            sink.abort()
            raise
        sink.close()
    return rows


def export_transactions(scope: Scope, flt: TransactionFilter | None, fmt: str,
                        bom: bool = True) -> bytes:
    """Every transaction matching ``flt`` as CSV or XLSX bytes (see ``write_transactions``)."""
    out = io.BytesIO()
    write_transactions(scope, flt, fmt, out, bom=bom)
    return out.getvalue()


def write_file_atomically(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write ``path`` through a temporary file in the same folder, renamed when complete, so
    a failed export never leaves a truncated file (or clobbers a good one)."""
    path = Path(path)
    folder = path.resolve().parent
    if not folder.is_dir():
        raise ValidationError("output", f"folder {str(folder)!r} does not exist")
    # Not mkstemp: its 0600 mode would make the export unreadable to the user's other tools;
    # os.open with 0666 lets the umask decide, as for any file the user creates.
    while True:
        tmp = folder / f".{path.name}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                         0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
