"""Importing bank-format statements (CAMT, MT940, OFX with several accounts) into a book:
rows routed by the account the file names, bank transaction ids as the duplicate key, pending
entries skipped, and the same undo as every import. Dedup by bank id runs on SQLite and on
PostgreSQL (``any_db``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import inspect, select, update
from sqlalchemy.exc import IntegrityError

from fintrack_core.access import Scope
from fintrack_core.db.engine import Database
from fintrack_core.db.models import Transaction
from fintrack_core.db.schema import alembic_config, upgrade
from fintrack_core.errors import ValidationError
from fintrack_core.imports.routing import account_keys, ref_keys
from fintrack_core.imports.service import ImportResult, import_statement, undo_batch
from fintrack_core.imports.statement import RowError
from fintrack_core.ledger import accounts, books, users
from fintrack_core.ledger.accounts import AccountView

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "statements"
OPENED = dt.date(2023, 1, 1)
OFX_TWO = "ofx/chase_two_accounts_fitid.ofx"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def owner(db: Database) -> Scope:
    alice = users.create_user(db, "alice", "wonderland-42", "Alice", base_currency="EUR")
    return Scope(db, alice.id, books.list_books(db, alice.id)[0].id)


def account(scope: Scope, name: str, currency: str, number: str = "") -> AccountView:
    return accounts.create_account(scope, name, "checking", currency, "0", OPENED,
                                   number=number)


def run(scope: Scope, data: bytes | str, ids: list[int], **kwargs: Any) -> ImportResult:
    raw = load(data) if isinstance(data, str) else data
    name = Path(data).name if isinstance(data, str) else "statement"
    return import_statement(scope, raw, name, ids, **kwargs)


def stored(scope: Scope, account_id: int) -> list[tuple[str, int, str | None]]:
    with scope.db.read() as s:
        return [(t.date.isoformat(), t.amount_minor, t.external_id) for t in s.scalars(
            select(Transaction).where(Transaction.account_id == account_id)
            .order_by(Transaction.date, Transaction.id))]


def ofx(*transactions: tuple[str, str, str, str]) -> bytes:
    """A one-account OFX 2 file; each transaction is (YYYYMMDD, amount, FITID, name)."""
    body = "".join(f"<STMTTRN><TRNTYPE>DEBIT</TRNTYPE><DTPOSTED>{d}</DTPOSTED><TRNAMT>{a}"
                   f"</TRNAMT><FITID>{f}</FITID><NAME>{n}</NAME></STMTTRN>\n"
                   for d, a, f, n in transactions)
    return ('<?xml version="1.0"?>\n<?OFX OFXHEADER="200" VERSION="220"?>\n<OFX><BANKMSGSRSV1>'
            "<STMTTRNRS><STMTRS><CURDEF>USD</CURDEF><BANKACCTFROM><BANKID>1</BANKID>"
            "<ACCTID>555</ACCTID><ACCTTYPE>CHECKING</ACCTTYPE></BANKACCTFROM><BANKTRANLIST>\n"
            + body + "</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n").encode()


# --- bank ids as the duplicate key (SQLite and PostgreSQL) --------------------------------


def test_reimporting_a_file_with_fitids_is_all_duplicates(any_db: Database) -> None:
    scope = owner(any_db)
    checking = account(scope, "Checking", "USD", "000123456789")
    savings = account(scope, "Savings", "USD", "0009 8765 4321")  # written in groups
    first = run(scope, OFX_TWO, [checking.id, savings.id])
    assert (first.imported, first.duplicates) == (7, 0)

    again = run(scope, OFX_TWO, [checking.id, savings.id])

    assert (again.imported, again.duplicates, again.batch_id) == (0, 7, None)
    assert stored(scope, savings.id) == [("2024-08-16", 30000, "S202408160001"),
                                         ("2024-08-31", 123, "S202408310001")]


def test_identical_payments_with_different_fitids_both_import_in_any_file(
        any_db: Database) -> None:
    scope = owner(any_db)
    usd = account(scope, "Checking", "USD")
    run(scope, ofx(("20240802", "-4.50", "C-1", "STARBUCKS")), [usd.id])

    # The second coffee arrives in the next download with the first: only it is new, and a
    # download holding only the second coffee would find it new too (a fingerprint cannot).
    later = run(scope, ofx(("20240802", "-4.50", "C-1", "STARBUCKS"),
                           ("20240802", "-4.50", "C-2", "STARBUCKS")), [usd.id])
    alone = run(scope, ofx(("20240802", "-4.50", "C-2", "STARBUCKS")), [usd.id], dry_run=True)

    assert (later.imported, later.duplicates) == (1, 1)
    assert (alone.imported, alone.duplicates) == (0, 1)
    assert stored(scope, usd.id) == [("2024-08-02", -450, "C-1"), ("2024-08-02", -450, "C-2")]


def test_an_overlapping_file_imports_only_the_new_bank_ids(any_db: Database) -> None:
    scope = owner(any_db)
    usd = account(scope, "Checking", "USD")
    run(scope, ofx(("20240801", "-10.00", "A", "SHOP"), ("20240802", "-20.00", "B", "SHOP")),
        [usd.id])

    # The bank renamed the payee of B since: the id still recognises it.
    result = run(scope, ofx(("20240802", "-20.00", "B", "SHOP INC"),
                            ("20240803", "-30.00", "C", "SHOP")), [usd.id])

    assert (result.imported, result.duplicates) == (1, 1)
    assert [e for _, _, e in stored(scope, usd.id)] == ["A", "B", "C"]


def test_the_database_refuses_a_second_row_with_the_same_bank_id(any_db: Database) -> None:
    scope = owner(any_db)
    usd = account(scope, "Checking", "USD")
    run(scope, ofx(("20240801", "-10.00", "A", "SHOP")), [usd.id])

    with pytest.raises(IntegrityError), any_db.write() as s:
        s.add(Transaction(book_id=scope.book_id, account_id=usd.id, date=dt.date(2024, 8, 9),
                          amount_minor=-100, currency="USD", external_id="A"))


def test_a_bank_id_repeated_within_a_file_falls_back_to_the_fingerprint(db: Database) -> None:
    scope = owner(db)
    usd = account(scope, "Checking", "USD")

    result = run(scope, ofx(("20240801", "-10.00", "X", "SHOP"),
                            ("20240805", "-99.00", "X", "OTHER")), [usd.id])

    assert result.imported == 2
    assert result.warnings == ["1 row(s) repeat a bank transaction id used earlier in this "
                               "file (first on line 5); they are checked for duplicates by "
                               "their content instead"]
    assert stored(scope, usd.id) == [("2024-08-01", -1000, "X"), ("2024-08-05", -9900, None)]
    assert run(scope, ofx(("20240801", "-10.00", "X", "SHOP"),
                          ("20240805", "-99.00", "X", "OTHER")), [usd.id]).duplicates == 2


def test_rows_stored_without_bank_ids_are_recognised_by_fingerprint(db: Database) -> None:
    scope = owner(db)
    usd = account(scope, "Checking", "USD")
    run(scope, ofx(("20240801", "-10.00", "A", "SHOP")), [usd.id])
    with db.write() as s:  # as imported before bank ids were stored
        s.execute(update(Transaction).values(external_id=None))

    assert run(scope, ofx(("20240801", "-10.00", "A", "SHOP")), [usd.id]).duplicates == 1


# --- routing by the account the file names ---------------------------------------------


def test_several_accounts_route_by_number_and_the_preview_shows_where(db: Database) -> None:
    scope = owner(db)
    current = account(scope, "Betaalrekening", "EUR", "NL91 ABNA 0417 1643 00")
    savings = account(scope, "Spaarrekening", "EUR", "nl02abna0123456789")

    preview = run(scope, "camt/nl_camt053_v08_two_accounts.xml", [savings.id, current.id],
                  dry_run=True)

    assert preview.unmatched_accounts == []
    frame = preview.preview
    assert frame is not None
    assert frame["account_id"].tolist() == [current.id] * 4 + [savings.id] * 2
    result = run(scope, "camt/nl_camt053_v08_two_accounts.xml", [savings.id, current.id])
    assert result.imported == 6
    assert [a for _, a, _ in stored(scope, savings.id)] == [50000, 833]


def test_an_unmatched_account_is_named_and_nothing_is_written(db: Database) -> None:
    scope = owner(db)
    checking = account(scope, "Checking", "USD", "000123456789")
    other = account(scope, "Other", "USD")  # no number: cannot be told to be the savings

    preview = run(scope, OFX_TWO, [checking.id, other.id], dry_run=True)
    result = run(scope, OFX_TWO, [checking.id, other.id], skip_invalid=True)

    assert preview.unmatched_accounts == ["000987654321"]
    assert preview.invalid[0] == RowError(104, "account 000987654321 of the file: no chosen "
                                               "account has this number (IBAN)")
    assert (result.rejected, result.imported, result.batch_id) == (True, 0, None)
    assert stored(scope, checking.id) == []


def test_two_chosen_accounts_with_the_same_number_are_ambiguous(db: Database) -> None:
    scope = owner(db)
    a = account(scope, "Giro A", "EUR", "DE89370400440532013000")
    b = account(scope, "Giro B", "EUR", "DE89 3704 0044 0532 0130 00")

    preview = run(scope, "camt/de_camt052_v06_intraday.xml", [a.id, b.id], dry_run=True)

    assert preview.unmatched_accounts == ["DE89370400440532013000"]
    assert "several chosen accounts in EUR could take its rows (Giro A, Giro B)" in (
        preview.invalid[0].error)


def test_a_single_account_file_goes_to_the_chosen_account_without_a_number(
        db: Database) -> None:
    scope = owner(db)
    giro = account(scope, "Giro", "EUR")

    result = run(scope, "camt/sparkasse_camt053_v02.xml", [giro.id])

    assert (result.imported, result.totals) == (6, {"EUR": Decimal("1854.18")})


def test_a_single_account_file_is_refused_for_an_account_with_another_number(
        db: Database) -> None:
    scope = owner(db)
    giro = account(scope, "Giro", "EUR", "DE12500105170648489890")

    result = run(scope, "camt/sparkasse_camt053_v02.xml", [giro.id])

    assert (result.rejected, result.unmatched_accounts) == (True, ["DE02120300000000202051"])


def test_mt940_blz_and_account_number_matches_the_german_iban(db: Database) -> None:
    scope = owner(db)
    giro = account(scope, "Giro", "EUR", "DE89370400440532013000")
    tagesgeld = account(scope, "Tagesgeld", "EUR", "DE62370400440532013001")

    result = run(scope, "mt940/volksbank_two_accounts.sta", [giro.id, tagesgeld.id])

    assert (result.imported, result.unmatched_accounts) == (4, [])
    assert [a for _, a, _ in stored(scope, tagesgeld.id)] == [25000, 187]


# --- the same preview, warnings and undo as every import ---------------------------------


def test_pending_entries_are_reported_as_skipped_and_undo_removes_the_batch(
        db: Database) -> None:
    scope = owner(db)
    giro = account(scope, "Giro", "EUR", "DE89370400440532013000")

    result = run(scope, "camt/de_camt052_v06_intraday.xml", [giro.id])

    assert (result.rows, result.imported, result.skipped[0].line) == (3, 2, 5)
    assert result.batch_id is not None
    assert undo_batch(scope, result.batch_id) == 2
    assert stored(scope, giro.id) == []
    assert run(scope, "camt/de_camt052_v06_intraday.xml", [giro.id]).imported == 2


def test_a_balance_mismatch_reaches_the_import_warnings(db: Database) -> None:
    scope = owner(db)
    giro = account(scope, "Giro", "EUR")
    data = load("mt940/commerzbank_de_cp1252.sta").replace(b"EUR3166,27", b"EUR3166,72")

    result = run(scope, data, [giro.id], dry_run=True)

    assert any("closing balance is 3166.72 EUR (difference 0.45 EUR)" in w
               for w in result.warnings)


def test_account_numbers_are_checked_when_set(db: Database) -> None:
    scope = owner(db)
    giro = account(scope, "Giro", "EUR", " DE89 3704 0044 0532 0130 00 ")
    assert giro.number == "DE89 3704 0044 0532 0130 00"

    with pytest.raises(ValidationError, match="letters and digits only"):
        accounts.update_account(scope, giro.id, number="DE89;DROP")
    assert accounts.update_account(scope, giro.id, number="").number == ""


def test_revision_0009_goes_down_and_up_keeping_the_partial_indexes(any_db: Database) -> None:
    cfg = alembic_config(any_db)
    with any_db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0008")
    assert "external_id" not in {c["name"] for c in inspect(any_db.engine).get_columns(
        "transactions")}
    partial = {i["name"] for i in inspect(any_db.engine).get_indexes("transactions")
               if i.get("dialect_options", {}).get(f"{any_db.engine.dialect.name}_where")
               is not None}
    assert partial == {"ix_transactions_category", "ix_transactions_import_batch",
                       "ix_transactions_transfer"}

    upgrade(any_db)

    scope = owner(any_db)
    usd = account(scope, "Checking", "USD", "555")
    assert run(scope, ofx(("20240801", "-10.00", "A", "SHOP")), [usd.id]).imported == 1


@pytest.mark.parametrize(("in_file", "on_account"), [
    ("DE89370400440532013000", "de89 3704 0044 0532 0130 00"),
    ("37040044/532013000", "DE89370400440532013000"),  # BLZ/Konto of a German IBAN
    ("NL91RABO0123456789 EUR", "NL91 RABO 0123 4567 89"),  # IBAN and currency in :25:
    ("062000 12345678", "062000-12345678"),
])
def test_how_a_file_account_matches_an_account_number(in_file: str, on_account: str) -> None:
    assert ref_keys(in_file) & account_keys(on_account)


@pytest.mark.parametrize(("in_file", "on_account"), [
    ("12345678", "062000 12345678"),  # a part of a number is not the number
    ("37040044/532013000", "DE89370400440532013001"),
])
def test_a_different_number_never_matches(in_file: str, on_account: str) -> None:
    assert not ref_keys(in_file) & account_keys(on_account)
