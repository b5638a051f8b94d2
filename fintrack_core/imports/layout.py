"""Where the table is inside a CSV file: preamble lines, header row, width, data lines.

Banks put account summaries above the header (DKB: 4 lines, ING: 14, summary blocks of
label/value lines that are tables of their own) and balances below the data. The header is
chosen by the rows under it, not by its position: among the first few dozen lines, the line
that reads as names and is followed by the longest run of rows of its width holding a date
and an amount. A file whose longest such run starts at its first table line has no header.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from fintrack_core.imports.limits import SNIFF_CHARS, check_columns
from fintrack_core.imports.statement import StatementError

SNIFF_LINES = 80
_DATEISH = re.compile(r"^\s*(\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{1,2} [A-Za-z]{3,9} \d{2,4}"
                      r"|(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\s*$)")
_AMOUNTISH = re.compile(r"^\s*[-+(]?\s*([£$€]|[A-Z]{3}\$?)?\s*[-+]?"
                        r"\d[\d.,' \u00a0\u202f\u2009]*\)?-?\s*([A-Z]{3}|[£$€]|zł|kr)?\s*$")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Layout:
    header_line: int | None   # 0-based index of the header line, None without header
    first_data_line: int      # 0-based index of the first data line
    width: int                # fields per data row
    columns: list[str]        # names: header texts, or "1", "2", ... without header


def split_lines(text: str) -> list[str]:
    """Lines as CSV readers see them: ends are \\r\\n, \\r or \\n only (``str.splitlines``
    also breaks at form feeds, \\x1c-\\x1e, \\x85 and \\u2028, which are text inside a field)."""
    lines = _LINE_BREAK.split(text)
    return lines[:-1] if lines and lines[-1] == "" else lines


def count_lines(text: str) -> int:
    breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
    return breaks + (0 if text.endswith(("\n", "\r")) else 1)


def _looks_like_data(row: list[str]) -> bool:
    cells = [c for c in row if c.strip()]
    return any(_DATEISH.match(c) for c in cells) and any(_AMOUNTISH.match(c) for c in cells)


def detect_layout(text: str, delimiter: str, skip_rows: int | None = None,
                  has_header: bool | None = None) -> Layout:
    head_lines = split_lines(text[:SNIFF_CHARS])[:SNIFF_LINES]
    rows = list(csv.reader(head_lines, delimiter=delimiter))
    widths = [len(r) for r in rows if sum(1 for c in r if c.strip()) >= 2]
    if not widths:
        raise StatementError("no table found in the file")
    check_columns(max(widths))  # before anything looks at each column
    width = max(set(widths), key=widths.count)
    start = skip_rows
    header_guess: bool | None = None
    if start is None:
        start, header_guess = _table_start(rows)
    if start is None:
        start = next((i for i, r in enumerate(rows)
                      if len(r) >= width - 1 and sum(1 for c in r if c.strip()) >= 2
                      and len(r) >= 2), None)
        if start is None:
            raise StatementError("no table found in the file")
    if start >= len(rows):
        raise StatementError(f"skip_rows={start} skips the whole file")
    first = rows[start]
    header = (has_header if has_header is not None
              else header_guess if header_guess is not None
              else not _looks_like_data(first))
    if header:
        names = _unique([c.strip() for c in first])
        data_rows = [r for r in rows[start + 1:] if any(c.strip() for c in r)]
        if data_rows:
            data_width = max({len(r) for r in data_rows}, key=[len(r) for r in data_rows].count)
            width = max(width, data_width)
        while len(names) < width:
            names.append(f"_extra{len(names) + 1}")
        if len(names) > width:
            width = len(names)
        return Layout(start, start + 1, width, names)
    return Layout(None, start, width, [str(i + 1) for i in range(width)])


def _filled(row: list[str]) -> int:
    return sum(1 for c in row if c.strip())


def _run_of_data(rows: list[list[str]], data_like: list[bool | None], first: int,
                 width: int) -> tuple[int, int | None]:
    """How many rows hold a date and an amount in the run of equally wide rows from ``first``
    on (blank lines aside), whose width is about ``width`` (one more or less: a trailing
    delimiter). A row of another width ends the run; an unreadable row inside it does not.
    Returns (rows with a date and an amount, the run's width)."""
    count = 0
    run_width: int | None = None
    for row, is_data in zip(rows[first:], data_like[first:], strict=True):
        if is_data is None:  # a blank line
            continue
        if run_width is None:
            if not width - 1 <= len(row) <= width + 1:
                break
            run_width = len(row)
        elif len(row) != run_width:
            break
        count += bool(is_data)
    return count, run_width


def _table_start(rows: list[list[str]]) -> tuple[int | None, bool | None]:
    """(first table line, whether it is a header), chosen by the data rows under it; (None,
    None) when no line is followed by rows that look like data.

    Best: the longest run of data rows; then a header over none; then a header exactly as
    wide as its rows (a summary line above a blank line is narrower); then the line nearest
    to the data."""
    best: tuple[int, int, int, int] | None = None  # (run, is header, exact width, index)
    filled = [_filled(r) for r in rows]
    data_like: list[bool | None] = [_looks_like_data(r) if n else None
                                    for r, n in zip(rows, filled, strict=True)]
    for i, row in enumerate(rows):
        if len(row) < 2 or filled[i] < 2:
            continue
        if data_like[i]:
            run, width = _run_of_data(rows, data_like, i, len(row))
            key = (run, 0, int(width == len(row)), -i)  # no header: the earliest data row
        elif any(_DATEISH.match(c) for c in row):
            continue  # a header names columns; a line with a date in it is not one
        else:
            run, width = _run_of_data(rows, data_like, i + 1, len(row))
            key = (run, 1, int(width == len(row)), i)
        if best is None or key > best:
            best = key
    if best is None or best[0] == 0:
        return None, None
    return abs(best[3]), bool(best[1])


def _unique(names: list[str]) -> list[str]:
    """ING has two columns called 'Währung': keep both, as 'Währung' and 'Währung (2)'."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        n = n or "column"
        if n in seen:
            seen[n] += 1
            out.append(f"{n} ({seen[n]})")
        else:
            seen[n] = 1
            out.append(n)
    return out


_QUOTED_NEWLINE = re.compile(r'"(?:[^"]|"")*[\r\n](?:[^"]|"")*"')


@dataclass
class Records:
    frame: pd.DataFrame           # all columns as strings, one row per data record
    lines: np.ndarray             # 1-based line where each record starts
    bad_width: list[tuple[int, int]]  # (line, fields) of records with the wrong width


def read_records(text: str, delimiter: str, layout: Layout) -> Records:
    """Read every data record. Arrow's reader when no quoted field spans lines (fast, exact
    line numbers); Python's csv module otherwise."""
    if '"' in text and _QUOTED_NEWLINE.search(text):
        return _read_slow(text, delimiter, layout)
    total_lines = count_lines(text)
    if layout.first_data_line >= total_lines:  # a header and nothing after it
        frame = pd.DataFrame({c: pd.Series(dtype="string") for c in
                              layout.columns[: layout.width]})
        return Records(frame, np.zeros(0, dtype=np.int64), [])
    bad: list[tuple[int, int]] = []

    def on_bad(row: pacsv.InvalidRow) -> str:
        bad.append((int(row.number), int(row.actual_columns)))
        return "skip"

    names = [f"c{i}" for i in range(layout.width)]
    table = pacsv.read_csv(
        io.BytesIO(text.encode("utf-8")),
        read_options=pacsv.ReadOptions(skip_rows=layout.first_data_line, column_names=names,
                                       use_threads=False, block_size=1 << 24),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_bad,
                                         ignore_empty_lines=False),
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                             strings_can_be_null=False,
                                             quoted_strings_can_be_null=False),
    )
    all_lines = np.arange(layout.first_data_line + 1, total_lines + 1, dtype=np.int64)
    bad_lines = np.array([b[0] for b in bad], dtype=np.int64)
    good = all_lines[~np.isin(all_lines, bad_lines)] if len(bad_lines) else all_lines
    good = good[: table.num_rows]
    frame = table.to_pandas(types_mapper=pd.ArrowDtype)
    frame.columns = layout.columns[: layout.width]
    return Records(frame, good, bad)


def _read_slow(text: str, delimiter: str, layout: Layout) -> Records:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, lines, bad = [], [], []
    prev = 0
    try:
        for i, rec in enumerate(reader):
            start = prev + 1
            prev = reader.line_num
            if i < layout.first_data_line:
                continue
            if len(rec) != layout.width and any(c.strip() for c in rec):
                bad.append((start, len(rec)))
                continue
            rows.append((rec + [""] * layout.width)[: layout.width])  # blank rows too
            lines.append(start)
    except csv.Error as exc:
        raise StatementError(f"line {prev + 1}: {exc}") from None
    frame = pd.DataFrame(rows, columns=layout.columns[: layout.width], dtype="string")
    return Records(frame, np.array(lines, dtype=np.int64), bad)
