"""Where the table is inside a CSV file: preamble lines, header row, width, data lines.

Banks put account summaries above the header (DKB: 4 lines, ING: 14) and balances below the
data. The header is the first line, among the first few dozen, that is as wide as the data
below it and reads as names rather than values; a file whose first table line already holds a
date and an amount has no header.
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
_DATEISH = re.compile(r"^\s*(\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{1,2} [A-Za-z]{3,9} \d{2,4})")
_AMOUNTISH = re.compile(r"^\s*[-+(]?\s*[£$€]?\s*[-+]?\d[\d.,' ]*\)?\s*$")
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
    if start is None:
        start = next((i for i, r in enumerate(rows)
                      if len(r) >= width - 1 and sum(1 for c in r if c.strip()) >= 2
                      and len(r) >= 2), None)
        if start is None:
            raise StatementError("no table found in the file")
    if start >= len(rows):
        raise StatementError(f"skip_rows={start} skips the whole file")
    first = rows[start]
    header = has_header if has_header is not None else not _looks_like_data(first)
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
