"""Activity exports of payment services (PayPal-like and Wise-like files) through the import:
rows left out with their reason, the fee decided from the balance, conversions as transfers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from fintrack_core.db.models import Transaction
from fintrack_core.imports.payment_exports import state_reason
from fintrack_core.imports.service import ImportResult, import_statement
from fintrack_core.ledger import accounts
from tests.core.imports.expected_statements import EXPECTED

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "statements"
PAYPAL = "generic/ie_paypal_activity_eur_usd.csv"
WISE = "generic/gb_wise_statement_newest_first.csv"

def minor_amounts(result: ImportResult) -> list[int]:
    """The preview's amounts in minor units, in file order."""
    assert result.preview is not None
    return [int(m) for m in result.preview["amount_minor"]]



def pockets(book: Any, *currencies: str) -> list[int]:
    return [accounts.create_account(book.owner, f"Wallet {c}", "checking", c, "0",
                                    dt.date(2023, 1, 1)).id for c in currencies]


def run(book: Any, name: str, ids: list[int], dry_run: bool = False) -> ImportResult:
    return import_statement(book.owner, (FIXTURES / name).read_bytes(), Path(name).name, ids,
                            dry_run=dry_run)


def stored(book: Any) -> list[tuple[int, str, int, str, str | None]]:
    """(line order is lost in storage) account, currency, amount, payee+description, transfer."""
    with book.db.read() as s:
        return [(t.account_id, t.currency, t.amount_minor, f"{t.payee}|{t.description}",
                 t.transfer_id) for t in s.scalars(select(Transaction).where(
                     Transaction.import_batch_id.is_not(None)).order_by(Transaction.id))]


def test_status_words_have_reasons() -> None:
    assert state_reason("Pending") == ("status 'Pending' — pending: not completed yet (it "
                                       "comes with a later export once it is)")
    assert state_reason("DECLINED") == "status 'DECLINED' — declined: no money moved"
    assert state_reason("Denied") == "status 'Denied' — declined: no money moved"
    assert state_reason("Reversed") == "status 'Reversed' — reversed: the money went back"
    assert state_reason("On hold") == ("status 'On hold' — pending: not completed yet (it "
                                       "comes with a later export once it is)")
    assert state_reason("Weird") == "status 'Weird' is not a completed transaction"


def test_a_paypal_like_export_leaves_out_pending_denied_and_reversed_rows_with_reasons(
        small_book: Any) -> None:
    result = run(small_book, PAYPAL, pockets(small_book, "EUR", "USD"), dry_run=True)
    spec = EXPECTED[PAYPAL]
    assert {r.line: r.reason.split(" — ")[1].split(":")[0] for r in result.skipped} == \
        spec["skipped_lines"]  # {4: pending, 8: declined, 12: reversed, 14: pending}
    assert result.imported == spec["count"] == 9
    assert result.totals == {c: Decimal(v) for c, v in spec["sums"].items()}


def test_the_balance_decides_that_paypal_adds_its_negative_fee_to_the_gross(small_book: Any
                                                                           ) -> None:
    result = run(small_book, PAYPAL, pockets(small_book, "EUR", "USD"), dry_run=True)
    assert result.detected["fee"] == EXPECTED[PAYPAL]["fee"] == "added"
    assert ("the fee is added to the amount (the fee column is written negative): the "
            "running balance moves by amount plus fee") in result.notes
    assert "✓ agrees with the bank's running balance on all 9 rows (rows oldest first)" \
        in result.notes
    # 250.00 gross, -7.40 fee: 242.60 arrived (not 257.40)
    assert minor_amounts(result)[:2] == [24260, -1099]


def test_the_balance_decides_that_wise_amounts_already_hold_the_fee(small_book: Any) -> None:
    result = run(small_book, WISE, pockets(small_book, "GBP", "EUR"), dry_run=True)
    assert result.detected["fee"] == EXPECTED[WISE]["fee"] == "included"
    assert result.detected["row_order"] == "newest first"
    assert result.totals == {c: Decimal(v) for c, v in EXPECTED[WISE]["sums"].items()}
    assert "✓ agrees with the bank's running balance on all 10 rows (rows newest first)" \
        in result.notes


def test_a_currency_conversion_is_stored_as_a_transfer_between_the_currency_accounts(
        small_book: Any) -> None:
    eur, usd = pockets(small_book, "EUR", "USD")
    result = run(small_book, PAYPAL, [eur, usd])
    assert (result.rejected, result.imported) == (False, 9)
    rows = stored(small_book)
    legs = [r for r in rows if r[4] is not None]
    assert [(a, c, m, text) for a, c, m, text, _ in legs] == [
        (eur, "EUR", -10000, "|General Currency Conversion"),
        (usd, "USD", 10850, "|General Currency Conversion"),
    ]
    assert legs[0][4] == legs[1][4]  # one transfer, two legs
    assert len(rows) - len(legs) == 7  # the other rows are ordinary transactions


def test_wise_conversion_legs_are_linked_too(small_book: Any) -> None:
    gbp, eur = pockets(small_book, "GBP", "EUR")
    run(small_book, WISE, [gbp, eur])
    legs = sorted((c, m) for _, c, m, _, t in stored(small_book) if t is not None)
    assert legs == [("EUR", 23218), ("GBP", -20095)]
