"""Importing statements into a book (``fintrack_core.imports.service``): what is stored, what is
recognised as already there, what is refused, and that a file is written all or nothing.

The statements are the fixture files under ``tests/fixtures/statements`` (expected counts and
sums in ``expected_statements.py``) or small files written out in the test.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from fintrack_core.db.models import Account, ImportBatch, ImportProfile, Transaction
from fintrack_core.errors import NotFound, PermissionDenied, ValidationError
from fintrack_core.imports import batch_write, service
from fintrack_core.imports.csv_import import MappingError
from fintrack_core.imports.mapping import Mapping
from fintrack_core.imports.service import ImportResult, import_statement, list_batches, undo_batch
from fintrack_core.imports.statement import RowError
from fintrack_core.ledger import accounts
from fintrack_core.ledger import transactions as tx
from fintrack_core.ledger.accounts import AccountView
from fintrack_core.money import to_decimal
from fintrack_core.rules.service import Action, Condition, RuleSpec, create_rule
from tests.core.imports.expected_statements import EXPECTED

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "statements"
OPENED = dt.date(2023, 1, 1)


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def new_account(book: Any, name: str, currency: str) -> AccountView:
    return accounts.create_account(book.owner, name, "checking", currency, "0", OPENED)


def run(book: Any, name: str, account_ids: list[int], **kwargs: Any) -> ImportResult:
    """Import a fixture file as the book's owner."""
    return import_statement(book.owner, load(name), Path(name).name, account_ids, **kwargs)


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def rows_of(book: Any, account_id: int) -> list[tuple[dt.date, int, str, str]]:
    """(date, amount_minor, payee, description) of an account's transactions, by date (and
    by id within a day)."""
    with book.db.read() as s:
        return [(t.date, t.amount_minor, t.payee, t.description) for t in s.scalars(
            select(Transaction).where(Transaction.account_id == account_id)
            .order_by(Transaction.date, Transaction.id))]


def total(book: Any, account_id: int) -> Decimal:
    """Sum of an account's stored transactions, in its currency."""
    with book.db.read() as s:
        minor = s.scalar(select(func.sum(Transaction.amount_minor))
                         .where(Transaction.account_id == account_id))
        currency = s.scalar(select(Account.currency).where(Account.id == account_id))
    return to_decimal(int(minor or 0), str(currency))


# --- re-importing: exact duplicates -------------------------------------------------------


def test_importing_the_same_statement_twice_adds_nothing_the_second_time(small_book: Any
                                                                         ) -> None:
    usd = new_account(small_book, "Chase", "USD")
    first = run(small_book, "quirks/overlap_a.csv", [usd.id])
    assert (first.rows, first.imported, first.duplicates, first.invalid) == (8, 8, 0, [])
    assert first.totals == {"USD": Decimal("342.17")}

    second = run(small_book, "quirks/overlap_a.csv", [usd.id])

    assert second.as_json() == {
        "file": "overlap_a.csv", "profile": None, "rows": 8, "imported": 0, "duplicates": 8,
        "skipped": [], "skipped_counts": {}, "invalid": [], "totals": {},
        "date_min": "2024-01-02", "date_max": "2024-01-19", "warnings": []}
    assert second.summary == "8 rows read: 0 new, 8 duplicates, 0 skipped, 0 invalid"
    assert len(rows_of(small_book, usd.id)) == 8
    assert total(small_book, usd.id) == Decimal("342.17")


def test_an_overlapping_statement_adds_only_the_rows_not_yet_imported(small_book: Any) -> None:
    spec = EXPECTED["quirks/overlap_b.csv"]
    usd = new_account(small_book, "Chase", "USD")
    run(small_book, "quirks/overlap_a.csv", [usd.id])

    result = run(small_book, "quirks/overlap_b.csv", [usd.id])

    assert result.imported == spec["new_after_overlap_a"] == 5
    assert result.duplicates == spec["overlap_rows"] == 4
    assert result.totals == {c: Decimal(v) for c, v in spec["new_sums_after_overlap_a"].items()}
    stored = rows_of(small_book, usd.id)
    assert len(stored) == 8 + 5
    # The second file's new rows: its first 4 rows were already there.
    assert [(d.isoformat(), m, desc) for d, m, _, desc in stored[8:]] == [
        ("2024-01-22", -7218, "TARGET T-1234"), ("2024-01-26", -6102, "SAFEWAY #1234"),
        ("2024-01-29", 200000, "PAYROLL ACME CORP"), ("2024-02-01", -150000, "RENT FEBRUARY"),
        ("2024-02-03", -525, "STARBUCKS")]
    assert total(small_book, usd.id) == Decimal("342.17") + Decimal("361.55")


