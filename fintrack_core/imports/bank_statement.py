"""What the bank-format parsers (CAMT, MT940) share: rows that name their account and carry
the bank's own transaction id, and a check of each statement's balances.

A bank statement says where it started and where it ended (CAMT ``OPBD``/``CLBD``, MT940
``:60F:``/``:62F:``). When the opening balance plus the booked entries does not reach the
closing balance, some entry was not read as the bank meant it (or the file is cut short);
the import still shows the rows, but the preview says so, naming both figures, instead of
letting a wrong balance surface months later.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from fintrack_core.imports.statement import (
    COLUMNS,
    ParsedStatement,
    RowError,
    SkippedRow,
    canonical_amount,
    empty_rows,
)

# Besides statement.COLUMNS: the bank's id of the transaction (the duplicate key when set)
# and the account number the row belongs to (IBAN, :25:), for routing several accounts.
BANK_COLUMNS = (*COLUMNS, "external_id", "source_account")


@dataclass
class AccountStatement:
    """One statement (CAMT ``Stmt``/``Rpt``, MT940 ``:20:`` block) of one account."""

    account: str
    currency: str | None
    label: str                       # how the user finds it: "statement 2024-03 (DE89...)"
    opening: Decimal | None = None   # signed, from the account holder's side
    closing: Decimal | None = None
    booked: Decimal = Decimal(0)     # sum of the booked entries read
    entries: int = 0
    unreadable: int = 0              # booked entries that went to ``invalid``

    def balance_warning(self) -> str | None:
        """The mismatch of opening + entries and closing, naming both figures; ``None`` when
        they agree or the statement gives no pair of balances to check."""
        if self.opening is None or self.closing is None:
            return None
        reached = self.opening + self.booked
        if reached == self.closing:
            return None
        ccy = f" {self.currency}" if self.currency else ""
        unread = (f"; {self.unreadable} entry(ies) could not be read"
                  if self.unreadable else "")
        return (f"{self.label}: opening balance {canonical_amount(self.opening)}{ccy} plus "
                f"the {self.entries} booked entries ({canonical_amount(self.booked)}{ccy}) "
                f"gives {canonical_amount(reached)}{ccy}, but the statement's closing balance "
                f"is {canonical_amount(self.closing)}{ccy} (difference "
                f"{canonical_amount(self.closing - reached)}{ccy}){unread}")


@dataclass
class Collected:
    """Rows, invalid and skipped entries of a whole file, statement by statement."""

    records: list[dict[str, object]] = field(default_factory=list)
    invalid: list[RowError] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    statements: list[AccountStatement] = field(default_factory=list)

    def row(self, line: int, date: dt.date, amount: Decimal, currency: str | None,
            payee: str, description: str, external_id: str | None, account: str) -> None:
        self.records.append({
            "line": line, "date": date, "amount": canonical_amount(amount), "payee": payee,
            "description": description, "currency": currency, "external_id": external_id,
            "source_account": account,
        })

    def finish(self, fmt: str, detected: dict[str, object]) -> ParsedStatement:
        """The ParsedStatement, with ``detected`` telling the accounts, the balance warnings
        and ``account_refs`` (the accounts the importer routes the rows to)."""
        warnings = [w for s in self.statements if (w := s.balance_warning())]
        refs = list(dict.fromkeys(s.account for s in self.statements if s.account))
        detected.update(
            statements=len(self.statements), account_refs=refs,
            account_id=refs[0] if len(refs) == 1 else None,
            accounts=[{"account_id": s.account, "currency": s.currency, "label": s.label,
                       "opening_balance": _text(s.opening),
                       "closing_balance": _text(s.closing), "entries": s.entries}
                      for s in self.statements],
            warnings=warnings)
        currencies = {s.currency for s in self.statements}
        detected["currency"] = currencies.pop() if len(currencies) == 1 else None
        if self.records:
            rows = pd.DataFrame(self.records, columns=list(BANK_COLUMNS), dtype=object)
        else:
            rows = empty_rows()
            for column in BANK_COLUMNS[len(COLUMNS):]:
                rows[column] = pd.Series(dtype="object")
        rows = rows.astype({"line": "int64"})
        return ParsedStatement(rows=rows, invalid=sorted(self.invalid, key=lambda e: e.line),
                               format=fmt, detected=detected,
                               data_rows=(len(self.records) + len(self.invalid)
                                          + len(self.skipped)),
                               skipped=self.skipped)


def _text(value: Decimal | None) -> str | None:
    return canonical_amount(value) if value is not None else None
