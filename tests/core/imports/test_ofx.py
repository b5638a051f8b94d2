"""OFX / QFX import: what a bank's export turns into, row by row.

Fixtures under ``tests/fixtures/statements/ofx`` are byte-exact exports in the shapes banks
produce: OFX 1.02 SGML with unclosed element tags and CRLF, OFX 2.x XML, Quicken's QFX with
``<INTU.BID>``, a credit-card ``<CCSTMTRS>``, a file with three accounts, and one with the
quirks ofxtools refuses on its own.
"""

from __future__ import annotations

import re
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fintrack_core.imports.ofx import OFX_COLUMNS, parse_ofx
from fintrack_core.imports.statement import ParsedStatement, RowError, StatementError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "statements" / "ofx"
CANONICAL = re.compile(r"-?\d+\.\d{2,6}")

SGML_HEADER = (
    b"OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\nENCODING:USASCII\r\n"
    b"CHARSET:1252\r\nCOMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:NONE\r\n\r\n"
)


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def total(statement: ParsedStatement) -> Decimal:
    return sum((Decimal(a) for a in statement.rows["amount"]), Decimal(0))


def column(statement: ParsedStatement, name: str) -> list[Any]:
    return statement.rows[name].tolist()


# --- OFX 1.02 SGML ----------------------------------------------------------------------


def test_sgml_checking_statement_reads_every_transaction_with_its_line() -> None:
    st_ = parse_ofx(load("checking_ofx102_sgml.ofx"))

    assert st_.format == "ofx"
    assert st_.data_rows == 8
    assert st_.invalid == []
    assert column(st_, "line") == [43, 51, 59, 67, 75, 83, 91, 98]
    assert column(st_, "amount") == [
        "2500.00", "-54.23", "-1200.00", "-12.50", "-300.00", "-45.99", "0.42", "-4.95",
    ]
    assert total(st_) == Decimal("882.75")
    assert column(st_, "date")[0] == date(2024, 1, 2)
    assert min(column(st_, "date")) == date(2024, 1, 2)
    assert max(column(st_, "date")) == date(2024, 1, 31)
    assert set(column(st_, "currency")) == {"USD"}
    assert column(st_, "external_id") == [
        "2024010201", "2024010301", "2024010501", "2024011001",
        "2024011501", "2024012001", "2024013101", "2024013102",
    ]
    assert set(column(st_, "source_account")) == {"000123456789"}


def test_sgml_payee_is_name_and_description_is_memo_decoded_from_cp1252() -> None:
    rows = parse_ofx(load("checking_ofx102_sgml.ofx")).rows

    assert rows["payee"].tolist() == [
        "ACME CORP PAYROLL", "SAFEWAY #1234", "CHECK 1042", "CAFÉ LUMIÈRE",
        "ONLINE TRANSFER TO SAV ...6789", "BARNES & NOBLE #2231", "INTEREST PAID",
        "MONTHLY MAINTENANCE FEE",
    ]
    assert rows["description"].tolist() == [
        "DIRECT DEP PPD ID: 1234567890", "POS PURCHASE 01/02 SAN FRANCISCO CA", "",
        "CARD 1234 – PURCHASE", "CONF# 987654", "CARD 1234", "", "",
    ]


def test_sgml_statement_details_are_detected() -> None:
    detected = parse_ofx(load("checking_ofx102_sgml.ofx")).detected

    assert detected["ofx_version"] == 102
    assert detected["encoding"] == "cp1252"
    assert "header_problem" not in detected  # ofxtools accepted the header as is
    assert detected["account_id"] == "000123456789"
    assert detected["account_type"] == "CHECKING"
    assert detected["currency"] == "USD"
    assert detected["date_start"] == date(2024, 1, 1)
    assert detected["date_end"] == date(2024, 1, 31)
    assert detected["institution"] == "First Community Bank"
    assert detected["intuit_bid"] is None
    assert detected["statements"] == 1
    [account] = cast(list[dict[str, Any]], detected["accounts"])
    assert account["ledger_balance"] == "3882.75"
    assert account["bank_id"] == "121000358"


def test_time_and_time_zone_do_not_move_the_posted_date() -> None:
    """20240131235959.000[-5:EST] is 31 January at the bank, though 1 February in UTC."""
    rows = parse_ofx(load("checking_ofx102_sgml.ofx")).rows

    assert rows.loc[rows["payee"] == "INTEREST PAID", "date"].item() == date(2024, 1, 31)


def test_rows_have_the_shared_columns_plus_fitid_and_account() -> None:
    rows = parse_ofx(load("checking_ofx102_sgml.ofx")).rows

    assert tuple(rows.columns) == OFX_COLUMNS
    assert str(rows["line"].dtype) == "int64"
    assert all(type(d) is date for d in rows["date"])
    assert all(isinstance(a, str) and CANONICAL.fullmatch(a) for a in rows["amount"])


