"""Reading a CSV-like file whatever the bank did to it: encoding, delimiter, preamble, header.

Encoding: a BOM wins; then strict UTF-8; then charset-normalizer's best guess; cp1252 last
(it decodes any byte, and it is what European banks that are not UTF-8 use). Text is read with
Python's csv module, which handles quoted delimiters and line breaks, and each record keeps the
line number it starts on so errors can point at the file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from charset_normalizer import from_bytes

from fintrack_core.imports.limits import SNIFF_CHARS
from fintrack_core.imports.statement import StatementError

DELIMITERS = (",", ";", "\t", "|")
SNIFF_LINES = 60
MAX_FIELD = 1_000_000
csv.field_size_limit(MAX_FIELD)


@dataclass
class Table:
    """Decoded records of a delimited file."""

    encoding: str
    delimiter: str
    records: list[list[str]]
    lines: list[int]  # 1-based line where each record starts


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Bytes -> (text, encoding name). Rejects what is clearly not text."""
    if not data or not data.strip():
        raise StatementError("the file is empty")
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise StatementError(f"the file cannot be read as {encoding}: {exc}") from None
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:  # odd byte count, lone surrogate
            raise StatementError(f"the file starts like UTF-16 text but is not: {exc}") from None
    head = data[:65536]
    if b"\x00" in head:
        raise StatementError("this is a binary file, not a text statement")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(head).best()
    guess = best.encoding if best is not None else None
    for enc in filter(None, (guess, "cp1252", "latin-1")):
        try:
            text = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        return text, ("iso-8859-1" if enc == "latin_1" else enc)
    raise StatementError("the file's text encoding cannot be recognised")  # pragma: no cover


def _shape(lines: list[str], delimiter: str) -> tuple[float, int]:
    """(share of lines with the modal field count, that count) for one delimiter."""
    counts = [len(r) for r in csv.reader(lines, delimiter=delimiter) if any(c.strip() for c in r)]
    if not counts:
        return 0.0, 0
    modal = max(set(counts), key=counts.count)
    if modal < 2:
        return 0.0, modal
    return counts.count(modal) / len(counts), modal


def detect_delimiter(text: str) -> str:
    sample = [ln for ln in text[:SNIFF_CHARS].splitlines()[:SNIFF_LINES] if ln.strip()]
    best, best_score = ",", (0.0, 0)
    for d in DELIMITERS:
        share, modal = _shape(sample, d)
        score = (round(share, 2), modal)
        if share > 0 and score > best_score:
            best, best_score = d, score
    if best_score[1] < 2:
        raise StatementError("no table found: the file has no delimited columns "
                             "(expected a CSV with , ; tab or | between fields)")
    return best


def read_table(data: bytes, encoding: str | None = None, delimiter: str | None = None) -> Table:
    text, enc = decode(data, encoding)
    if "\x00" in text:
        raise StatementError("this is a binary file, not a text statement")
    delim = delimiter or detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    records: list[list[str]] = []
    lines: list[int] = []
    prev = 0
    append_rec, append_line = records.append, lines.append
    try:
        for rec in reader:
            append_line(prev + 1)
            append_rec(rec)
            prev = reader.line_num
    except csv.Error as exc:
        raise StatementError(f"line {prev + 1}: {exc}") from None
    return Table(enc, delim, records, lines)
