"""MT940 import: German ``?``-subfields in cp1252, Dutch ``/NAME/`` keywords, several
accounts in one file, and the quirks of real exports.

Fixtures under ``tests/fixtures/statements/mt940``: a German bank's file in a SWIFT envelope
(``{1:..}{2:..}{4:`` ... ``-}``, CRLF, cp1252 umlauts, a reversal, an entry without ``:86:``),
an ABN AMRO-style file (three header lines, ``:28:``, ``/TRTP/.../NAME/.../REMI/``, LF), and
a file with two statements for two accounts (an IBAN and a ``BLZ/Kontonummer``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from fintrack_core.imports.mt940 import parse_mt940
from fintrack_core.imports.read import read_statement, sniff_format
from fintrack_core.imports.statement import RowError, StatementError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "statements" / "mt940"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


MINIMAL = (b":20:STARTUMS\n:25:10020030/1234567\n:28C:1/1\n:60F:C240102EUR100,00\n"
           b"%s\n:62F:C240105EUR%s\n")


def one_entry(line_61: bytes, closing: bytes = b"90,00") -> list[object]:
    st_ = parse_mt940(MINIMAL % (line_61, closing))
    return st_.rows.iloc[0][["date", "amount", "external_id", "description"]].tolist()


def test_german_subfields_give_payee_and_sepa_purpose_in_cp1252() -> None:
    st_ = parse_mt940(load("commerzbank_de_cp1252.sta"))

    assert st_.detected["encoding"] == "cp1252"
    assert st_.rows["line"].tolist() == [6, 10, 14, 17, 18]  # each :61: line
    first = st_.rows.iloc[0].to_dict()
    assert first == {
        "line": 6, "date": date(2024, 3, 1), "amount": "-850.00",
        # ?32 + ?33 joined (the name is cut at 27 characters); SVWZ+ out of ?20-?29
        "payee": "Hausverwaltung Müller GmbH",
        "description": "Miete März 2024 Wohnung 3 links",
        "currency": "EUR", "external_id": "2403010007",
        "source_account": "20040000/0123456700"}


def test_reversal_of_a_debit_is_money_in_and_nonref_is_no_bank_id() -> None:
    rows = parse_mt940(load("commerzbank_de_cp1252.sta")).rows

    assert rows["amount"][4] == "64.37"  # :61:...RD64,37
    assert rows["external_id"].tolist() == ["2403010007", "2403040001", None, None,
                                            "RUECK-0312"]


def test_entry_without_86_is_described_by_its_transaction_type() -> None:
    rows = parse_mt940(load("commerzbank_de_cp1252.sta")).rows

    assert (rows["payee"][3], rows["description"][3]) == ("", "Charges")  # NCHG, no :86:


def test_dutch_keywords_give_name_and_remittance() -> None:
    rows = parse_mt940(load("abnamro_nl.sta")).rows

    assert rows["payee"].tolist() == ["WONINGSTICHTING EIGEN HAARD", "",
                                      "STICHTING VOORBEELD", ""]
    assert rows["description"].tolist() == [
        "Huur april 2024 Javastraat 12-2",
        "BEA NR:5K1JG2 03.04.24/12.31 ALBERT HEIJN 1403 AMSTERDAM,PAS123",
        "Salaris april 2024",
        "BASISPAKKET APRIL",  # the :61: line's supplementary details
    ]


def test_two_statements_of_two_accounts_keep_their_account() -> None:
    st_ = parse_mt940(load("volksbank_two_accounts.sta"))

    assert st_.detected["account_refs"] == ["DE89370400440532013000", "37040044/0532013001"]
    assert st_.rows["source_account"].tolist() == [
        "DE89370400440532013000", "DE89370400440532013000",
        "37040044/0532013001", "37040044/0532013001"]
    assert st_.detected["warnings"] == []


@pytest.mark.parametrize(("line_61", "expected"), [
    (b":61:2401030103D10,00NTRFNONREF//B1", [date(2024, 1, 3), "-10.00", "B1", "Transfer"]),
    # no entry date: the value date
    (b":61:240104D10,NMSCNONREF", [date(2024, 1, 4), "-10.00", None, "Miscellaneous"]),
    # funds code R after the mark: a debit, not a reversal
    (b":61:2401040104DR10,00NMSCREF-7", [date(2024, 1, 4), "-10.00", None, "REF-7"]),
    # reversal of a credit: money out
    (b":61:2401040104RC10,00NRTINONREF", [date(2024, 1, 4), "-10.00", None, "Returned item"]),
])
def test_61_line_variants(line_61: bytes, expected: list[object]) -> None:
    assert one_entry(line_61) == expected


def test_entry_date_across_the_year_end_takes_the_nearest_year() -> None:
    data = MINIMAL.replace(b"C240102", b"C231229") % (
        b":61:2312310102D10,00NTRFNONREF", b"90,00")

    assert parse_mt940(data).rows["date"].tolist() == [date(2024, 1, 2)]


def test_closing_balance_mismatch_is_a_warning_naming_both_figures() -> None:
    st_ = parse_mt940(MINIMAL % (b":61:2401030103D10,00NTRFNONREF", b"95,00"))

    assert st_.detected["warnings"] == [
        "statement STARTUMS of 10020030/1234567 (no. 1/1): opening balance 100.00 EUR plus the "
        "1 booked entries (-10.00 EUR) gives 90.00 EUR, but the statement's closing balance is "
        "95.00 EUR (difference 5.00 EUR)"]


def test_unreadable_61_is_invalid_with_its_line_and_the_rest_imports() -> None:
    data = MINIMAL % (b":61:2401030103D10,00NTRFNONREF\n:61:24010X0103D1,00NTRF", b"90,00")

    st_ = parse_mt940(data)

    assert st_.invalid == [RowError(6, "unreadable :61: entry '24010X0103D1,00NTRF'")]
    assert len(st_.rows) == 1


def test_mt940_is_recognised_by_content_and_other_text_is_refused() -> None:
    assert sniff_format(load("abnamro_nl.sta"), "export.txt") == "mt940"
    assert sniff_format(load("volksbank_two_accounts.sta"), "") == "mt940"
    with pytest.raises(StatementError, match="not an MT940"):
        read_statement(b"just some text\nwith lines\n", "statement.sta")


def test_a_statement_level_86_after_the_closing_balance_is_no_entrys_text() -> None:
    data = MINIMAL % (b":61:2401030103D10,00NTRFNONREF", b"90,00") + (
        b":86:Kontoauszug Nr. 1 - Rechnungsabschluss folgt\n")

    row = parse_mt940(data).rows.iloc[0]

    assert (row["payee"], row["description"]) == ("", "Transfer")