# --- OFX 2.x XML ------------------------------------------------------------------------


def test_xml_220_savings_statement() -> None:
    st_ = parse_ofx(load("savings_ofx220_xml.ofx"))

    assert st_.detected["ofx_version"] == 220
    assert st_.data_rows == 4
    assert column(st_, "line") == [31, 39, 54, 66]
    assert column(st_, "date") == [
        date(2024, 2, 1), date(2024, 2, 5), date(2024, 2, 14), date(2024, 2, 29),
    ]
    assert column(st_, "amount") == ["500.00", "-89.90", "-23.40", "1.37"]
    assert total(st_) == Decimal("388.07")
    assert column(st_, "payee") == [
        "Müller GmbH & Co. KG", "Stadtwerke München", "Amazon EU S.a.r.L.", "Zinsen",
    ]
    assert column(st_, "description") == [
        "Miete Februar", "Strom Abschlag", "Bestellung 302-1234567", "",
    ]
    assert st_.detected["account_id"] == "DE89370400440532013000"
    assert st_.detected["account_type"] == "SAVINGS"
    assert (st_.detected["date_start"], st_.detected["date_end"]) == (
        date(2024, 2, 1), date(2024, 2, 29),
    )


def test_amount_is_in_the_statement_currency_even_with_origcurrency() -> None:
    """ORIGCURRENCY says the card was charged in USD; TRNAMT is already in the account's EUR."""
    rows = parse_ofx(load("savings_ofx220_xml.ofx")).rows

    assert rows["currency"].tolist() == ["EUR", "EUR", "EUR", "EUR"]


def test_currency_falls_back_to_the_transaction_when_the_statement_has_no_curdef() -> None:
    data = load("savings_ofx220_xml.ofx").replace(b"<CURDEF>EUR</CURDEF>", b"")

    rows = parse_ofx(data).rows

    assert rows["currency"].tolist() == [None, None, "USD", None]


# --- QFX and credit cards ---------------------------------------------------------------


def test_qfx_with_intuit_tags_and_one_transaction_per_line() -> None:
    st_ = parse_ofx(load("checking_intuit.qfx"))

    assert st_.detected["intuit_bid"] == "3000"
    assert st_.detected["institution"] == "WF"
    assert st_.detected["ofx_version"] == 102
    assert column(st_, "line") == [14, 15, 16, 17]
    assert column(st_, "payee") == [
        "PG&E WEB ONLINE", "ATM WITHDRAWAL 003891 MARKET ST", "GUSTO PAY 240215",
        "ZELLE TO SMITH JOHN",
    ]
    assert total(st_) == Decimal("511.03")
    assert (min(column(st_, "date")), max(column(st_, "date"))) == (
        date(2024, 2, 2), date(2024, 2, 26),
    )


def test_credit_card_statement_keeps_the_holders_signs() -> None:
    """In CCSTMTRS a purchase is negative and a payment or refund positive, as in a bank."""
    st_ = parse_ofx(load("creditcard_ccstmtrs.qfx"))

    assert st_.detected["account_type"] == "CREDITCARD"
    assert st_.detected["account_id"] == "4147202412345678"
    assert st_.detected["intuit_bid"] == "10898"
    assert st_.data_rows == 7
    assert column(st_, "amount") == [
        "-87.45", "-15.99", "1250.00", "-432.10", "25.00", "-6.75", "-12.34",
    ]
    assert total(st_) == Decimal("720.37")
    assert column(st_, "payee")[2] == "Payment Thank You-Mobile"
    assert column(st_, "description")[3] == "ATLANTA TICKET 0062345678901"
    assert column(st_, "line") == [43, 50, 57, 64, 72, 79, 86]


# --- several accounts in one file -------------------------------------------------------


def test_multi_account_file_keeps_every_row_with_its_account() -> None:
    st_ = parse_ofx(load("multi_account_ofx211.ofx"))

    assert st_.data_rows == 6
    assert column(st_, "source_account") == [
        "062000 12345678", "062000 12345678", "062000 87654321", "062000 87654321",
        "4564 XXXX XXXX 0042", "4564 XXXX XXXX 0042",
    ]
    assert column(st_, "line") == [8, 9, 14, 15, 22, 23]
    assert total(st_) == Decimal("5150.13")
    assert st_.detected["statements"] == 3
    accounts = cast(list[dict[str, Any]], st_.detected["accounts"])
    assert [a["account_type"] for a in accounts] == [
        "CHECKING", "SAVINGS", "CREDITCARD",
    ]
    # Keys that differ between the accounts are not guessed at the top level.
    assert st_.detected["account_id"] is None
    assert st_.detected["account_type"] is None
    assert st_.detected["currency"] == "AUD"
    assert st_.detected["date_start"] == date(2024, 1, 1)
    assert st_.detected["date_end"] == date(2024, 2, 2)


