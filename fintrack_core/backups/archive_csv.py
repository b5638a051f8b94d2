"""The CSV dialect of book archives (docs/book_archive.md): exact, typed by the models.

Why a dialect of our own on top of RFC 4180: CSV has no NULL, and an archive must tell NULL
from an empty string. A cell ``\\N`` is NULL; a text value that starts with a backslash gets
one more in front (so the text ``\\N`` is written ``\\\\N``). Everything else is plain: integers
(money is integer minor units of the row's currency), ``true``/``false``, ISO dates and
date-times, enum values, text as UTF-8 with any character, newlines included.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Enum, Integer, Table

from fintrack_core.errors import ValidationError

NULL = "\\N"
csv.field_size_limit(1 << 30)


def _encode(value: Any) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value)
    return "\\" + text if text.startswith("\\") else text


def encode_row(table: Table, columns: list[str], row: dict[str, Any]) -> list[str]:
    return [_encode(row[c]) for c in columns]


def _decode(table: Table, column: str, cell: str, where: str) -> Any:
    if cell == NULL:
        if not table.c[column].nullable:
            raise ValidationError("archive", f"{where}: {column} may not be empty")
        return None
    kind = table.c[column].type
    try:
        if isinstance(kind, Enum):
            return kind.enum_class(cell) if kind.enum_class else cell
        if isinstance(kind, Boolean):
            if cell not in ("true", "false"):
                raise ValueError(f"{cell!r} is not true or false")
            return cell == "true"
        if isinstance(kind, Integer):
            return int(cell)
        if isinstance(kind, DateTime):
            return dt.datetime.fromisoformat(cell)
        if isinstance(kind, Date):
            return dt.date.fromisoformat(cell)
    except ValueError as exc:
        raise ValidationError("archive", f"{where}: {column}: {exc}") from None
    return cell[1:] if cell.startswith("\\") else cell


def decode_row(table: Table, columns: list[str], cells: list[str], where: str
               ) -> dict[str, Any]:
    if len(cells) != len(columns):
        raise ValidationError("archive", f"{where}: {len(cells)} cells, expected "
                                         f"{len(columns)}")
    return {c: _decode(table, c, cell, where) for c, cell in zip(columns, cells, strict=True)}


def write_csv(columns: list[str], rows: Iterable[list[str]]) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def read_csv(body: bytes, name: str) -> tuple[list[str], Iterator[list[str]]]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError("archive", f"{name} is not UTF-8 ({exc})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ValidationError("archive", f"{name} is empty (no header line)") from None
    return header, reader
