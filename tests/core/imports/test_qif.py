"""QIF import: Quicken-style exports (apostrophe years, splits, address lines, account lists)
and bank exports (day-first dates, thousands commas), read record by record.

Fixtures under ``tests/fixtures/statements/qif`` are byte-exact files as Quicken and banks
write them; the small cases are spelled out inline.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fintrack_core.imports.qif import QIF_COLUMNS, parse_qif
from fintrack_core.imports.statement import ParsedStatement, RowError, StatementError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "statements" / "qif"
CANONICAL = re.compile(r"-?\d+\.\d{2,6}")


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def total(statement: ParsedStatement) -> Decimal:
    return sum((Decimal(a) for a in statement.rows["amount"]), Decimal(0))


def column(statement: ParsedStatement, name: str) -> list[Any]:
    return statement.rows[name].tolist()


def bank(*records: str, header: str = "!Type:Bank") -> bytes:
    """A QIF file from records given as ``"D...\\nT...\\nP..."`` strings."""
    return ("\n".join([header, *(f"{r}\n^" for r in records)]) + "\n").encode()


# --- a Quicken checking export ----------------------------------------------------------


def test_quicken_checking_export() -> None:
    st_ = parse_qif(load("checking_quicken.qif"))

    assert st_.format == "qif"
    assert st_.data_rows == 6
    assert st_.invalid == []
    assert column(st_, "line") == [2, 11, 24, 37, 44, 50]
    assert column(st_, "date") == [
        date(2024, 1, 2), date(2024, 1, 5), date(2024, 1, 12),
        date(2024, 1, 15), date(2024, 1, 22), date(2024, 1, 31),
    ]
    assert column(st_, "amount") == [
        "2500.00", "-1234.56", "-187.34", "-300.00", "-64.18", "0.87",
    ]
    assert total(st_) == Decimal("714.79")
    assert set(column(st_, "currency")) == {None}


def test_payee_and_memo_are_kept_and_address_lines_are_not_mixed_in() -> None:
    st_ = parse_qif(load("checking_quicken.qif"))

    assert column(st_, "payee") == [
        "ACME Corp Payroll", "Pinecrest Property Management", "Costco Wholesale #482",
        "Transfer to Savings", "Shell Oil 57442", "Interest",
    ]
    assert column(st_, "description") == [
        "January salary", "Rent January", "Weekly shopping", "", "", "",
    ]


def test_split_transaction_is_one_row_with_the_total() -> None:
    """S/E/$ lines break a transaction down by category; the account moved by T once."""
    st_ = parse_qif(load("checking_quicken.qif"))

    costco = st_.rows[st_.rows["payee"] == "Costco Wholesale #482"]
    assert costco["amount"].tolist() == ["-187.34"]
    assert costco["description"].tolist() == ["Weekly shopping"]  # not a split's E memo
    assert st_.detected["split_records"] == 1


def test_quicken_detection_details() -> None:
    detected = parse_qif(load("checking_quicken.qif")).detected

    assert detected["date_order"] == "mdy"  # 1/15'24, 1/22'24, 1/31'24 settle it
    assert detected["date_order_assumed"] is False
    assert detected["account_types"] == ["Bank"]
    assert detected["skipped_sections"] == {}
    assert detected["unterminated_records"] == 0
    assert detected["encoding"] == "utf-8"


def test_rows_have_the_shared_columns_plus_the_account_name() -> None:
    rows = parse_qif(load("checking_quicken.qif")).rows

    assert tuple(rows.columns) == QIF_COLUMNS
    assert str(rows["line"].dtype) == "int64"
    assert all(type(d) is date for d in rows["date"])
    assert all(isinstance(a, str) and CANONICAL.fullmatch(a) for a in rows["amount"])


# --- date order -------------------------------------------------------------------------


def test_day_first_credit_card_export_is_detected_from_days_over_12() -> None:
    st_ = parse_qif(load("creditcard_uk.qif"))

    assert st_.detected["date_order"] == "dmy"
    assert st_.detected["date_order_assumed"] is False
    assert st_.detected["account_types"] == ["CCard"]
    assert column(st_, "date") == [
        date(2024, 2, 3), date(2024, 2, 7), date(2024, 2, 14), date(2024, 2, 20),
        date(2024, 2, 28),
    ]
    assert column(st_, "amount") == ["-42.50", "-1299.00", "-68.00", "1500.00", "-9.99"]
    assert total(st_) == Decimal("80.51")
    assert column(st_, "line") == [2, 7, 12, 16, 20]
    assert column(st_, "payee")[4] == "Spotify UK"
    assert column(st_, "description")[1] == "Sofa £ deposit balance"
    assert st_.detected["encoding"] == "cp1252"


def test_ambiguous_dates_are_read_month_first_and_flagged() -> None:
    st_ = parse_qif(load("ambiguous_dates.qif"))

    assert st_.detected["date_order"] == "mdy"
    assert st_.detected["date_order_assumed"] is True
    assert column(st_, "date") == [date(2024, 1, 2), date(2024, 3, 4), date(2024, 5, 6)]
    assert total(st_) == Decimal("-60.00")


def test_explicit_date_order_wins() -> None:
    st_ = parse_qif(load("ambiguous_dates.qif"), date_order="dmy")

    assert st_.detected["date_order"] == "dmy"
    assert st_.detected["date_order_assumed"] is False
    assert column(st_, "date") == [date(2024, 2, 1), date(2024, 4, 3), date(2024, 6, 5)]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("1/31'24", date(2024, 1, 31)),
        ("1/ 5'24", date(2024, 1, 5)),
        ("12/31' 4", date(2004, 12, 31)),
        ("12/31'99", date(2099, 12, 31)),
        ("01/31/2024", date(2024, 1, 31)),
        ("01-31-2024", date(2024, 1, 31)),
        ("1/31/98", date(1998, 1, 31)),
        ("1/31/24", date(2024, 1, 31)),
        ("2024-01-31", date(2024, 1, 31)),
        ("2024/1/31", date(2024, 1, 31)),
    ],
)
def test_quicken_and_bank_date_spellings(written: str, expected: date) -> None:
    st_ = parse_qif(bank(f"D{written}\nT-1.00\nPShop"))

    assert column(st_, "date") == [expected]


def test_dotted_day_first_dates() -> None:
    st_ = parse_qif(bank("D31.01.2024\nT-1.00", "D02.02.2024\nT-2.00"))

    assert st_.detected["date_order"] == "dmy"
    assert column(st_, "date") == [date(2024, 1, 31), date(2024, 2, 2)]


def test_year_first_dates_need_no_assumption() -> None:
    st_ = parse_qif(bank("D2024-01-05\nT-1.00", "D2024-01-06\nT-2.00"))

    assert st_.detected["date_order"] == "ymd"
    assert st_.detected["date_order_assumed"] is False


def test_explicit_ymd_reads_two_digit_years_first() -> None:
    st_ = parse_qif(bank("D24/01/05\nT-1.00"), date_order="ymd")

    assert column(st_, "date") == [date(2024, 1, 5)]


def test_conflicting_dates_follow_the_majority_and_the_others_are_invalid() -> None:
    st_ = parse_qif(bank(
        "D13/01/2024\nT-1.00\nPA", "D14/01/2024\nT-2.00\nPB", "D01/15/2024\nT-3.00\nPC",
    ))

    assert st_.detected["date_order"] == "dmy"
    assert st_.detected["date_order_conflict"] is True
    assert column(st_, "payee") == ["A", "B"]
    assert st_.invalid == [RowError(10, "bad date '01/15/2024' (read as DMY)")]


def test_unknown_date_order_argument_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="date_order must be one of dmy, mdy, ymd"):
        parse_qif(load("ambiguous_dates.qif"), date_order="iso")


# --- amounts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("-1,234.56", "-1234.56"),
        ("1,234", "1234.00"),
        ("12,345,678.9", "12345678.90"),
        ("-12.5", "-12.50"),
        ("+3.125", "3.125"),
        (".5", "0.50"),
        ("-0.00", "0.00"),
        ("12,50", "12.50"),
        ("-1.234,56", "-1234.56"),
        ("1 234.56", "1234.56"),
    ],
)
def test_amount_spellings(written: str, canonical: str) -> None:
    st_ = parse_qif(bank(f"D1/5'24\nT{written}"))

    assert column(st_, "amount") == [canonical]


def test_u_amount_is_used_when_t_is_missing() -> None:
    st_ = parse_qif(bank("D1/5'24\nU-19.99\nPOnly U"))

    assert column(st_, "amount") == ["-19.99"]


def test_t_amount_wins_over_u() -> None:
    st_ = parse_qif(bank("D1/5'24\nU-19.9900\nT-19.99"))

    assert column(st_, "amount") == ["-19.99"]


# --- full Quicken exports ---------------------------------------------------------------


def test_full_export_reads_transaction_sections_and_skips_lists_and_investments() -> None:
    st_ = parse_qif(load("quicken_full_export.qif"))

    assert st_.data_rows == 5
    assert column(st_, "payee") == [
        "City Water Dept", "Employer Inc", "REI #45", "Farmers market", "Loan payment",
    ]
    assert column(st_, "source_account") == [
        "Everyday Checking", "Everyday Checking", "Visa Rewards", "Wallet", "Car Loan",
    ]
    assert column(st_, "line") == [39, 44, 71, 80, 89]
    assert column(st_, "amount") == ["-45.00", "1800.00", "-120.00", "-8.50", "350.00"]
    assert total(st_) == Decimal("1976.50")
    assert (min(column(st_, "date")), max(column(st_, "date"))) == (
        date(2024, 3, 1), date(2024, 3, 28),
    )
    assert st_.detected["account_types"] == ["Bank", "CCard", "Cash", "Oth L"]
    assert st_.detected["accounts"] == [
        "Everyday Checking", "Visa Rewards", "Brokerage", "Wallet", "Car Loan",
    ]
    assert st_.detected["skipped_sections"] == {"Cat": 2, "Class": 1, "Memorized": 1, "Invst": 2}
    assert st_.detected["date_order"] == "mdy"


def test_investment_only_file_is_refused() -> None:
    with pytest.raises(StatementError, match="investment QIF is not supported yet"):
        parse_qif(load("brokerage_investment.qif"))


def test_other_asset_account_section() -> None:
    st_ = parse_qif(bank("D1/5'24\nT-250.00\nPAppraisal", header="!Type:Oth A"))

    assert st_.detected["account_types"] == ["Oth A"]
    assert column(st_, "amount") == ["-250.00"]


# --- records that cannot be read --------------------------------------------------------


def test_bad_records_are_reported_with_their_line_and_the_rest_imported() -> None:
    st_ = parse_qif(load("invalid_records.qif"))

    assert st_.data_rows == 5
    assert column(st_, "payee") == ["Good One", "Good Two"]
    assert column(st_, "line") == [2, 17]
    assert total(st_) == Decimal("-25.00")
    assert st_.invalid == [
        RowError(6, "bad date '13/45/2024' (read as MDY)"),
        RowError(10, "bad amount '12.34.56'"),
        RowError(14, "missing amount (T line)"),
    ]


def test_record_without_date_and_amount_reports_both() -> None:
    st_ = parse_qif(bank("D1/5'24\nT-1.00", "PJust a payee\nMand a memo"))

    assert st_.invalid == [RowError(5, "missing date (D line); missing amount (T line)")]


# --- line endings and layout ------------------------------------------------------------


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"], ids=["crlf", "lf", "cr"])
def test_line_numbers_are_the_same_for_every_line_ending(newline: str) -> None:
    text = "!Type:Bank\nD1/5'24\nT-1.00\n^\n\nD1/6'24\nT-2.00\n^\n"
    st_ = parse_qif(text.replace("\n", newline).encode())

    assert column(st_, "line") == [2, 6]


def test_last_record_without_caret_is_kept_and_counted() -> None:
    st_ = parse_qif(b"!Type:Bank\nD1/5'24\nT-1.00\n^\nD1/6'24\nT-2.00\nPNo caret\n")

    assert column(st_, "payee") == ["", "No caret"]
    assert st_.detected["unterminated_records"] == 1


def test_utf8_with_bom_and_leading_blank_lines() -> None:
    st_ = parse_qif(b"\xef\xbb\xbf\r\n!Type:Bank\r\nD1/5'24\r\nT-1.00\r\nPCaf\xc3\xa9\r\n^\r\n")

    assert column(st_, "payee") == ["Café"]
    assert column(st_, "line") == [3]


# --- files that cannot be read as a whole -----------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\r\n  \n", "empty"),
        (b"\x00\x01\x02\x03QIF", "binary"),
        (b"Date,Amount\n2024-01-05,-1.00\n", "not a QIF file"),
        (b"!Type:Bank\r\n", "!Type:Bank header but no transactions"),
        (b"!Type:Cat\nNGroceries\nE\n^\n", r"no bank, cash or credit-card .* \(only: Cat\)"),
    ],
    ids=["empty", "blank", "binary", "csv", "header-only", "categories-only"],
)
def test_unreadable_files_raise_statement_error(data: bytes, message: str) -> None:
    with pytest.raises(StatementError, match=message):
        parse_qif(data)


# --- robustness -------------------------------------------------------------------------

FUZZ = settings(
    max_examples=200, deadline=timedelta(milliseconds=500),
    suppress_health_check=[HealthCheck.too_slow],
)
QIF_LINES = st.one_of(
    st.sampled_from([
        "!Type:Bank", "!Type:CCard", "!Type:Invst", "!Account", "!Option:AutoSwitch",
        "!Clear:AutoSwitch", "!Type:Cat", "^", "", "D1/5'24", "D13/01/2024", "T-1,234.56",
        "T12,50", "S", "$", "U", "D", "T",
    ]),
    st.builds(
        lambda code, value: code + value,
        st.sampled_from(list("DTUPMCNALSE$%!^")),
        st.text(alphabet="0123456789/-.' ,+-'abc", max_size=14),
    ),
)


def _parses_or_refuses(data: bytes, date_order: str | None = None) -> None:
    try:
        result = parse_qif(data, date_order)
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
    st.lists(QIF_LINES, max_size=40),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.sampled_from([None, "dmy", "mdy", "ymd"]),
)
def test_qif_shaped_text_parses_or_raises_statement_error(
    lines: list[str], newline: str, date_order: str | None
) -> None:
    _parses_or_refuses(newline.join(["!Type:Bank", *lines]).encode(), date_order)