def test_positive_utc_offset_keeps_the_written_date() -> None:
    """ofxtools' convert() would make 20240131000000[+10:AEST] 30 January (UTC)."""
    rows = parse_ofx(load("multi_account_ofx211.ofx")).rows

    assert rows.loc[rows["external_id"] == "CHQ-20240131-1", "date"].item() == date(2024, 1, 31)


# --- real-world quirks ------------------------------------------------------------------


def test_quirky_file_is_repaired_and_the_repairs_are_reported() -> None:
    """CHARSET:UTF-8 header, empty <MEMO>, a missing </STMTTRN> and </BANKTRANLIST>,
    decimal commas, and a download cut off before </OFX>."""
    st_ = parse_ofx(load("quirky_bank.ofx"))

    assert "UTF-8" in str(st_.detected["header_problem"])
    assert st_.detected["tag_repairs"] == 6
    assert st_.detected["ofx_version"] == 102
    assert st_.invalid == []
    assert column(st_, "line") == [40, 48, 55]
    assert column(st_, "amount") == ["-12.50", "-1049.99", "2350.00"]
    assert total(st_) == Decimal("1287.51")
    assert column(st_, "payee") == [
        "CB BOULANGERIE PAUL", "PRLV SEPA ÉLECTRICITÉ DE FRANCE", "VIR SALAIRE MARS",
    ]
    # The empty <MEMO> did not swallow the elements after it.
    assert column(st_, "description") == ["", "Échéance mars", ""]
    assert column(st_, "external_id") == ["F1A2B3C4", "F1A2B3C5", "F1A2B3C6"]
    assert st_.detected["currency"] == "EUR"


def test_file_without_header_starting_at_ofx_tag() -> None:
    body = load("checking_ofx102_sgml.ofx").split(b"\r\n\r\n", 1)[1]

    st_ = parse_ofx(body)

    assert "header_problem" in st_.detected
    assert st_.detected["ofx_version"] is None
    assert st_.data_rows == 8
    assert column(st_, "line")[0] == 33  # 10 header lines fewer
    assert total(st_) == Decimal("882.75")


def test_xml_file_with_a_byte_order_mark_and_an_unknown_version() -> None:
    data = b"\xef\xbb\xbf" + load("savings_ofx220_xml.ofx").replace(
        b'VERSION="220"', b'VERSION="230"'
    )

    st_ = parse_ofx(data)

    assert st_.detected["ofx_version"] == 230
    assert total(st_) == Decimal("388.07")


def test_cp1252_body_under_charset_none_header() -> None:
    """ofxtools would decode CHARSET:NONE strictly as UTF-8 and fail on the accents."""
    data = load("checking_ofx102_sgml.ofx").replace(b"CHARSET:1252", b"CHARSET:NONE")

    st_ = parse_ofx(data)

    assert "header_problem" not in st_.detected
    assert st_.detected["encoding"] == "cp1252"
    assert "CAFÉ LUMIÈRE" in column(st_, "payee")


def test_cdata_values_are_read_verbatim() -> None:
    data = load("savings_ofx220_xml.ofx").replace(
        b"<NAME>Zinsen</NAME>", b"<NAME><![CDATA[AT&T <Wireless>]]></NAME>"
    )

    st_ = parse_ofx(data)

    assert column(st_, "payee")[3] == "AT&T <Wireless>"
    assert column(st_, "line") == [31, 39, 54, 66]


def test_many_unclosed_cdata_openers_on_one_line_stay_fast() -> None:
    """ofxtools' own CDATA regex is quadratic here (16,000 openers took about 20 s)."""
    data = b"<OFX>" + b"<A><![CDATA[x" * 16_000
    started = time.perf_counter()

    with pytest.raises(StatementError):
        parse_ofx(data)

    assert time.perf_counter() - started < 2


# --- rows that cannot be read -----------------------------------------------------------


def test_bad_rows_are_reported_with_their_line_and_the_rest_imported() -> None:
    st_ = parse_ofx(load("invalid_rows.ofx"))

    assert st_.data_rows == 5
    assert column(st_, "payee") == ["DEPOSIT", "GROCER"]
    assert column(st_, "line") == [29, 56]
    assert total(st_) == Decimal("79.75")
    assert st_.invalid == [
        RowError(36, "bad DTPOSTED '20240231'"),
        RowError(43, "bad TRNAMT 'N/A'"),
        RowError(50, "missing TRNAMT"),
    ]
    assert set(column(st_, "currency")) == {"CAD"}


