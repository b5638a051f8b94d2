"""The first lines and columns of a CSV file, for mapping it by hand when detection fails.

Reading a statement stops at the first thing it cannot decide (no date column, a date format
it does not know); the person correcting the mapping still needs to see the file's columns
and first rows to say which is which. This reads only the head of the file with the layout
settings given so far (lines before the header, header or not, delimiter, encoding), so it
works whatever the rest of the file holds and costs the same for 20 rows or 2 million.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field

import pandas as pd

from fintrack_core.errors import FinTrackError
from fintrack_core.imports.columns import guess_columns
from fintrack_core.imports.layout import detect_layout, split_lines
from fintrack_core.imports.limits import SNIFF_CHARS
from fintrack_core.imports.mapping import Mapping
from fintrack_core.imports.sniff import decode, detect_delimiter
from fintrack_core.imports.statement import StatementError

RAW_LINES = 15
SAMPLE_ROWS = 8


@dataclass(frozen=True)
class TablePreview:
    """What the head of a file looks like with the layout settings given."""

    raw_lines: list[tuple[int, str]]   # (1-based line number, text) of the first lines
    columns: list[str] = field(default_factory=list)  # names the mapping refers to
    rows: list[list[str]] = field(default_factory=list)  # first data rows, one cell a column
    header_line: int | None = None     # 1-based, None without a header
    skip_rows: int = 0                 # lines before the header (or first data row)
    encoding: str = ""
    delimiter: str = ""
    guess: Mapping | None = None       # roles guessed from these rows (a starting point)
    problem: str | None = None         # why no table was found with these settings

    @property
    def sample(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=self.columns, dtype="string")


def _head(data: bytes) -> bytes:
    """The first ``SNIFF_CHARS`` bytes, cut after a line break (never inside a character)."""
    if len(data) <= SNIFF_CHARS:
        return data
    head = data[:SNIFF_CHARS]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head[: len(head) // 2 * 2]
    cut = head.rfind(b"\n")
    return head[: cut + 1] if cut > 0 else head


def _numbered(lines: list[str]) -> list[tuple[int, str]]:
    return [(i + 1, line) for i, line in enumerate(lines[:RAW_LINES])]


def preview_table(data: bytes, options: Mapping | None = None) -> TablePreview:
    """The raw first lines, and the columns and first rows found with ``options``' layout
    settings. Never raises for a file that is text: ``problem`` says what is wrong instead."""
    options = options or Mapping()
    head = _head(data)
    try:
        text, encoding = decode(head, options.encoding)
    except StatementError as exc:  # an encoding that does not fit, or not text at all
        try:
            text, _ = decode(head)
        except StatementError:
            return TablePreview([], problem=str(exc))
        return TablePreview(_numbered(split_lines(text)), problem=str(exc),
                            skip_rows=options.skip_rows or 0)
    lines = split_lines(text)
    raw = _numbered(lines)
    try:
        delimiter = options.delimiter or detect_delimiter(text)
        layout = detect_layout(text, delimiter, options.skip_rows, options.has_header)
    except StatementError as exc:
        return TablePreview(raw, encoding=encoding, problem=str(exc),
                            skip_rows=options.skip_rows or 0)
    body = lines[layout.first_data_line: layout.first_data_line + 4 * SAMPLE_ROWS]
    rows = [(r + [""] * layout.width)[: layout.width]
            for r in csv.reader(body, delimiter=delimiter) if any(c.strip() for c in r)]
    rows = rows[:SAMPLE_ROWS]
    columns = layout.columns[: layout.width]
    has_header = layout.header_line is not None
    frame = pd.DataFrame(rows, columns=columns, dtype="string")
    return TablePreview(
        raw, columns, rows,
        header_line=None if layout.header_line is None else layout.header_line + 1,
        skip_rows=layout.header_line if has_header and layout.header_line is not None
        else layout.first_data_line,
        encoding=encoding, delimiter=delimiter,
        guess=_guess(frame, has_header) if rows else None)


def _guess(frame: pd.DataFrame, has_header: bool) -> Mapping | None:
    """Detection's guess as a starting point for the form; none when it cannot say."""
    try:
        return guess_columns(frame, has_header).mapping
    except (FinTrackError, StatementError):  # nothing detection can suggest
        return None


__all__ = ["TablePreview", "preview_table"]
