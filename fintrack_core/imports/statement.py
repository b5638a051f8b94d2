"""The common shape every statement parser (CSV, OFX/QFX, QIF) produces.

Parsers stop at *normalised text*: a date, a signed decimal string with money in positive
and money out negative (from the account holder's side), payee, description and, where the
file says, the currency of each row. Converting to minor units, deduplicating and storing
happen once, in ``fintrack_core.imports.service``, whatever the format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

# Columns of ``ParsedStatement.rows``:
#   line        int    1-based line number in the file where the row starts
#   date        datetime.date objects, or datetime64[D] (CSV: vectorised)
#   amount      str    canonical signed decimal, e.g. "-1234.50" (no thousands separators)
#   payee       str
#   description str
#   currency    object ISO 4217 code, or None when the file does not say
COLUMNS = ("line", "date", "amount", "payee", "description", "currency")


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    error: str


@dataclass(frozen=True, slots=True)
class SkippedRow:
    """A row of the file that is deliberately not a transaction, and why (a pending or
    declined payment, a reversed one...): every row is accounted for."""

    line: int
    reason: str


def count_reasons(skipped: list[SkippedRow]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in skipped:
        counts[row.reason] = counts.get(row.reason, 0) + 1
    return counts


@dataclass
class ParsedStatement:
    """Rows that parsed, rows that did not (with line numbers), and what was detected."""

    rows: pd.DataFrame
    invalid: list[RowError] = field(default_factory=list)
    format: str = "csv"            # csv | ofx | qif | camt | mt940
    profile: str | None = None     # built-in or saved profile name used
    detected: dict[str, object] = field(default_factory=dict)  # encoding, delimiter, ...
    # Rows read: every one is in ``rows``, ``invalid`` or ``skipped`` (blank lines, the
    # preamble and the header are not rows).
    data_rows: int = 0
    # Optional fast path: the amounts as int64 at ``amounts.SCALE`` (same rows as ``rows``),
    # so the importer need not re-parse ``amount`` strings of a million-row CSV.
    scaled: object = None
    # Rows of the file that are deliberately not transactions, each with its line and the
    # reason (a CAMT entry still pending, a declined card payment): counted, never imported.
    skipped: list[SkippedRow] = field(default_factory=list)
    # Evidence the file carries beyond the amounts (same rows as ``rows``, int64 at SCALE):
    # the bank's running balance after each row (``balance_known`` False where the cell is
    # empty) and the fee column as read (already subtracted in ``scaled``).
    balances: object = None
    balance_known: object = None
    fees: object = None


def empty_rows() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS}).astype({"line": "int64"})


class StatementError(ValueError):
    """The file as a whole cannot be read (binary, empty, header only, no date column...)."""


def canonical_amount(value: Decimal) -> str:
    """``-12.5`` -> ``"-12.50"``: at least two decimals, the written ones kept, no exponent."""
    if value.is_zero():
        value = abs(value)
    exponent = value.as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    return f"{value.quantize(Decimal(1).scaleb(-places)):f}"


def decode_text(data: bytes, kind: str, preferred: str | None = None) -> tuple[str, str]:
    """Decode a text statement (OFX, QIF): refuse empty and binary input with a clear
    message; UTF-16 by BOM; else ``preferred``, UTF-8 (BOM dropped), cp1252, Latin-1."""
    if not data or not data.strip():
        raise StatementError("the file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise StatementError("the file is not readable text (broken UTF-16)") from None
    if b"\x00" in data:
        raise StatementError(f"the file is binary, not a {kind} text file")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for codec in filter(None, (preferred, "utf-8", "cp1252")):
        try:
            return data.decode(codec), codec
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("latin-1"), "latin-1"
