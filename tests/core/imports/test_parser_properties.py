"""Whatever bytes a user uploads, ``read_statement`` answers with a parsed statement or with a
clear error about the file (``StatementError``, or ``MappingError`` when the columns cannot be
told) — never a crash from deep inside the parser, and never slowly.

Three kinds of input: arbitrary bytes; text built from the characters CSV files are made of
(delimiters, quotes, line breaks, digits, signs, date separators); and well-formed tables whose
cells are drawn from dates, amounts and words, then damaged.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fintrack_core.imports.csv_import import MappingError
from fintrack_core.imports.mapping import Mapping
from fintrack_core.imports.read import read_statement
from fintrack_core.imports.statement import COLUMNS, ParsedStatement, StatementError

PROPERTY = settings(max_examples=300, deadline=2000,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

CSV_ALPHABET = st.sampled_from(
    list(",;\t|\"'\r\n 0123456789-+./:()€$£") + list("abcDEFxyz") + ["\u00a0", "ä", "\x00"])
NAMES = st.sampled_from(["", "x.csv", "statement.ofx", "export.qfx", "money.qif", "data.tsv"])

# --- cells and rows for the structured strategy -------------------------------------------

DATE_CELL = st.one_of(
    st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)).flatmap(lambda d: st.sampled_from([
        d.isoformat(), d.strftime("%d/%m/%Y"), d.strftime("%m/%d/%Y"), d.strftime("%d.%m.%y"),
        d.strftime("%d %b %Y"), d.strftime("%b %d, %Y"), d.strftime("%Y%m%d"),
        d.isoformat() + " 12:30:00", d.isoformat() + "T08:15Z"])),
    st.sampled_from(["31/02/2024", "2024-13-01", "00.00.0000", "yesterday", "", "12/12/12"]),
)
AMOUNT_CELL = st.one_of(
    st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False,
                allow_infinity=False).map(str),
    st.sampled_from(["1.234,56", "-1,234.56", "(12.00)", "12,50-", "£1,000", "1 234,56",
                     "+0.01", "-", "", "n/a", "1e5", "12.3456789", "--5", "9" * 40,
                     "1'234.50", "12.00 USD", "€-3,20", ".5", "5.", ",", "."]),
)
WORD_CELL = st.one_of(
    st.sampled_from(["REWE", "Opening balance", "Saldo", "PENDING", "COMPLETED", "EUR", "USD",
                     "GBP", "DR", "CR", "=SUM(A1)", "\tTAB", "@x", "Total", ""]),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=12),
)
HEADER = st.sampled_from([
    ["Date", "Description", "Amount"],
    ["Date", "Payee", "Amount", "Currency"],
    ["Buchungstag", "Verwendungszweck", "Betrag"],
    ["Date", "Description", "Debit", "Credit"],
    ["Transaction Date", "Amount", "Type", "Memo", "State"],
    ["Date", "Amount", "Fee", "Balance"],
])


@st.composite
def tables(draw: st.DrawFn) -> bytes:
    """A delimited table with a header, dated rows and damage: missing/extra fields, blank
    lines, a preamble, a trailer, stray quotes, odd encodings."""
    header = draw(HEADER)
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    cell = st.one_of(DATE_CELL, AMOUNT_CELL, WORD_CELL)
    rows = [header]
    for _ in range(draw(st.integers(0, 12))):
        row = [draw(DATE_CELL), draw(WORD_CELL), draw(AMOUNT_CELL)]
        row += [draw(cell) for _ in range(len(header) - 3)]
        width = draw(st.sampled_from([len(row), len(row), len(row), len(row) - 1,
                                      len(row) + 1]))
        rows.append([*row, ""][:width])
    if draw(st.booleans()):
        rows.insert(0, ["Account", "DE12 3456"])
    if draw(st.booleans()):
        rows.append(["Closing balance", draw(AMOUNT_CELL)])

    def quote(value: str) -> str:
        if draw(st.booleans()) or any(c in value for c in (delimiter, '"', "\n", "\r")):
            return '"' + value.replace('"', '""') + '"'
        return value

    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = newline.join(delimiter.join(quote(c) for c in r) for r in rows)
    if draw(st.booleans()):
        text += newline
    if draw(st.booleans()):  # a stray quote somewhere
        at = draw(st.integers(0, len(text)))
        text = text[:at] + '"' + text[at:]
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    return text.encode(encoding, errors="replace")


def _outcome(data: bytes, filename: str, options: Mapping | None) -> ParsedStatement | str:
    """The parsed statement, or the message of the error that rejected the file."""
    try:
        return read_statement(data, filename, options=options)
    except (StatementError, MappingError) as exc:
        return str(exc)


def _check(data: bytes, filename: str = "", options: Mapping | None = None) -> None:
    parsed = _outcome(data, filename, options)
    if isinstance(parsed, str):
        assert parsed.strip(), "a rejection says what is wrong with the file"
        return
    assert isinstance(parsed, ParsedStatement)
    assert list(parsed.rows.columns)[: len(COLUMNS)] == list(COLUMNS)  # OFX/QIF add more
    assert parsed.format in ("csv", "ofx", "qif")
    assert parsed.data_rows >= len(parsed.rows)
    lines = parsed.rows["line"].tolist() + [e.line for e in parsed.invalid]
    assert all(isinstance(n, int) and n >= 0 for n in lines)
    assert not pd.Series(parsed.rows["amount"]).isna().any()


@PROPERTY
@given(st.binary(max_size=2048), NAMES)
@example(b"\x00\x01\x02", "")
@example(b"\xef\xbb\xbf", "")
@example(b"\xff\xfe", "")
@example(b"\xff\xfe\x00", "")
@example(b"OFXHEADER:100\n<OFX>", "")
@example(b"!Type:Bank\nD", "")
@example(b"a,b\n1,2\n", "")
def test_arbitrary_bytes_parse_or_are_rejected_clearly(data: bytes, filename: str) -> None:
    _check(data, filename)


@PROPERTY
@given(st.text(CSV_ALPHABET, max_size=600), NAMES)
@example('Date,Amount\n"', "")
@example("Date,Amount\n2024-01-01,\"1\n", "")
@example("1,2\n\n\n", "")
@example("a;b\r\n2024-01-01;-1,5\r\n", "")
@example("Date|Amount\n2024-01-01|-\n", "")
def test_csv_like_text_parses_or_is_rejected_clearly(text: str, filename: str) -> None:
    _check(text.encode("utf-8"), filename)


@PROPERTY
@given(tables(), st.sampled_from([None, Mapping(date_order="dmy"), Mapping(has_header=False),
                                  Mapping(skip_rows=1), Mapping(delimiter=";"),
                                  Mapping(negate=True), Mapping(amount="2", date="1"),
                                  Mapping(encoding="utf-8"), Mapping(decimal=",")]))
def test_damaged_tables_parse_or_are_rejected_clearly(data: bytes, options: Mapping | None
                                                      ) -> None:
    _check(data, "statement.csv", options)


# --- what the properties found, pinned down -------------------------------------------------


def test_old_mac_line_endings_read_like_any_other() -> None:
    parsed = read_statement(b"Date,Description,Amount\r2024-01-02,A,-1.00\r2024-01-03,B,2.00\r")

    assert parsed.rows["line"].tolist() == [2, 3]
    assert parsed.rows["amount"].tolist() == ["-1", "2"]
    assert parsed.invalid == []


def test_a_form_feed_in_the_preamble_does_not_shift_the_table() -> None:
    data = (b"Account x\x0cprinted page 1\nDate,Description,Amount\n"
            b"2024-01-02,A,-1.00\n2024-01-03,B,2.00\n")

    parsed = read_statement(data)

    assert parsed.rows["line"].tolist() == [3, 4]
    assert parsed.rows["description"].tolist() == ["A", "B"]


def test_a_header_without_a_line_break_is_a_header_only_file() -> None:
    with pytest.raises(StatementError, match="the file has a header but no transactions"):
        read_statement(b"Date,Description,Amount")


def test_a_broken_utf16_file_is_rejected() -> None:
    with pytest.raises(StatementError, match="UTF-16"):
        read_statement(b"\xff\xfe\x00")


def test_an_amount_too_large_to_hold_is_an_invalid_row_not_a_wrapped_number() -> None:
    parsed = read_statement(b"Date,Description,Amount\n2024-04-01,OK,-12.00\n"
                            b"2024-04-02,HUGE,9999999999999.99\n2024-04-03,OK,1.00\n")

    assert parsed.rows["amount"].tolist() == ["-12", "1"]
    assert [e.line for e in parsed.invalid] == [3]


def test_the_largest_amount_that_fits_is_exact() -> None:
    parsed = read_statement(b"Date,Description,Amount\n2024-04-01,BIG,-999999999999.99\n")

    assert parsed.rows["amount"].tolist() == ["-999999999999.99"]


def test_blank_rows_wider_than_the_header_do_not_break_the_careful_reader() -> None:
    """Found by Hypothesis: a blank ',,,' row (wider than the header) in a file whose quotes
    send it through the line-by-line reader."""
    data = (b'Date,Description,Amount\n31/01/2024,REWE,-1.00\n,,,\n'
            b'31/01/2024,"REWE",-2.00\n31/01/2024,"REWE"\n')
    _check(data, "statement.csv", None)
