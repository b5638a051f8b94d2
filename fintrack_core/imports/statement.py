"""The common shape every statement parser (CSV, OFX/QFX, QIF) produces.

Parsers stop at *normalised text*: a date, a signed decimal string with money in positive
and money out negative (from the account holder's side), payee, description and, where the
file says, the currency of each row. Converting to minor units, deduplicating and storing
happen once, in ``fintrack_core.imports.service``, whatever the format.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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


@dataclass
class ParsedStatement:
    """Rows that parsed, rows that did not (with line numbers), and what was detected."""

    rows: pd.DataFrame
    invalid: list[RowError] = field(default_factory=list)
    format: str = "csv"            # csv | ofx | qif
    profile: str | None = None     # built-in or saved profile name used
    detected: dict[str, object] = field(default_factory=dict)  # encoding, delimiter, ...
    data_rows: int = 0             # data rows read (valid + invalid, not preamble/trailer)
    # Optional fast path: the amounts as int64 at ``amounts.SCALE`` (same rows as ``rows``),
    # so the importer need not re-parse ``amount`` strings of a million-row CSV.
    scaled: object = None


def empty_rows() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS}).astype({"line": "int64"})


class StatementError(ValueError):
    """The file as a whole cannot be read (binary, empty, header only, no date column...)."""
