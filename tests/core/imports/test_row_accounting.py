"""Every row read is accounted for: new + duplicates + skipped (with a reason) + invalid.

The identity is checked inside ``import_statement`` for every import; these tests show the
numbers and the one summary line the CLI and the Import page print.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from fintrack_core.errors import ValidationError
from fintrack_core.imports.accounting import RowAccountingError, check_accounting, summary_line
from fintrack_core.imports.service import import_statement
from fintrack_core.imports.statement import RowError, SkippedRow
from fintrack_core.ledger import accounts

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "statements"


def test_the_summary_line_names_each_reason_with_its_lines() -> None:
    skipped = [SkippedRow(5, "opening balance"), SkippedRow(12, "pending")]
    assert summary_line(33, 30, 1, skipped, []) == (
        "33 rows read: 30 new, 1 duplicate, 2 skipped (opening balance line 5, pending line "
        "12), 0 invalid")


def test_many_rows_skipped_for_one_reason_are_counted_not_listed() -> None:
    skipped = [SkippedRow(n, "pending") for n in range(2, 252)]
    assert summary_line(260, 10, 0, skipped, []) == (
        "260 rows read: 10 new, 0 duplicates, 250 skipped (250 pending), 0 invalid")


def test_rows_that_do_not_add_up_are_an_internal_error_never_an_import() -> None:
    check_accounting(4, 2, 1, [SkippedRow(3, "pending")], [], "ok.csv")
    with pytest.raises(RowAccountingError) as err:
        check_accounting(6, 2, 1, [SkippedRow(3, "pending")], [RowError(4, "bad")], "x.csv")
    assert "6 rows read" in str(err.value)


def account(book: Any, currency: str) -> int:
    return accounts.create_account(book.owner, f"{currency} account", "checking", currency,
                                   "0", dt.date(2020, 1, 1)).id


def test_a_summary_block_file_accounts_for_its_opening_balance_line(small_book: Any) -> None:
    data = (FIXTURES / "generic/us_summary_block.csv").read_bytes()

    result = import_statement(small_book.owner, data, "summary.csv", [account(small_book,
                                                                              "USD")])

    assert (result.rows, result.imported, result.duplicates, len(result.invalid)) == (8, 7, 0, 0)
    assert result.skipped == [SkippedRow(8, "opening balance")]
    assert result.summary == ("8 rows read: 7 new, 0 duplicates, 1 skipped (opening balance "
                              "line 8), 0 invalid")
    as_json = result.as_json()
    assert as_json["skipped"] == [{"line": 8, "reason": "opening balance"}]
    assert as_json["skipped_counts"] == {"opening balance": 1}


def test_pending_and_zero_amount_rows_are_skipped_with_their_reasons(small_book: Any) -> None:
    data = (b"Date,Description,Amount,State\n"
            b"2025-03-03,Shop,-12.00,COMPLETED\n"
            b"2025-03-04,Card check,0.00,COMPLETED\n"
            b"2025-03-05,Hotel,-80.00,PENDING\n"
            b"2025-03-06,Salary,900.00,COMPLETED\n")

    result = import_statement(small_book.owner, data, "s.csv", [account(small_book, "EUR")],
                              dry_run=True)

    assert result.imported == 2
    assert result.skipped_counts == {
        "zero amount": 1,
        "status 'PENDING' — pending: not completed yet (it comes with a later export once it "
        "is)": 1}
    assert result.summary == ("4 rows read: 2 new, 0 duplicates, 2 skipped (zero amount line "
                              "3, status 'PENDING' line 4), 0 invalid")


def test_a_row_without_any_amount_is_invalid_with_its_line(small_book: Any) -> None:
    data = (b"Date,Description,Credit Amount,Debit Amount\n"
            b"01/02/2025,PAYROLL,2150.00,\n"
            b"01/13/2025,NOTHING,,\n")

    result = import_statement(small_book.owner, data, "s.csv", [account(small_book, "USD")],
                              dry_run=True)

    assert [e.line for e in result.invalid] == [3]
    assert result.summary == "2 rows read: 1 new, 0 duplicates, 0 skipped, 1 invalid"


def test_a_currency_column_file_into_an_account_of_another_currency_is_told(
        small_book: Any) -> None:
    data = (FIXTURES / "generic/ca_cad_usd.csv").read_bytes()
    with pytest.raises(ValidationError) as err:
        import_statement(small_book.owner, data, "rbc.csv", [account(small_book, "EUR")],
                         dry_run=True)
    assert "CAD (column 'CAD$')" in str(err.value)

    result = import_statement(small_book.owner, data, "rbc.csv", [account(small_book, "CAD")])
    assert (result.imported, result.missing_currencies) == (7, [])
