"""What an import did or would do (``ImportResult``), and the likely duplicates it asks about.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

import pandas as pd

from fintrack_core.imports.accounting import check_accounting, summary_line
from fintrack_core.imports.evidence import Question
from fintrack_core.imports.statement import RowError, SkippedRow, count_reasons
from fintrack_core.money import to_decimal

if TYPE_CHECKING:
    from fintrack_core.imports.invest_preview import InvestmentPreview


@dataclass(frozen=True)
class LikelyDuplicate:
    line: int
    date: dt.date
    amount: Decimal
    currency: str
    payee: str
    existing_id: int
    existing_date: dt.date
    existing_payee: str

    @property
    def reason(self) -> str:
        days = abs((self.existing_date - self.date).days)
        when = "the same day" if days == 0 else f"{days} day(s) apart"
        return (f"same account and amount as transaction #{self.existing_id} "
                f"({self.existing_payee or 'no payee'}, {self.existing_date}), {when}")


@dataclass
class ImportResult:
    """What an import did (or, with ``dry_run``, would do). ``as_json`` is the CLI contract."""

    file: str
    profile: str | None
    rows: int
    imported: int
    duplicates: int
    invalid: list[RowError]
    totals: dict[str, Decimal]
    date_min: dt.date | None
    date_max: dt.date | None
    dry_run: bool
    batch_id: int | None = None
    likely_duplicates: list[LikelyDuplicate] = field(default_factory=list)
    missing_currencies: list[str] = field(default_factory=list)
    preview: pd.DataFrame | None = None  # first rows as they would be stored
    detected: dict[str, object] = field(default_factory=dict)
    rejected: bool = False
    # Things that import but look wrong, e.g. rows dated before their account was opened.
    warnings: list[str] = field(default_factory=list)
    # Rows of the file that are not transactions (pending, declined...), with line and reason.
    skipped: list[SkippedRow] = field(default_factory=list)
    # Accounts the file names that no chosen account matches: nothing is written then.
    unmatched_accounts: list[str] = field(default_factory=list)
    # What the file's evidence confirmed or changed (imports.evidence), what only the user
    # can settle (nothing is written while one is open).
    notes: list[str] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    # An investment statement's trades, new assets and position check (imports.invest_import);
    # None for bank statements.
    investment: InvestmentPreview | None = None

    @property
    def skipped_counts(self) -> dict[str, int]:
        return count_reasons(self.skipped)

    @property
    def summary(self) -> str:
        """One line accounting for every row read (the CLI and the Import page show it)."""
        return summary_line(self.rows, self.imported, self.duplicates, self.skipped,
                            self.invalid)

    def check_accounting(self) -> None:
        check_accounting(self.rows, self.imported, self.duplicates, self.skipped,
                         self.invalid, self.file)

    def as_json(self) -> dict[str, object]:
        return {
            "file": self.file, "profile": self.profile, "rows": self.rows,
            "imported": self.imported, "duplicates": self.duplicates,
            "skipped": [{"line": r.line, "reason": r.reason} for r in self.skipped],
            "skipped_counts": self.skipped_counts,
            "invalid": [{"line": e.line, "error": e.error} for e in self.invalid],
            "totals": {c: str(v) for c, v in sorted(self.totals.items())},
            "date_min": self.date_min.isoformat() if self.date_min else None,
            "date_max": self.date_max.isoformat() if self.date_max else None,
            "warnings": list(self.warnings),
            **({"investment": self.investment.as_json()} if self.investment else {}),
        }


def _totals(frame: pd.DataFrame) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for ccy, total in frame.groupby("currency")["amount_minor"].sum().items():
        totals[str(ccy)] = to_decimal(int(total), str(ccy))
    return totals


