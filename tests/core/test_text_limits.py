"""One rule for the text of the ledger on every write path, and safe text on the terminal.

Before: an import stored a 31-million-character payee that ``tx add`` refused; ESC and BEL
from a statement were stored and printed raw by ``fintrack tx list``; account, category and
book names had no length limit or control-character check at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from fintrack_cli.main import app
from fintrack_core.db.models import Transaction
from fintrack_core.errors import ValidationError
from fintrack_core.filters import TransactionFilter
from fintrack_core.imports.service import import_statement
from fintrack_core.imports.statement import StatementError
from fintrack_core.ledger import accounts, books, categories
from fintrack_core.ledger import transactions as tx
from fintrack_core.ledger.search import list_transactions
from fintrack_core.rules import service as rules
from fintrack_core.text import clean_text, escape_controls

if TYPE_CHECKING:
    from tests.conftest import SmallBook

ESC, BEL = "\x1b", "\x07"
DAY = dt.date(2024, 3, 20)


def entry(sb: SmallBook, **changes: Any) -> tx.TransactionInput:
    values: dict[str, Any] = {"account_id": sb.checking.id, "date": DAY, "amount": "-23.45",
                              "payee": "Edeka"}
    values.update(changes)
    return tx.TransactionInput(**values)


def first_id(sb: SmallBook) -> int:
    return list_transactions(sb.owner, TransactionFilter()).rows[0].id


# --- the one check ------------------------------------------------------------------------


def test_clean_text_refuses_control_characters_naming_field_and_position() -> None:
    with pytest.raises(ValidationError) as err:
        clean_text(f"REWE{ESC}[31m", "payee", 200)
    assert str(err.value) == ("payee: contains the control character \\x1b at position 5; "
                              "remove it")


def test_clean_text_allows_line_breaks_only_where_text_may_span_lines() -> None:
    assert clean_text("line one\nline two\tend", "notes", 2000, multiline=True) == (
        "line one\nline two\tend")
    with pytest.raises(ValidationError, match="payee: contains the control character \\\\x0a"):
        clean_text("two\nlines", "payee", 200)


def test_escape_controls_makes_every_control_character_visible() -> None:
    assert escape_controls(f"a{ESC}[2Jb{BEL}\x9b\x00") == "a\\x1b[2Jb\\x07\\x9b\\x00"
    assert escape_controls("keep\nlines\there", keep_newlines=True) == "keep\nlines\there"


# --- every typed write path ------------------------------------------------------------------

WritePath = Callable[["SmallBook", str], object]

WRITE_PATHS: dict[str, tuple[WritePath, str, int]] = {
    "add payee": (lambda sb, v: tx.add_transaction(sb.owner, entry(sb, payee=v)), "payee", 200),
    "add description": (lambda sb, v: tx.add_transaction(sb.owner, entry(sb, description=v)),
                        "description", 2000),
    "add notes": (lambda sb, v: tx.add_transaction(sb.owner, entry(sb, notes=v)), "notes",
                  2000),
    "add tags": (lambda sb, v: tx.add_transaction(sb.owner, entry(sb, tags=[v])), "tags", 100),
    "edit payee": (lambda sb, v: tx.update_transaction(sb.owner, first_id(sb), payee=v),
                   "payee", 200),
    "edit notes": (lambda sb, v: tx.update_transaction(sb.owner, first_id(sb), notes=v),
                   "notes", 2000),
    "transfer description": (lambda sb, v: tx.transfer(
        sb.owner, sb.checking.id, sb.savings.id, "10", DAY, description=v), "description", 2000),
    "account name": (lambda sb, v: accounts.create_account(sb.owner, v, "cash", "EUR"), "name",
                     200),
    "account institution": (lambda sb, v: accounts.create_account(
        sb.owner, "Wallet", "cash", "EUR", institution=v), "institution", 200),
    "account rename": (lambda sb, v: accounts.update_account(sb.owner, sb.checking.id, name=v),
                       "name", 200),
    "category name": (lambda sb, v: categories.create_category(sb.owner, v, "expense"), "name",
                      100),
    "category rename": (lambda sb, v: categories.rename_category(
        sb.owner, sb.categories["Groceries"], v), "name", 100),
    "book name": (lambda sb, v: books.create_book(sb.db, sb.owner.user_id, v, "EUR"), "name",
                  200),
    "book rename": (lambda sb, v: books.update_book(sb.owner, name=v), "name", 200),
    "rule renames payee": (lambda sb, v: rules.create_rule(sb.owner, rules.RuleSpec(
        "r", (rules.Condition("payee", "contains", "x"),), (rules.Action("rename_payee", v),))),
        "payee", 200),
    "rule name": (lambda sb, v: rules.create_rule(sb.owner, rules.RuleSpec(
        v, (rules.Condition("payee", "contains", "x"),),
        (rules.Action("rename_payee", "X"),))), "name", 200),
}


@pytest.mark.parametrize(("write", "field", "limit"), list(WRITE_PATHS.values()),
                         ids=list(WRITE_PATHS))
def test_every_write_path_refuses_control_characters(small_book: SmallBook, write: WritePath,
                                                     field: str, limit: int,
                                                     snapshot: Callable[..., Any]) -> None:
    before = snapshot(small_book.db)
    with pytest.raises(ValidationError) as err:
        write(small_book, f"Edeka{ESC}]0;pwned{BEL}")
    assert err.value.field == field
    assert "control character \\x1b" in err.value.message
    assert snapshot(small_book.db) == before


@pytest.mark.parametrize(("write", "field", "limit"), list(WRITE_PATHS.values()),
                         ids=list(WRITE_PATHS))
def test_every_write_path_refuses_over_long_text(small_book: SmallBook, write: WritePath,
                                                 field: str, limit: int) -> None:
    with pytest.raises(ValidationError) as err:
        write(small_book, "x" * (limit + 1))
    assert err.value.field == field
    assert f"the limit is {limit}" in err.value.message


def test_text_at_the_limit_is_stored(small_book: SmallBook) -> None:
    t = tx.add_transaction(small_book.owner, entry(small_book, payee="P" * 200,
                                                   notes="line 1\nline 2"))
    assert (len(t.payee), t.notes) == (200, "line 1\nline 2")


# --- imports: control characters stripped, over-long values reported by line --------------


@pytest.fixture
def target(small_book: SmallBook) -> int:
    """An empty EUR account the statements go to."""
    return accounts.create_account(small_book.owner, "Imported", "checking", "EUR",
                                   opened_on=dt.date(2023, 1, 1)).id


def import_file(sb: SmallBook, account_id: int, data: bytes, name: str = "statement.csv",
                **kwargs: Any) -> Any:
    return import_statement(sb.owner, data, name, [account_id], **kwargs)


def stored_rows(sb: SmallBook, account_id: int) -> list[tuple[str, str]]:
    rows = list_transactions(sb.owner, TransactionFilter(account_ids=(account_id,))).rows
    return sorted((r.payee, r.description) for r in rows)


def test_import_strips_control_characters(small_book: SmallBook, target: int) -> None:
    result = import_file(small_book, target, (
        "Date,Payee,Description,Amount\n"
        f"2024-01-02,{ESC}[31mREWE{BEL} Markt{ESC}[0m,Card{ESC}]0;title{BEL},-12.50\n"
        f'2024-01-03,"Two\r\nLines","kept\r\nbreak",-1.00\n').encode())

    assert (result.imported, result.invalid) == (2, [])
    assert stored_rows(small_book, target) == [("Two Lines", "kept\nbreak"),
                                       ("[31mREWE Markt[0m", "Card]0;title")]


def test_import_strips_control_characters_from_qif_too(small_book: SmallBook,
                                                       target: int) -> None:
    qif = f"!Type:Bank\nD03/01/2024\nT-5.00\nPCAFE{ESC}[2J\nMmemo{BEL}\n^\n"
    import_file(small_book, target, qif.encode(), "s.qif")
    assert stored_rows(small_book, target) == [("CAFE[2J", "memo")]


def test_an_over_long_payee_is_an_invalid_row_with_its_line(small_book: SmallBook,
                                                            target: int) -> None:
    data = ("Date,Payee,Amount\n2024-01-02,REWE,-12.50\n"
            f"2024-01-03,{'P' * 300},-1.00\n2024-01-04,ALDI,-3.00\n").encode()

    refused = import_file(small_book, target, data)
    assert refused.rejected
    assert [(e.line, e.error) for e in refused.invalid] == [
        (3, "payee is 300 characters long; the limit is 200")]
    assert stored_rows(small_book, target) == []

    partial = import_file(small_book, target, data, skip_invalid=True)
    assert (partial.rows, partial.imported, len(partial.invalid)) == (3, 2, 1)
    assert stored_rows(small_book, target) == [("ALDI", ""), ("REWE", "")]


def test_a_31_million_character_payee_is_refused(small_book: SmallBook, target: int) -> None:
    data = b"Date,Payee,Amount\n2024-01-02," + b"P" * 31_000_000 + b",-1.00\n"
    with pytest.raises(StatementError, match="line 2 is 31,000,017 bytes long"):
        import_file(small_book, target, data, "huge.csv")
    assert stored_rows(small_book, target) == []


# --- the terminal -------------------------------------------------------------------------


def test_tx_list_shows_no_raw_control_characters(small_book: SmallBook,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A payee stored with ESC before imports stripped it: escaped on the screen."""
    t = tx.add_transaction(small_book.owner, entry(small_book, payee="ACME"))
    with small_book.db.write() as s:
        s.execute(update(Transaction).where(Transaction.id == t.id).values(
            payee=f"ACME{ESC}[2J{BEL}", description="C1\x9bhere"))
    monkeypatch.setenv("FINTRACK_DATABASE_URL", small_book.db.url)
    runner = CliRunner()

    table = runner.invoke(app, ["tx", "list", "--user", "alice"])
    as_json = runner.invoke(app, ["tx", "list", "--user", "alice", "--json"])

    assert table.exit_code == 0, table.output
    assert ESC not in table.stdout
    assert BEL not in table.stdout
    assert "\x9b" not in table.stdout
    assert "ACME\\x1b[2J\\x07" in table.stdout
    assert as_json.exit_code == 0, as_json.output
    assert ESC not in as_json.stdout
    assert "\x9b" not in as_json.stdout
    assert '"description": "C1\\u009bhere"' in as_json.stdout


def test_error_messages_escape_control_characters(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINTRACK_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    result = CliRunner().invoke(app, ["tx", "list", "--user", f"eve{ESC}[2J"])
    assert result.exit_code == 1
    assert ESC not in result.stderr
