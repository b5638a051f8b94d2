"""Limits on statement files, so a broken or hostile file is refused in well under a second
instead of costing minutes of CPU or gigabytes of memory.

A 329 KB CSV with 20,000 columns once took 99.5 s of CPU before it was refused: column
guessing looks at every column. Real statements are far inside every limit here: the widest
bank export we know has about 30 columns, lines are a few hundred bytes, and a year of a busy
account is some thousands of rows.

- ``MAX_BYTES`` (200 MB): the whole file; checked from the file's size before it is read.
- ``MAX_COLUMNS`` (200): columns of the table, checked when its layout is detected.
- ``MAX_LINE_BYTES`` (64 KiB): one line of a CSV or QIF file (OFX may be a single line).
- ``max_rows()`` (5,000,000 by default; ``FINTRACK_IMPORT_MAX_ROWS`` changes it): data rows.
- Detection (encoding, delimiter, header) reads at most ``SNIFF_CHARS`` characters and a few
  dozen lines, whatever the size of the file.
"""

from __future__ import annotations

import os

import numpy as np

from fintrack_core.imports.statement import StatementError

MAX_BYTES = 200 * 1024 * 1024
MAX_COLUMNS = 200
MAX_LINE_BYTES = 64 * 1024
DEFAULT_MAX_ROWS = 5_000_000
ENV_MAX_ROWS = "FINTRACK_IMPORT_MAX_ROWS"
SNIFF_CHARS = 256 * 1024
# Lines that are not data rows (preamble, header, trailer) allowed on top of max_rows() by
# the early line count; the exact count of data rows is checked after parsing.
NON_DATA_LINES = 200


def max_rows() -> int:
    """The row limit: ``FINTRACK_IMPORT_MAX_ROWS`` if set to a positive integer."""
    text = os.environ.get(ENV_MAX_ROWS, "").strip()
    if text.isascii() and text.isdigit() and int(text) > 0:
        return int(text)
    return DEFAULT_MAX_ROWS


def check_size(size: int, filename: str = "the file") -> None:
    if size > MAX_BYTES:
        raise StatementError(f"{filename} is larger than the {MAX_BYTES // 2**20} MB limit "
                             f"({size:,} bytes)")


def check_lines(data: bytes, *, count_rows: bool) -> None:
    """Refuse a line longer than ``MAX_LINE_BYTES`` (naming it) and, when each line is a
    row (CSV), more lines than ``max_rows()`` allows. Vectorised: a 200 MB file takes a
    fraction of a second."""
    raw = np.frombuffer(data, dtype=np.uint8)
    newline = 10 if b"\n" in data else 13  # old Mac files end lines with \r alone
    ends = np.flatnonzero(raw == newline)
    starts = np.concatenate(([0], ends + 1))
    stops = np.concatenate((ends, [len(raw)]))
    lengths = stops - starts
    too_long = np.flatnonzero(lengths > MAX_LINE_BYTES)
    if len(too_long):
        line = int(too_long[0]) + 1
        raise StatementError(f"line {line} is {int(lengths[too_long[0]]):,} bytes long; the "
                             f"limit is {MAX_LINE_BYTES // 1024} KB per line")
    limit = max_rows()
    if count_rows and len(starts) > limit + NON_DATA_LINES:
        raise StatementError(f"the file has {len(starts):,} lines; the limit is {limit:,} "
                             f"rows (set {ENV_MAX_ROWS} to change it)")


def check_rows(rows: int) -> None:
    limit = max_rows()
    if rows > limit:
        raise StatementError(f"the file has {rows:,} rows; the limit is {limit:,} rows "
                             f"(set {ENV_MAX_ROWS} to change it)")


def check_columns(width: int) -> None:
    if width > MAX_COLUMNS:
        raise StatementError(f"the table has {width:,} columns; the limit is {MAX_COLUMNS} "
                             "columns (is this a bank statement?)")
