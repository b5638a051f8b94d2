"""The bank's running balance as proof (``imports.balance_proof``), then through the import.

Amounts and balances in the unit tests are whole currency units times ``SCALE`` (``u(12.5)``
is 12.50); each test's rows are written next to what the proof must conclude from them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from fintrack_core.imports.balance_proof import (
    FEE_ADDED,
    FEE_INCLUDED,
    FEE_SUBTRACTED,
    describe,
    prove,
    read_balances,
)
from fintrack_core.imports.mapping import Mapping
from fintrack_core.imports.service import ImportResult, import_statement
from fintrack_core.ledger import accounts
from tests.core.imports.expected_statements import EXPECTED

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "statements"
SCALE = 1_000_000

def minor_amounts(result: ImportResult) -> list[int]:
    """The preview's amounts in minor units, in file order."""
    assert result.preview is not None
    return [int(m) for m in result.preview["amount_minor"]]



def u(*values: str) -> np.ndarray:
    """Decimal texts -> int64 at SCALE, exactly."""
    return np.array([int(Decimal(v) * SCALE) for v in values], dtype=np.int64)


def lines(n: int) -> np.ndarray:
    return np.arange(2, n + 2)


def known(n: int) -> np.ndarray:
    return np.ones(n, dtype=bool)


def test_oldest_first_rows_agree_with_their_balance_changes() -> None:
    amounts, balances = u("-10.00", "25.00", "-5.50"), u("90.00", "115.00", "109.50")
    proof = prove(amounts, balances, known(3), lines(3))
    assert proof is not None
    assert (proof.agrees, proof.newest_first, proof.inverted, proof.rows) == (True, False,
                                                                              False, 3)
    assert describe(proof) == "✓ agrees with the bank's running balance on all 3 rows"


def test_newest_first_rows_are_recognised_from_the_balance() -> None:
    amounts, balances = u("-5.50", "25.00", "-10.00"), u("109.50", "115.00", "90.00")
    proof = prove(amounts, balances, known(3), lines(3))
    assert proof is not None
    assert (proof.agrees, proof.newest_first, proof.inverted) == (True, True, False)


def test_amounts_opposite_to_every_balance_change_read_as_inverted() -> None:
    amounts, balances = u("10.00", "-25.00", "5.50"), u("90.00", "115.00", "109.50")
    proof = prove(amounts, balances, known(3), lines(3))
    assert proof is not None
    assert (proof.agrees, proof.inverted) == (True, True)


def test_a_missing_row_is_a_break_between_the_two_lines_around_it() -> None:
    # oldest first; a -64.90 row between the 2nd and 3rd row is not in the file
    amounts = u("-10.00", "100.00", "-20.00", "-5.00")
    balances = u("90.00", "190.00", "105.10", "100.10")
    proof = prove(amounts, balances, known(4), lines(4))
    assert proof is not None
    assert (proof.agrees, proof.mismatches, proof.rows) == (False, 1, 4)
    brk = proof.breaks[0]
    assert (brk.previous_line, brk.line) == (3, 4)
    assert (brk.expected, brk.found, brk.unexplained) == (
        int(170 * SCALE), int(Decimal("105.10") * SCALE), int(Decimal("-64.90") * SCALE))
    assert "first at line 4: after line 3 the balance should be 170.00 but the file shows " \
           "105.10, a change of -64.90 that no row explains" in describe(proof)


def test_an_empty_balance_cell_is_bridged_not_a_break() -> None:
    amounts, balances = u("-10.00", "-3.00", "-7.00"), u("90.00", "0", "80.00")
    has_balance = np.array([True, False, True])
    proof = prove(amounts, balances, has_balance, lines(3))
    assert proof is not None
    assert proof.agrees


def test_each_currency_keeps_its_own_balance() -> None:
    amounts = u("-100.00", "108.50", "-8.50", "-20.00")
    balances = u("400.00", "108.50", "100.00", "380.00")
    currency = np.array(["EUR", "USD", "USD", "EUR"], dtype=object)
    proof = prove(amounts, balances, known(4), lines(4), currency)
    assert proof is not None
    assert (proof.agrees, proof.rows) == (True, 4)