def test_identical_rows_in_one_file_are_both_kept_and_reimport_adds_nothing(small_book: Any
                                                                            ) -> None:
    gbp = new_account(small_book, "Monzo", "GBP")

    first = run(small_book, "quirks/duplicate_rows.csv", [gbp.id])
    again = run(small_book, "quirks/duplicate_rows.csv", [gbp.id])

    assert (first.imported, first.duplicates) == (5, 0)
    tfl = [r for r in rows_of(small_book, gbp.id) if r[3] == "TfL Travel Charge"]
    assert tfl == [(dt.date(2024, 3, 2), -280, "", "TfL Travel Charge")] * 2
    assert (again.imported, again.duplicates) == (0, 5)
    assert len(rows_of(small_book, gbp.id)) == 5


def test_a_longer_statement_with_one_more_identical_row_adds_just_that_row(small_book: Any
                                                                           ) -> None:
    gbp = new_account(small_book, "Monzo", "GBP")
    run(small_book, "quirks/duplicate_rows.csv", [gbp.id])
    three_rides = csv_bytes("Date,Description,Amount", "2024-03-02,TfL Travel Charge,-2.80",
                            "2024-03-02,TfL Travel Charge,-2.80",
                            "2024-03-02,TfL Travel Charge,-2.80")

    result = import_statement(small_book.owner, three_rides, "rides.csv", [gbp.id])

    assert (result.imported, result.duplicates) == (1, 2)
    assert sum(1 for r in rows_of(small_book, gbp.id) if r[3] == "TfL Travel Charge") == 3


# --- likely duplicates of hand-entered transactions ---------------------------------------


def _hand_entered_starbucks(book: Any, account_id: int, day: dt.date) -> tx.TransactionView:
    return tx.add_transaction(book.owner, tx.TransactionInput(
        account_id, day, "-5.25", "Starbucks coffee", "typed in at the till"))


def test_a_row_matching_a_hand_entered_transaction_is_skipped_and_explained(small_book: Any
                                                                            ) -> None:
    usd = new_account(small_book, "Chase", "USD")
    manual = _hand_entered_starbucks(small_book, usd.id, dt.date(2024, 1, 8))  # file: Jan 5

    result = run(small_book, "quirks/overlap_a.csv", [usd.id])

    [likely] = result.likely_duplicates
    assert (likely.line, likely.date, likely.amount, likely.currency, likely.existing_id) == (
        3, dt.date(2024, 1, 5), Decimal("-5.25"), "USD", manual.id)
    assert likely.reason == (f"same account and amount as transaction #{manual.id} "
                             "(Starbucks coffee, 2024-01-08), 3 day(s) apart")
    assert (result.imported, result.duplicates) == (7, 1)
    assert result.totals == {"USD": Decimal("342.17") + Decimal("5.25")}
    stored = rows_of(small_book, usd.id)
    assert [r for r in stored if r[1] == -525] == [
        (dt.date(2024, 1, 8), -525, "Starbucks coffee", "typed in at the till")]


def test_a_likely_duplicate_is_imported_when_its_line_is_confirmed(small_book: Any) -> None:
    usd = new_account(small_book, "Chase", "USD")
    _hand_entered_starbucks(small_book, usd.id, dt.date(2024, 1, 5))

    result = run(small_book, "quirks/overlap_a.csv", [usd.id],
                 import_likely_duplicates=frozenset({3}))

    assert [d.line for d in result.likely_duplicates] == [3]
    assert "the same day" in result.likely_duplicates[0].reason
    assert (result.imported, result.duplicates) == (8, 0)
    assert sorted(r[2] for r in rows_of(small_book, usd.id) if r[1] == -525) == [
        "", "Starbucks coffee"]


@pytest.mark.parametrize(("day", "amount", "likely"), [
    (dt.date(2024, 1, 2), "-5.25", True),   # 3 days before
    (dt.date(2024, 1, 1), "-5.25", False),  # 4 days before
    (dt.date(2024, 1, 9), "-5.25", False),  # 4 days after
    (dt.date(2024, 1, 5), "-5.26", False),  # another amount
])
def test_likely_duplicates_need_the_same_amount_within_three_days(
        small_book: Any, day: dt.date, amount: str, likely: bool) -> None:
    usd = new_account(small_book, "Chase", "USD")
    tx.add_transaction(small_book.owner, tx.TransactionInput(usd.id, day, amount, "Starbucks"))

    result = run(small_book, "quirks/overlap_a.csv", [usd.id], dry_run=True)

    assert [d.line for d in result.likely_duplicates] == ([3] if likely else [])
    assert result.imported == (7 if likely else 8)


