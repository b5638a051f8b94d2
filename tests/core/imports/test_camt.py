"""CAMT.052/053 (ISO 20022 XML) import: safe reading, entries, statuses, batches, balances.

Fixtures under ``tests/fixtures/statements/camt`` are written in the shapes banks send: a
German savings bank's camt.053.001.02 (CRLF, PRCD/CLBD), a Dutch camt.053.001.08 with two
accounts, a Swiss camt.053.001.04 with a ``camt:`` prefix and batch entries, and a German
camt.052.001.06 intraday report with a pending entry.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any, cast

import pytest

from fintrack_core.imports.camt import parse_camt
from fintrack_core.imports.read import read_statement, sniff_format
from fintrack_core.imports.statement import RowError, SkippedRow, StatementError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "statements" / "camt"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def column(name: str, field: str) -> list[Any]:
    return parse_camt(load(name)).rows[field].tolist()


# --- safe reading ------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Document [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>
<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2024-01-01</Dt></BookgDt><AddtlNtryInf>&lol9;</AddtlNtryInf></Ntry>
</Stmt></BkToCstmrStmt></Document>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>
<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2024-01-01</Dt></BookgDt><AddtlNtryInf>&secret;</AddtlNtryInf></Ntry>
</Stmt></BkToCstmrStmt></Document>
"""


def test_an_xml_bomb_is_refused_at_once_without_expanding_it() -> None:
    started = time.perf_counter()
    with pytest.raises(StatementError, match="declares a DTD or entities"):
        read_statement(BILLION_LAUGHS, "statement.xml")
    assert time.perf_counter() - started < 1


def test_an_external_entity_is_refused_and_never_read() -> None:
    with pytest.raises(StatementError, match="external entities") as err:
        read_statement(EXTERNAL_ENTITY, "statement.xml")
    assert "root:" not in str(err.value)


def test_xml_that_is_not_a_bank_statement_is_refused_with_the_reason() -> None:
    payment_order = (b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:'
                     b'pain.001.001.03"><CstmrCdtTrfInitn/></Document>')
    with pytest.raises(StatementError, match="not a bank statement"):
        read_statement(payment_order, "payments.xml")
    with pytest.raises(StatementError, match="malformed"):
        read_statement(b"<?xml version='1.0'?><Document><BkToCstmrStmt>", "cut.xml")


def test_camt_is_recognised_by_its_content_whatever_the_file_is_called() -> None:
    assert sniff_format(load("ch_camt053_v04_batch.xml"), "download.txt") == "camt"
    assert sniff_format(load("de_camt052_v06_intraday.xml"), "") == "camt"


# --- entries -----------------------------------------------------------------------------


def test_german_camt053_v02_rows_with_payee_text_bank_id_and_line() -> None:
    st_ = parse_camt(load("sparkasse_camt053_v02.xml"))

    assert st_.detected["camt_message"] == "camt.053"
    assert st_.detected["camt_version"] == "001.02"
    assert st_.rows["line"].tolist() == [58, 97, 129, 154, 183, 208]  # each <Ntry> tag
    first = st_.rows.iloc[0].to_dict()
    assert first == {
        "line": 58, "date": date(2024, 3, 1), "amount": "-850.00",
        "payee": "Hausverwaltung Müller GmbH", "description": "Miete März 2024 Whg 3 links",
        "currency": "EUR", "external_id": "2024030100001",
        "source_account": "DE02120300000000202051"}
    # several Ustrd lines joined; the structured creditor reference kept
    assert st_.rows["description"][2] == ("KARTENZAHLUNG 2024-03-04T18:22 "
                                          "Debitk.1 2027-12 REWE SAGT DANKE")
    assert st_.rows["description"][3] == "Abschlag Strom Vertragskonto 123456 Ref RF18539007547034"
    # an entry without details: its AddtlNtryInf
    assert st_.rows["description"][5] == "Kontoführungsentgelt 03/2024"