def test_the_balance_says_whether_the_fee_is_already_in_the_amount() -> None:
    # What the CSV reader hands over is always amount - fee; the balance decides.
    # (A fee on the first row has no balance before it to compare with: the second row has it.)
    gross, fee = u("-10.99", "250.00"), u("0.00", "-7.40")      # PayPal: fee written negative
    proof = prove(gross - fee, u("651.61", "894.21"), known(2), lines(2), fees=fee)
    assert proof is not None
    assert proof.fee == FEE_ADDED

    amount, fee = u("-12.40", "-200.95"), u("0.00", "0.95")      # Wise: amount holds the fee
    proof = prove(amount - fee, u("1487.60", "1286.65"), known(2), lines(2), fees=fee)
    assert proof is not None
    assert proof.fee == FEE_INCLUDED

    amount, fee = u("-50.00", "-100.00"), u("0.00", "2.00")      # Revolut: fee on top
    proof = prove(amount - fee, u("211.34", "109.34"), known(2), lines(2), fees=fee)
    assert proof is not None
    assert proof.fee == FEE_SUBTRACTED


def test_one_row_with_a_balance_proves_nothing() -> None:
    assert prove(u("-10.00"), u("90.00"), known(1), lines(1)) is None


def test_a_million_rows_are_checked_in_whole_array_steps() -> None:
    rng = np.random.default_rng(9)
    amounts = rng.integers(-500_00, 500_00, size=1_000_000, dtype=np.int64) * 10_000
    balances = np.cumsum(amounts)
    proof = prove(amounts, balances, known(len(amounts)), lines(len(amounts)))
    assert proof is not None
    assert (proof.agrees, proof.rows) == (True, 1_000_000)


# --- through import_statement -------------------------------------------------------------


def account(book: Any, name: str, currency: str, kind: str = "checking") -> int:
    return accounts.create_account(book.owner, name, kind, currency, "0",
                                   dt.date(2023, 1, 1)).id


def preview(book: Any, name: str, account_ids: list[int], **kwargs: Any) -> Any:
    return import_statement(book.owner, (FIXTURES / name).read_bytes(), Path(name).name,
                            account_ids, dry_run=True, **kwargs)


def test_a_newest_first_statement_is_proven_by_its_running_balance(small_book: Any) -> None:
    name = "generic/au_bank_newest_first.csv"  # St.George-like: Date,Description,Debit,Credit
    result = preview(small_book, name, [account(small_book, "Everyday", "AUD")])
    assert "✓ agrees with the bank's running balance on all 13 rows (rows newest first)" \
        in result.notes
    assert result.detected["row_order"] == EXPECTED[name]["row_order"] == "newest first"
    assert result.preview is not None  # put in time order: the file's last line comes first
    assert list(result.preview["line"]) == list(range(14, 1, -1))
    assert result.totals == {"AUD": Decimal(EXPECTED[name]["sums"]["AUD"])}
    assert result.questions == []


def test_a_missing_row_is_shown_where_the_balance_breaks(small_book: Any) -> None:
    name = "generic/nz_bank_missing_row.csv"
    result = preview(small_book, name, [account(small_book, "Kiwi", "NZD")])
    brk = EXPECTED[name]["balance_break"]  # a -64.90 power bill cut between lines 7 and 8
    verdict = next(n for n in result.notes if n.startswith("✗"))
    assert verdict.startswith("✗ disagrees with the bank's running balance on 1 of 12 rows; "
                              f"first at line {brk['line']}: after line {brk['previous_line']} "
                              f"the balance should be {brk['expected']} but the file "
                              f"shows {brk['found']}, a change of {brk['missing']} that no "
                              "row explains")
    assert "a row missing between lines 7 and 8?" in verdict
    assert result.imported == EXPECTED[name]["count"] == 12  # what is there still imports


def test_amounts_inverted_against_the_balance_are_flipped_and_it_says_so(small_book: Any
                                                                        ) -> None:
    data = (b"Date,Description,Amount,Balance\n"
            b"2024-05-02,Bakery,4.10,95.90\n"
            b"2024-05-03,Salary,-2500.00,2595.90\n"
            b"2024-05-04,Rent,850.00,1745.90\n")
    result = import_statement(small_book.owner, data, "inverted.csv",
                              [small_book.checking.id], dry_run=True)
    assert "signs flipped: every amount is the opposite of the bank's running balance " \
           "change" in result.notes
    assert minor_amounts(result) == [-410, 250000, -85000]

    kept = import_statement(small_book.owner, data, "inverted.csv", [small_book.checking.id],
                            dry_run=True, signs="keep")
    assert minor_amounts(kept) == [410, -250000, 85000]
    assert "signs kept as written in the file, as you chose" in kept.notes