def test_one_hand_entered_transaction_explains_only_one_of_two_identical_rows(
        small_book: Any) -> None:
    # Two coffees of 5.25 on one statement; only one of them was typed in by hand.
    statement = csv_bytes("Date,Description,Amount", "2024-01-05,Starbucks,-5.25",
                          "2024-01-05,Starbucks,-5.25")
    usd = new_account(small_book, "Chase", "USD")
    manual = _hand_entered_starbucks(small_book, usd.id, dt.date(2024, 1, 5))

    result = import_statement(small_book.owner, statement, "jan.csv", [usd.id])

    assert [(d.line, d.existing_id) for d in result.likely_duplicates] == [(2, manual.id)]
    assert (result.imported, result.duplicates) == (1, 1)


def test_each_hand_entered_transaction_goes_to_the_row_with_the_closest_date(
        small_book: Any) -> None:
    statement = csv_bytes("Date,Description,Amount", "2024-01-03,Starbucks,-5.25",
                          "2024-01-06,Starbucks,-5.25")
    usd = new_account(small_book, "Chase", "USD")
    jan5 = _hand_entered_starbucks(small_book, usd.id, dt.date(2024, 1, 5))  # 2 and 1 day(s)
    jan2 = _hand_entered_starbucks(small_book, usd.id, dt.date(2024, 1, 2))  # 1 and 4 days

    result = import_statement(small_book.owner, statement, "jan.csv", [usd.id], dry_run=True)

    assert [(d.line, d.existing_id) for d in result.likely_duplicates] == [
        (2, jan2.id), (3, jan5.id)]
    assert result.imported == 0


def test_a_hand_entered_transaction_in_another_account_is_not_a_likely_duplicate(
        small_book: Any) -> None:
    usd = new_account(small_book, "Chase", "USD")
    tx.add_transaction(small_book.owner, tx.TransactionInput(
        small_book.card.id, dt.date(2024, 1, 5), "-5.25", "Starbucks"))

    result = run(small_book, "quirks/overlap_a.csv", [usd.id])

    assert (result.likely_duplicates, result.imported) == ([], 8)


# --- all or nothing -----------------------------------------------------------------------

WITH_BAD_ROWS = csv_bytes(
    "Date,Description,Amount",
    "2024-01-02,GOOD ONE,-1.00",
    "2024-01-03,BAD AMOUNT,abc",
    "2024-13-45,BAD DATE,-2.00",
    "2024-01-05,GOOD TWO,3.00",
)
BAD_ROWS = [RowError(3, "amount is not a number: Amount='abc'"),
            RowError(4, "date '2024-13-45' is not a date in the format YYYY-MM-DD")]


def test_by_default_one_invalid_row_rejects_the_whole_file_and_writes_nothing(
        small_book: Any, snapshot: Callable[..., Any]) -> None:
    before = snapshot(small_book.db)

    result = import_statement(small_book.owner, WITH_BAD_ROWS, "bad.csv",
                              [small_book.checking.id])

    assert result.rejected is True
    assert (result.rows, result.imported, result.batch_id, result.totals) == (4, 0, None, {})
    assert result.invalid == BAD_ROWS
    assert result.as_json()["invalid"] == [
        {"line": 3, "error": "amount is not a number: Amount='abc'"},
        {"line": 4, "error": "date '2024-13-45' is not a date in the format YYYY-MM-DD"}]
    assert snapshot(small_book.db) == before


def test_skip_invalid_imports_the_valid_rows_and_reports_the_others(small_book: Any) -> None:
    acc = new_account(small_book, "Fresh", "EUR")

    result = import_statement(small_book.owner, WITH_BAD_ROWS, "bad.csv", [acc.id],
                              skip_invalid=True)

    assert result.rejected is False
    assert (result.rows, result.imported, result.duplicates) == (4, 2, 0)
    assert result.invalid == BAD_ROWS
    assert result.totals == {"EUR": Decimal("2.00")}
    assert rows_of(small_book, acc.id) == [(dt.date(2024, 1, 2), -100, "", "GOOD ONE"),
                                           (dt.date(2024, 1, 5), 300, "", "GOOD TWO")]
    [batch] = list_batches(small_book.owner)
    assert (batch.rows, batch.imported, batch.invalid) == (4, 2, 2)