def test_a_reversal_is_booked_as_the_bank_says_and_names_the_original_party() -> None:
    rows = parse_camt(load("sparkasse_camt053_v02.xml")).rows
    returned = rows[rows["external_id"] == "2024031500021"].iloc[0]

    assert (returned["amount"], returned["payee"], returned["description"]) == (
        "45.90", "Stadtwerke München GmbH", "Reversal: Rücklastschrift Abschlag Strom")


def test_v08_names_parties_under_pty_and_status_under_cd() -> None:
    rows = parse_camt(load("nl_camt053_v08_two_accounts.xml")).rows

    assert rows["payee"].tolist() == ["Woningstichting Eigen Haard", "Albert Heijn 1403",
                                      "Stichting Voorbeeld", "J. de Vries", "J. de Vries", ""]
    # BookgDt given as DtTm with an offset: the written calendar day
    assert rows["date"][1] == date(2024, 4, 3)


def test_without_namespace_the_same_document_reads_the_same() -> None:
    data = load("sparkasse_camt053_v02.xml")
    bare = data.replace(b' xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"', b"")

    assert parse_camt(bare).rows.equals(parse_camt(data).rows)


def test_batch_entry_splits_into_its_payments_when_their_amounts_add_up() -> None:
    rows = parse_camt(load("ch_camt053_v04_batch.xml")).rows
    batch = rows[rows["line"] == 50]

    assert batch["amount"].tolist() == ["-120.00", "-142.45", "-50.00"]  # of one -312.45
    assert batch["payee"].tolist() == ["Swisscom (Schweiz) AG",
                                       "ewz Elektrizitätswerk der Stadt Zürich",
                                       "Verein Quartierladen"]
    assert batch["external_id"].tolist() == ["ZKB-20240510-SAMMEL-77/1",
                                             "ZKB-20240510-SAMMEL-77/2",
                                             "ZKB-20240510-SAMMEL-77/3"]


def test_batch_entry_whose_details_carry_no_amounts_stays_one_row() -> None:
    rows = parse_camt(load("ch_camt053_v04_batch.xml")).rows
    last = rows.iloc[-1]

    assert (last["amount"], last["payee"], last["description"], last["external_id"]) == (
        "-75.60", "", "Sammelauftrag 2 Zahlungen (Details separat)", "ZKB-20240527-SAMMEL-81")


# --- statuses and balances -----------------------------------------------------------------


def test_pending_entry_of_an_intraday_report_is_skipped_with_its_reason() -> None:
    st_ = parse_camt(load("de_camt052_v06_intraday.xml"))

    assert st_.detected["camt_message"] == "camt.052"
    assert st_.rows["amount"].tolist() == ["-23.80", "150.00"]
    assert st_.skipped == [SkippedRow(5, "pending (Sts PDNG): not booked yet, imported once "
                                       "the bank books it")]
    assert st_.data_rows == 3  # two booked, one skipped: every entry accounted for
    assert st_.detected["warnings"] == []  # ITBD 1106.65 = OPBD 980.45 + 126.20 booked


def test_balance_mismatch_is_a_warning_naming_both_figures() -> None:
    data = load("sparkasse_camt053_v02.xml").replace(b">3377.58<", b">3400.00<")

    st_ = read_statement(data, "camt.xml")

    assert len(st_.rows) == 6  # the rows are still read and shown
    assert st_.detected["warnings"] == [
        "camt.053 42 of DE02120300000000202051 to 2024-03-31: opening balance 1523.40 EUR "
        "plus the 6 booked entries (1854.18 EUR) gives 3377.58 EUR, but the statement's "
        "closing balance is 3400.00 EUR (difference 22.42 EUR)"]


def test_an_unreadable_entry_is_invalid_with_its_line_and_the_rest_imports() -> None:
    data = load("sparkasse_camt053_v02.xml").replace(b">64.37<", b">64,37<", 1)

    st_ = parse_camt(data)

    assert st_.invalid == [RowError(129, "bad amount '64,37'")]
    assert len(st_.rows) == 5
    warnings = cast(list[str], st_.detected["warnings"])
    assert len(warnings) == 1
    assert "1 entry(ies) could not be read" in warnings[0]