def test_a_file_without_a_balance_column_gets_no_verdict(small_book: Any) -> None:
    data = b"Date,Description,Amount\n2024-05-02,Bakery,-4.10\n2024-05-03,Shop,-2.00\n"
    result = import_statement(small_book.owner, data, "plain.csv", [small_book.checking.id],
                              dry_run=True)
    assert not [n for n in result.notes if "running balance" in n]


def test_a_fee_the_balance_cannot_check_is_not_called_proven() -> None:
    # the only fee is on the first row, which has no balance before it
    amount, fee = u("-100.00", "-50.00"), u("2.00", "0.00")
    proof = prove(amount - fee, u("109.34", "59.34"), known(2), lines(2), fees=fee)
    assert proof is not None
    assert (proof.fee, proof.fee_proven) == (FEE_SUBTRACTED, False)


def test_a_fee_column_without_a_balance_is_subtracted_and_the_preview_says_so_unproven(
        small_book: Any) -> None:
    data = b"Date,Description,Amount,Fee\n2024-05-02,ATM,-100.00,2.00\n"
    result = import_statement(small_book.owner, data, "fee.csv", [small_book.checking.id],
                              dry_run=True)
    assert minor_amounts(result) == [-10200]
    assert ("the fee column is subtracted from the amount as the mapping says; no running "
            "balance in the file confirms it (check one row against your account)") \
        in result.notes


def test_a_sign_flip_set_by_hand_is_not_undone_by_the_balance(small_book: Any) -> None:
    data = (b"Date,Description,Amount,Balance\n"
            b"2024-05-02,Bakery,-4.10,95.90\n"
            b"2024-05-03,Salary,2500.00,2595.90\n")
    result = import_statement(small_book.owner, data, "hand.csv", [small_book.checking.id],
                              dry_run=True, options=Mapping(negate=True))
    assert minor_amounts(result) == [410, -250000]
    assert ("after your sign flip every amount is the opposite of the bank's running balance "
            "change: untick the flip if that is wrong") in result.notes


@pytest.mark.parametrize(("cells", "decimal", "expected"), [
    (["1234.56", "-0.5", "", "+12", ".25"], ".", ["1234.56", "-0.5", None, "12", "0.25"]),
    (["1.234,56", "-7,10", "12,5"], None, ["1234.56", "-7.10", "12.5"]),
    (["1,234.56", "-7.10"], None, ["1234.56", "-7.10"]),
    (["€ 1.234,56", "(7,10)"], ",", ["1234.56", "-7.10"]),          # symbols: the careful way
    (["12,50-", "3,00"], ",", ["-12.50", "3.00"]),                   # trailing minus too
    (["123456789012.50", "-123456789012.50"], ".", ["123456789012.50", "-123456789012.50"]),
])
def test_balance_cells_read_exactly_in_every_style(cells: list[str], decimal: str | None,
                                                   expected: list[str | None]) -> None:
    values, known = read_balances(pa.array(cells), decimal)
    assert [Decimal(int(v)).scaleb(-6) if k else None
            for v, k in zip(values, known, strict=True)] == \
        [Decimal(e) if e is not None else None for e in expected]


def test_a_cell_with_two_decimal_separators_is_not_read_as_a_number() -> None:
    values, known = read_balances(pa.array(["1.2.3", "4.50"]), ".")
    assert list(known) == [False, True]
    assert int(values[1]) == 4_500_000


def test_a_balance_that_mostly_but_not_wholly_says_inverted_asks_instead(small_book: Any
                                                                         ) -> None:
    data = (b"Date,Description,Amount,Balance\n"
            b"2024-05-02,Bakery,4.10,95.90\n"
            b"2024-05-03,Salary,-2500.00,2595.90\n"
            b"2024-05-04,Rent,850.00,1745.90\n"
            b"2024-05-05,Shop,-20.00,1700.00\n")  # fits neither way: the file is broken
    result = import_statement(small_book.owner, data, "odd.csv", [small_book.checking.id],
                              dry_run=True)
    assert [q.text for q in result.questions] == [
        "3 of 4 rows move the bank's running balance the opposite way to their amount, the "
        "others do not fit either way: flip the signs, or keep the file's signs?"]
    assert minor_amounts(result) == [410, -250000, 85000, -2000]  # nothing flipped yet