def test_a_crash_in_the_middle_of_writing_leaves_no_row_and_no_batch(
        small_book: Any, snapshot: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    real_insert = batch_write._insert_rows

    def insert_some_then_crash(s: Any, book_id: int, batch_id: int, frame: Any,
                               say: Any) -> None:
        real_insert(s, book_id, batch_id, frame.iloc[:3], say)  # 3 rows are in the database
        raise OSError("disk full")

    monkeypatch.setattr(batch_write, "_insert_rows", insert_some_then_crash)
    before = snapshot(small_book.db)

    with pytest.raises(OSError, match="disk full"):
        run(small_book, "quirks/overlap_a.csv", [small_book.card.id])

    assert snapshot(small_book.db) == before


def test_a_failure_after_the_first_chunk_is_written_rolls_back_every_chunk(
        small_book: Any, snapshot: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch_write, "INSERT_CHUNK", 2)
    written: list[int] = []

    def progress(phase: str, done: int, total: int) -> None:
        if phase == "writing":
            written.append(done)
            if done == 4:  # two chunks are in the database
                raise KeyboardInterrupt

    before = snapshot(small_book.db)

    with pytest.raises(KeyboardInterrupt):
        run(small_book, "quirks/overlap_a.csv", [small_book.card.id], progress=progress)

    assert written == [2, 4]
    assert snapshot(small_book.db) == before


def test_small_chunks_store_every_row_once(small_book: Any, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    monkeypatch.setattr(batch_write, "INSERT_CHUNK", 3)
    usd = new_account(small_book, "Chase", "USD")
    phases: list[tuple[str, int, int]] = []

    result = run(small_book, "quirks/overlap_a.csv", [usd.id],
                 progress=lambda *p: phases.append(p))

    assert result.imported == 8
    assert [p for p in phases if p[0] == "writing"] == [("writing", 3, 8), ("writing", 6, 8),
                                                        ("writing", 8, 8)]
    assert len(rows_of(small_book, usd.id)) == 8


# --- batches --------------------------------------------------------------------------------


def test_list_batches_shows_file_hash_profile_and_counts(small_book: Any) -> None:
    usd = new_account(small_book, "Chase", "USD")
    data = load("banks/chase_checking.csv")

    result = import_statement(small_book.owner, data, "chase_checking.csv", [usd.id])
    [batch] = list_batches(small_book.owner)

    assert batch.id == result.batch_id
    assert (batch.filename, batch.sha256, batch.profile, batch.account) == (
        "chase_checking.csv", hashlib.sha256(data).hexdigest(), "chase_checking", "Chase")
    assert (batch.rows, batch.imported, batch.duplicates, batch.invalid, batch.remaining) == (
        17, 17, 0, 0, 17)
    assert isinstance(batch.created_at, dt.datetime)


def test_a_batch_into_several_accounts_names_no_single_account(small_book: Any) -> None:
    gbp = new_account(small_book, "GBP pot", "GBP")
    usd = new_account(small_book, "USD pot", "USD")
    run(small_book, "quirks/multi_currency.csv", [small_book.savings.id, gbp.id, usd.id])

    [batch] = list_batches(small_book.owner)

    assert (batch.account, batch.imported, batch.remaining) == (None, 7, 7)


def test_undo_removes_exactly_that_batchs_transactions(small_book: Any) -> None:
    usd = new_account(small_book, "Chase", "USD")
    manual_before = {a: rows_of(small_book, a) for a in
                     (small_book.checking.id, small_book.card.id, small_book.savings.id)}
    first = run(small_book, "quirks/overlap_a.csv", [usd.id])
    second = run(small_book, "quirks/overlap_b.csv", [usd.id])
    manual = tx.add_transaction(small_book.owner, tx.TransactionInput(
        usd.id, dt.date(2024, 1, 20), "-9.99", "Hand-entered"))
    assert first.batch_id is not None
    assert second.batch_id is not None

    removed = undo_batch(small_book.owner, first.batch_id)

    assert removed == 8
    left = rows_of(small_book, usd.id)
    assert [d.isoformat() for d, *_ in left] == [
        "2024-01-20", "2024-01-22", "2024-01-26", "2024-01-29", "2024-02-01", "2024-02-03"]
    assert left[0] == (manual.date, -999, "Hand-entered", "")
    assert [b.id for b in list_batches(small_book.owner)] == [second.batch_id]
    assert {a: rows_of(small_book, a) for a in manual_before} == manual_before
    with pytest.raises(NotFound):
        undo_batch(small_book.owner, first.batch_id)


def test_after_undo_the_same_file_imports_again(small_book: Any) -> None:
    usd = new_account(small_book, "Chase", "USD")
    first = run(small_book, "quirks/overlap_a.csv", [usd.id])
    assert first.batch_id is not None
    undo_batch(small_book.owner, first.batch_id)

    again = run(small_book, "quirks/overlap_a.csv", [usd.id])

    assert (again.imported, again.duplicates) == (8, 0)


def test_list_batches_counts_rows_still_in_the_book(small_book: Any) -> None:
    usd = new_account(small_book, "Chase", "USD")
    result = run(small_book, "quirks/overlap_a.csv", [usd.id])
    with small_book.db.read() as s:
        one = s.scalar(select(Transaction.id).where(
            Transaction.import_batch_id == result.batch_id).limit(1))
    tx.delete_transaction(small_book.owner, one)

    [batch] = list_batches(small_book.owner)

    assert (batch.imported, batch.remaining) == (8, 7)


# --- several currencies ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["quirks/multi_currency.csv", "banks/revolut.csv"])
def test_each_row_lands_in_the_account_of_its_currency(small_book: Any, name: str) -> None:
    spec = EXPECTED[name]
    pots = {c: new_account(small_book, f"Pot {c}", c) for c in ("EUR", "GBP", "USD")}

    result = run(small_book, name, [a.id for a in pots.values()])

    assert (result.imported, result.invalid, result.missing_currencies) == (
        spec["count"], [], [])
    expected = {c: Decimal(v) for c, v in spec["sums"].items()}
    assert result.totals == expected
    assert {c: total(small_book, a.id) for c, a in pots.items()} == expected
    with small_book.db.read() as s:
        for ccy, acc in pots.items():
            currencies = set(s.scalars(select(Transaction.currency)
                                       .where(Transaction.account_id == acc.id)))
            assert currencies == {ccy}


def test_multi_currency_counts_per_account(small_book: Any) -> None:
    pots = {c: new_account(small_book, f"Pot {c}", c) for c in ("USD", "EUR", "GBP")}

    run(small_book, "quirks/multi_currency.csv", [a.id for a in pots.values()])

    assert {c: [r[3] for r in rows_of(small_book, a.id)] for c, a in pots.items()} == {
        "EUR": ["Salary", "Supermarkt", "Rent"], "GBP": ["Pub London", "Train ticket"],
        "USD": ["Hotel New York", "Refund NYC"]}


def test_rows_in_a_currency_without_a_chosen_account_are_invalid(
        small_book: Any, snapshot: Callable[..., Any]) -> None:
    gbp = new_account(small_book, "Pot GBP", "GBP")
    before = snapshot(small_book.db)

    result = run(small_book, "quirks/multi_currency.csv", [small_book.savings.id, gbp.id])

    assert result.missing_currencies == ["USD"]
    assert result.invalid == [RowError(3, "no chosen account in USD"),
                              RowError(6, "no chosen account in USD")]
    assert (result.rejected, result.imported, result.totals) == (True, 0, {})
    assert snapshot(small_book.db) == before

    kept = run(small_book, "quirks/multi_currency.csv", [small_book.savings.id, gbp.id],
               skip_invalid=True)

    assert (kept.imported, kept.totals) == (5, {"EUR": Decimal("1838.83"),
                                               "GBP": Decimal("-82.40")})


# --- saved mappings -------------------------------------------------------------------------

SIMILAR_AMBIGUOUS = csv_bytes("Date,Description,Amount", "07/08/2024,PAYMENT 7,-1.00",
                              "09/10/2024,PAYMENT 8,-2.00")


def test_a_mapping_given_once_is_saved_for_the_account_and_used_next_time(small_book: Any
                                                                          ) -> None:
    gbp = new_account(small_book, "Barclays", "GBP")
    first = run(small_book, "quirks/dates_ambiguous.csv", [gbp.id],
                options=Mapping(date_order="dmy"))
    assert (first.imported, first.date_min, first.date_max) == (
        6, dt.date(2024, 2, 2), dt.date(2024, 6, 1))
    with small_book.db.read() as s:
        [saved] = s.scalars(select(ImportProfile).where(
            ImportProfile.book_id == small_book.owner.book_id))
        assert (saved.account_id, saved.name) == (gbp.id, f"account-{gbp.id}")
        assert json.loads(saved.mapping)["date_order"] == "dmy"

    second = import_statement(small_book.owner, SIMILAR_AMBIGUOUS, "may.csv", [gbp.id])

    assert (second.imported, second.invalid) == (2, [])
    assert [r[0] for r in rows_of(small_book, gbp.id)[-2:]] == [dt.date(2024, 8, 7),
                                                                dt.date(2024, 10, 9)]


def test_a_saved_mapping_belongs_to_its_account_only(small_book: Any) -> None:
    gbp = new_account(small_book, "Barclays", "GBP")
    other = new_account(small_book, "Other GBP", "GBP")
    run(small_book, "quirks/dates_ambiguous.csv", [gbp.id], options=Mapping(date_order="dmy"))

    with pytest.raises(MappingError) as err:
        import_statement(small_book.owner, SIMILAR_AMBIGUOUS, "may.csv", [other.id])

    assert err.value.field == "date_order"


@pytest.mark.parametrize(("first", "then"), [
    ("quirks/overlap_a.csv", "banks/chase_checking.csv"),
    ("banks/chase_checking.csv", "quirks/overlap_a.csv"),
])
def test_a_saved_mapping_that_does_not_fit_the_next_file_is_not_used(
        small_book: Any, first: str, then: str) -> None:
    """An account's next file may be another kind of export: its own columns still count."""
    usd = new_account(small_book, "Chase", "USD")
    run(small_book, first, [usd.id])

    result = run(small_book, then, [usd.id])

    spec = EXPECTED[then]
    assert (result.profile, result.imported, result.invalid) == (
        spec["profile"], spec["count"], [])
    assert result.totals == {c: Decimal(v) for c, v in spec["sums"].items()}


def test_a_dry_run_or_a_rejected_file_saves_no_mapping(small_book: Any) -> None:
    gbp = new_account(small_book, "Barclays", "GBP")
    run(small_book, "quirks/dates_ambiguous.csv", [gbp.id], options=Mapping(date_order="dmy"),
        dry_run=True)
    rejected = import_statement(small_book.owner, WITH_BAD_ROWS, "bad.csv", [gbp.id],
                                options=Mapping(date_order="ymd"))
    assert rejected.rejected is True
    with small_book.db.read() as s:
        assert s.scalar(select(func.count()).select_from(ImportProfile)) == 0


def test_explicit_column_roles_are_remembered(small_book: Any) -> None:
    acc = new_account(small_book, "Odd bank", "EUR")
    odd = csv_bytes("When,What,Value,Running", "2024-05-01,Bakery,-3.20,96.80",
                    "2024-05-02,Salary,1000.00,1096.80")
    first = import_statement(small_book.owner, odd, "odd.csv", [acc.id],
                             options=Mapping(date="When", amount="Value", description=("What",)))
    assert first.totals == {"EUR": Decimal("996.80")}

    later = csv_bytes("When,What,Value,Running", "2024-06-01,Bakery,-4.10,992.70")
    second = import_statement(small_book.owner, later, "odd2.csv", [acc.id])

    assert (second.imported, second.totals) == (1, {"EUR": Decimal("-4.10")})
    assert rows_of(small_book, acc.id)[-1] == (dt.date(2024, 6, 1), -410, "", "Bakery")


# --- rows that cannot be stored -----------------------------------------------------------


def test_rows_dated_in_the_future_are_invalid(today: dt.date, small_book: Any) -> None:
    tomorrow = today + dt.timedelta(days=1)
    data = csv_bytes("Date,Description,Amount", f"{today.isoformat()},TODAY,-1.00",
                     f"{tomorrow.isoformat()},TOMORROW,-2.00")

    result = import_statement(small_book.owner, data, "f.csv", [small_book.checking.id],
                              skip_invalid=True)

    assert result.invalid == [RowError(3, f"date {tomorrow.isoformat()} is in the future")]
    assert result.imported == 1


def test_importing_into_a_closed_account_is_refused(small_book: Any,
                                                    snapshot: Callable[..., Any]) -> None:
    accounts.close_account(small_book.owner, small_book.savings.id, dt.date(2024, 6, 30))
    before = snapshot(small_book.db)

    with pytest.raises(ValidationError) as err:
        run(small_book, "quirks/overlap_a.csv", [small_book.savings.id])

    assert err.value.field == "account"
    assert err.value.message == "account 'Tagesgeld' is closed"
    assert snapshot(small_book.db) == before


def test_an_amount_finer_than_the_currency_allows_is_an_invalid_row(small_book: Any) -> None:
    yen = new_account(small_book, "Tokyo", "JPY")
    data = csv_bytes("Date,Description,Amount", "2024-04-01,RAMEN,-1200",
                     "2024-04-02,ODD,12.50", "2024-04-03,SUSHI,-3400.00")

    rejected = import_statement(small_book.owner, data, "jp.csv", [yen.id])
    kept = import_statement(small_book.owner, data, "jp.csv", [yen.id], skip_invalid=True)

    assert rejected.invalid == [RowError(3, "amount 12.5 has more decimals than JPY allows")]
    assert rejected.rejected is True
    assert kept.totals == {"JPY": Decimal("-4600")}
    assert [r[1] for r in rows_of(small_book, yen.id)] == [-1200, -3400]


def test_an_amount_too_large_to_store_is_an_invalid_row_not_a_wrong_number(small_book: Any
                                                                           ) -> None:
    acc = new_account(small_book, "Huge", "USD")
    data = csv_bytes("Date,Description,Amount", "2024-04-01,OK,-12.00",
                     "2024-04-02,HUGE,9999999999999.99", "2024-04-03,OK TOO,1.00")

    result = import_statement(small_book.owner, data, "big.csv", [acc.id], skip_invalid=True)

    assert [e.line for e in result.invalid] == [3]
    assert [r[1] for r in rows_of(small_book, acc.id)] == [-1200, 100]


def test_zero_amount_rows_are_not_transactions(small_book: Any) -> None:
    acc = new_account(small_book, "Card", "USD")
    data = csv_bytes("Date,Description,Amount", "2024-04-01,CARD CHECK,0.00",
                     "2024-04-02,COFFEE,-3.00")

    result = import_statement(small_book.owner, data, "z.csv", [acc.id])

    assert (result.imported, result.invalid) == (1, [])
    assert rows_of(small_book, acc.id) == [(dt.date(2024, 4, 2), -300, "", "COFFEE")]


# --- rules ----------------------------------------------------------------------------------


def test_rules_categorise_and_tag_the_imported_rows(small_book: Any) -> None:
    groceries = small_book.categories["Groceries"]
    create_rule(small_book.owner, RuleSpec(
        "REWE is groceries", (Condition("payee", "contains", "REWE"),),
        (Action("set_category", groceries), Action("add_tags", "food"))))
    acc = new_account(small_book, "Giro 2", "EUR")
    data = csv_bytes("Date,Payee,Description,Amount", "2024-04-01,REWE Markt Berlin,Einkauf,-23.45",
                     "2024-04-02,Bäckerei,Brot,-3.10")

    result = import_statement(small_book.owner, data, "rewe.csv", [acc.id])

    assert result.imported == 2
    with small_book.db.read() as s:
        stored = [(t.payee, t.category_id, t.tags) for t in s.scalars(
            select(Transaction).where(Transaction.account_id == acc.id).order_by(Transaction.id))]
    assert stored == [("REWE Markt Berlin", groceries, ",food,"), ("Bäckerei", None, "")]


def test_a_payee_renamed_by_a_rule_is_still_recognised_on_reimport(small_book: Any) -> None:
    create_rule(small_book.owner, RuleSpec(
        "Tidy Safeway", (Condition("description", "starts_with", "SAFEWAY"),),
        (Action("rename_payee", "Safeway"),)))
    usd = new_account(small_book, "Chase", "USD")
    run(small_book, "quirks/overlap_a.csv", [usd.id])

    again = run(small_book, "quirks/overlap_b.csv", [usd.id])

    assert (again.imported, again.duplicates) == (5, 4)
    assert [r[2] for r in rows_of(small_book, usd.id) if "SAFEWAY" in r[3]] == ["Safeway"] * 2


def test_a_preview_shows_what_the_rules_will_do(small_book: Any) -> None:
    groceries = small_book.categories["Groceries"]
    create_rule(small_book.owner, RuleSpec(
        "Safeway", (Condition("description", "contains", "safeway"),),
        (Action("set_category", groceries),)))

    preview = run(small_book, "quirks/overlap_a.csv", [small_book.card.id], dry_run=True)

    assert preview.preview is not None
    filed = preview.preview.loc[preview.preview["category_id"].notna(), "description"]
    assert filed.tolist() == ["SAFEWAY #1234"]


# --- who may import -------------------------------------------------------------------------


def test_a_viewer_cannot_import_but_can_preview(small_book: Any,
                                                snapshot: Callable[..., Any]) -> None:
    data = load("quirks/overlap_a.csv")
    before = snapshot(small_book.db)

    with pytest.raises(PermissionDenied, match="viewer"):
        import_statement(small_book.viewer, data, "a.csv", [small_book.card.id])
    preview = import_statement(small_book.viewer, data, "a.csv", [small_book.card.id],
                               dry_run=True)

    assert (preview.dry_run, preview.imported, preview.batch_id) == (True, 8, None)
    assert preview.preview is not None
    assert len(preview.preview) == 8
    assert snapshot(small_book.db) == before


def test_a_dry_run_reports_what_it_would_import_and_writes_nothing(
        small_book: Any, snapshot: Callable[..., Any]) -> None:
    before = snapshot(small_book.db)

    preview = run(small_book, "banks/chase_checking.csv", [small_book.card.id], dry_run=True)

    assert (preview.imported, preview.profile, preview.totals) == (
        17, "chase_checking", {"USD": Decimal("1917.64")})
    assert snapshot(small_book.db) == before


def test_a_member_of_another_book_cannot_import_into_or_undo_in_this_book(
        small_book: Any, snapshot: Callable[..., Any]) -> None:
    data = load("quirks/overlap_a.csv")
    result = import_statement(small_book.owner, data, "a.csv", [small_book.card.id])
    assert result.batch_id is not None
    before = snapshot(small_book.db)

    with pytest.raises(NotFound) as err:
        import_statement(small_book.other, data, "a.csv", [small_book.card.id])
    assert err.value.ident == small_book.card.id
    with pytest.raises(NotFound):
        import_statement(small_book.other, data, "a.csv", [small_book.card.id], dry_run=True)
    with pytest.raises(NotFound):
        import_statement(small_book.other, data, "a.csv",
                         [small_book.carol_account.id, small_book.card.id])
    with pytest.raises(NotFound):
        undo_batch(small_book.other, result.batch_id)

    assert list_batches(small_book.other) == []
    assert snapshot(small_book.db) == before


def test_a_viewer_cannot_undo_but_sees_the_batches(small_book: Any,
                                                   snapshot: Callable[..., Any]) -> None:
    result = run(small_book, "quirks/overlap_a.csv", [small_book.card.id])
    assert result.batch_id is not None
    before = snapshot(small_book.db)

    with pytest.raises(PermissionDenied, match="viewer"):
        undo_batch(small_book.viewer, result.batch_id)

    assert [b.id for b in list_batches(small_book.viewer)] == [result.batch_id]
    assert snapshot(small_book.db) == before


def test_an_import_needs_an_account(small_book: Any) -> None:
    with pytest.raises(ValidationError) as err:
        run(small_book, "quirks/overlap_a.csv", [])
    assert err.value.field == "account"


# --- what is stored is what the file says ---------------------------------------------------


def test_formula_like_descriptions_are_stored_exactly(small_book: Any) -> None:
    spec = EXPECTED["quirks/formula_descriptions.csv"]
    acc = new_account(small_book, "Formulas", "USD")

    run(small_book, "quirks/formula_descriptions.csv", [acc.id])

    stored = [r[3] for r in rows_of(small_book, acc.id)]
    assert stored == [*spec["formula_texts"], spec["tab_text"], "ORDINARY PAYEE"]
    assert stored[0] == "=SUM(A1:A10)"
    assert stored[6] == "\t=1+1 TAB LEADING"


# --- size limit -----------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_rejected_with_a_clear_message(
        small_book: Any, snapshot: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    data = load("quirks/overlap_a.csv")
    monkeypatch.setattr(service, "MAX_BYTES", len(data) - 1)
    before = snapshot(small_book.db)

    with pytest.raises(ValidationError) as err:
        import_statement(small_book.owner, data, "overlap_a.csv", [small_book.card.id])

    assert err.value.field == "file"
    assert err.value.message.startswith("overlap_a.csv is larger than the ")
    assert f"({len(data):,} bytes)" in err.value.message
    assert snapshot(small_book.db) == before


def test_a_file_exactly_at_the_size_limit_is_accepted(small_book: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    data = load("quirks/overlap_a.csv")
    monkeypatch.setattr(service, "MAX_BYTES", len(data))

    result = import_statement(small_book.owner, data, "overlap_a.csv", [small_book.card.id])

    assert result.imported == 8


def test_the_limit_is_200_mb_and_the_message_says_so(small_book: Any) -> None:
    class Huge(bytes):  # as long as a 200 MB file, without allocating one
        def __len__(self) -> int:
            return 200 * 1024 * 1024 + 1

    with pytest.raises(ValidationError) as err:
        import_statement(small_book.owner, Huge(b"x"), "big.csv", [small_book.card.id])

    assert err.value.message == "big.csv is larger than the 200 MB limit (209,715,201 bytes)"


# --- the batch record ---------------------------------------------------------------------


def test_the_batch_row_records_who_imported_what(small_book: Any) -> None:
    data = load("quirks/overlap_b.csv")
    usd = new_account(small_book, "Chase", "USD")
    run(small_book, "quirks/overlap_a.csv", [usd.id])

    result = import_statement(small_book.owner, data, "overlap_b.csv", [usd.id])

    with small_book.db.read() as s:
        batch = s.get(ImportBatch, result.batch_id)
        assert batch is not None
        assert (batch.book_id, batch.account_id, batch.filename, batch.sha256, batch.rows,
                batch.imported, batch.duplicates, batch.invalid, batch.created_by) == (
            small_book.owner.book_id, usd.id, "overlap_b.csv", hashlib.sha256(data).hexdigest(),
            9, 5, 4, 0, small_book.owner.user_id)
        assert s.scalar(select(func.count()).select_from(Transaction).where(
            Transaction.import_batch_id == result.batch_id)) == 5


def test_rows_dated_before_the_account_was_opened_import_with_a_warning(small_book) -> None:  # type: ignore[no-untyped-def]
    """A statement older than the account (another account's file, most likely) is said."""
    old = b"Date,Description,Amount\n2023-11-30,Old shop,-5.00\n2024-01-02,New shop,-6.00\n"
    result = import_statement(small_book.owner, old, "old.csv", [small_book.checking.id],
                              dry_run=True)
    assert result.imported == 2
    assert result.warnings == ["1 row(s) are dated before 'Girokonto' was opened (2024-01-01), "
                               "the earliest 2023-11-30"]
    recent = b"Date,Description,Amount\n2024-01-02,New shop,-6.00\n"
    assert import_statement(small_book.owner, recent, "new.csv", [small_book.checking.id],
                            dry_run=True).warnings == []