def test_truncated_download_keeps_complete_rows_and_flags_the_cut_one() -> None:
    data = load("checking_ofx102_sgml.ofx")
    cut = data.index(b"<TRNAMT>-1200.00")

    st_ = parse_ofx(data[:cut])

    assert column(st_, "payee") == ["ACME CORP PAYROLL", "SAFEWAY #1234"]
    assert st_.invalid == [RowError(59, "missing TRNAMT")]


# --- files that cannot be read as a whole -----------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b" \r\n\t\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"Date,Amount,Payee\n2024-01-02,-5.00,Shop\n", "no <OFX>"),
        (SGML_HEADER, "no <OFX>"),
        (SGML_HEADER + b"<OFX>\r\n</OFX>\r\n", "no bank or credit-card statement"),
        (SGML_HEADER + b"<OFX><SIGNONMSGSRSV1><SONRS>x</SONRS>junk", "malformed"),
    ],
    ids=["empty", "blank", "binary", "csv", "header-only", "no-statement", "tail-text"],
)
def test_unreadable_files_raise_statement_error(data: bytes, message: str) -> None:
    with pytest.raises(StatementError, match=message):
        parse_ofx(data)


def test_statement_without_transactions_is_refused() -> None:
    data = re.sub(rb"<STMTTRN>.*?</STMTTRN>\r\n", b"", load("checking_ofx102_sgml.ofx"),
                  flags=re.DOTALL)

    with pytest.raises(StatementError, match=r"account 000123456789\) contains no transactions"):
        parse_ofx(data)


def test_investment_statement_is_refused_for_now() -> None:
    data = SGML_HEADER + (
        b"<OFX><INVSTMTMSGSRSV1><INVSTMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>"
        b"<INVSTMTRS><DTASOF>20240131<CURDEF>USD<INVACCTFROM><BROKERID>vanguard.com"
        b"<ACCTID>88776655</INVACCTFROM><INVTRANLIST><DTSTART>20240101<DTEND>20240131"
        b"<INVBANKTRAN><STMTTRN><TRNTYPE>DEP<DTPOSTED>20240105<TRNAMT>1000.00<FITID>X1"
        b"<NAME>DEPOSIT</STMTTRN><SUBACCTFUND>CASH</INVBANKTRAN></INVTRANLIST></INVSTMTRS>"
        b"</INVSTMTTRNRS></INVSTMTMSGSRSV1></OFX>"
    )

    with pytest.raises(StatementError, match="investment OFX statements are not supported yet"):
        parse_ofx(data)


def test_bank_error_response_is_explained() -> None:
    data = SGML_HEADER + (
        b"<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS>"
        b"<DTSERVER>20240201<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1>"
        b"<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>2003<SEVERITY>ERROR"
        b"<MESSAGE>Account not found</STATUS></STMTTRNRS></BANKMSGSRSV1></OFX>"
    )

    with pytest.raises(StatementError, match=r"code 2003: Account not found"):
        parse_ofx(data)


# --- robustness -------------------------------------------------------------------------

FIXTURE_BYTES = [p.read_bytes() for p in sorted(FIXTURES.iterdir())]
FUZZ = settings(
    max_examples=200, deadline=timedelta(milliseconds=500),
    suppress_health_check=[HealthCheck.too_slow],
)


def _parses_or_refuses(data: bytes) -> None:
    try:
        result = parse_ofx(data)
    except StatementError:
        return
    assert isinstance(result, ParsedStatement)
    assert result.data_rows == len(result.rows) + len(result.invalid)
    assert all(CANONICAL.fullmatch(a) for a in result.rows["amount"])


@FUZZ
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_parse_or_raise_statement_error(data: bytes) -> None:
    _parses_or_refuses(data)


@FUZZ
@given(
    st.sampled_from(FIXTURE_BYTES),
    st.floats(0, 1), st.floats(0, 1),
    st.binary(max_size=64) | st.sampled_from([b"<", b">", b"</STMTTRN>", b"<STMTTRN>", b"&",
                                              b"<![CDATA[", b"]]>", b"\r", b"<OFX>"]),
)
def test_damaged_real_files_parse_or_raise_statement_error(
    data: bytes, start: float, length: float, insert: bytes
) -> None:
    """Cut a slice out of a real export and splice in junk: the deep paths get exercised."""
    at = int(start * len(data))
    end = at + int(length * (len(data) - at) * 0.1)
    _parses_or_refuses(data[:at] + insert + data[end:])
