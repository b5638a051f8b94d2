"""Exports: formula-like text never runs in a spreadsheet, numbers stay numbers, and the
exported transactions add up to the hand-written book to the cent (expectations computed here
from ``LEDGER``/``TRANSFERS`` with plain ``Decimal``, not through the report store)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import openpyxl
import pandas as pd
import pytest

from fintrack_core.access import Scope
from fintrack_core.errors import PermissionDenied, ValidationError
from fintrack_core.filters import TransactionFilter
from fintrack_core.ledger import transactions as tx
from fintrack_core.reports import exports
from fintrack_core.reports.exports import (
    TRANSACTION_COLUMNS,
    export_report,
    export_transactions,
    frame_to_csv,
    frame_to_xlsx,
    money_columns_to_decimal,
)
from fintrack_core.reports.sinks import neutralise
from tests.core.reports.conftest import LEDGER, RATES, TRANSFERS, TYPES, ReportBook

EVIL = ["=1+1", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x","y")']
HARMLESS = ["REWE", "", " =not at start", "a=b", "'=already", "€ 5", "Ünïcødé"]


# --- neutralise ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", EVIL)
def test_formula_like_text_gets_a_quote(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", HARMLESS)
def test_other_text_is_unchanged(text: str) -> None:
    assert neutralise(text) == text


# --- frames ----------------------------------------------------------------------------------


def evil_frame() -> pd.DataFrame:
    n = len(EVIL) + len(HARMLESS)
    return pd.DataFrame({
        "payee": EVIL + HARMLESS,
        "code": ["-X"] * n,  # a text column left out of text_columns in one test
        "amount": [Decimal("-12.50")] * n,
        "count": [-3] * n,
        "date": [dt.date(2024, 3, 1)] * n,
    })


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM for Excel"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_neutralises_text_and_keeps_numbers() -> None:
    df = evil_frame()
    rows = read_csv(frame_to_csv(df))
    assert rows[0] == list(df.columns)
    assert len(rows) == len(df) + 1
    src: Any  # pandas-stubs type each itertuples field as any scalar
    for src, got in zip(df.itertuples(index=False), rows[1:], strict=True):
        assert got == [neutralise(src.payee), "'-X", "-12.50", "-3", "2024-03-01"]


def test_csv_text_columns_limits_neutralisation() -> None:
    rows = read_csv(frame_to_csv(evil_frame(), text_columns=["payee"]))
    assert {r[1] for r in rows[1:]} == {"-X"}
    assert rows[1][0] == "'=1+1"


def test_csv_round_trips_quotes_commas_and_newlines() -> None:
    df = pd.DataFrame({"text": ['a "quoted", comma', "two\nlines", "ümlaut €"],
                       "amount": [Decimal("0.10"), Decimal("1200"), None]})
    rows = read_csv(frame_to_csv(df))
    assert rows[1:] == [['a "quoted", comma', "0.10"], ["two\nlines", "1200"],
                        ["ümlaut €", ""]]


def load_xlsx(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def xlsx_text(value: str | None) -> str:
    """A string cell's text as Excel shows it: control characters are stored escaped as
    ``_x000D_`` (OOXML ST_Xstring), which openpyxl leaves as-is in inline strings."""
    return re.sub(r"_x([0-9A-F]{4})_", lambda m: chr(int(m.group(1), 16)), value or "")


def test_xlsx_text_is_strings_never_formulas() -> None:
    df = evil_frame()
    book = load_xlsx(frame_to_xlsx({"Evil": df, "Second": df.head(2)}))
    assert book.sheetnames == ["Evil", "Second"]
    ws = book["Evil"]
    assert [c.value for c in ws[1]] == list(df.columns)
    src: Any  # pandas-stubs type each itertuples field as any scalar
    row: Any  # openpyxl cells: the stubs type each value as any cell type
    for src, row in zip(df.itertuples(index=False), ws.iter_rows(min_row=2), strict=True):
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
        payee, code, amount, count, date = row
        assert xlsx_text(payee.value) == neutralise(src.payee)
        assert payee.data_type == "s" or payee.value is None
        assert code.value == "'-X"
        assert amount.data_type == "n"
        assert Decimal(str(amount.value)) == Decimal("-12.50")
        assert count.data_type == "n"
        assert count.value == -3
        assert date.is_date
        assert date.value.date() == dt.date(2024, 3, 1)
    assert book["Second"].max_row == 3


def test_xlsx_formula_text_stays_text_even_without_neutralising() -> None:
    """write_string and the writer's options: no formula even in a non-text column."""
    df = pd.DataFrame({"code": ["=1+1", "http://example.com", "123"]})
    ws = load_xlsx(frame_to_xlsx({"x": df}, text_columns=[]))["x"]
    cells = [row[0] for row in ws.iter_rows(min_row=2)]
    assert [c.value for c in cells] == ["=1+1", "http://example.com", "123"]
    assert all(c.data_type == "s" for c in cells)
    assert all(c.hyperlink is None for c in cells)


def test_money_columns_to_decimal_is_exact() -> None:
    df = pd.DataFrame({"total": pd.array([-1250, 1, None], dtype="Int64"), "n": [1, 2, 3]})
    out = money_columns_to_decimal(df, ["total"], "EUR")
    assert list(out["total"]) == [Decimal("-12.50"), Decimal("0.01"), None]
    assert list(df["total"].fillna(0)) == [-1250, 1, 0]  # the input is left alone
    jpy = money_columns_to_decimal(pd.DataFrame({"x": [1200]}), ["x"], "JPY")
    assert list(jpy["x"]) == [Decimal("1200")]


def test_export_report_csv_is_first_frame_xlsx_all() -> None:
    frames = {"Categories": pd.DataFrame({"name": ["@Food"], "total": [Decimal("-5.00")]}),
              "Biggest": pd.DataFrame({"payee": ["x"]})}
    assert read_csv(export_report(frames, "csv")) == [["name", "total"], ["'@Food", "-5.00"]]
    assert load_xlsx(export_report(frames, "xlsx")).sheetnames == ["Categories", "Biggest"]
    with pytest.raises(ValidationError, match="format"):
        export_report(frames, "pdf")
    with pytest.raises(ValidationError):
        export_report({}, "csv")


# --- transactions ----------------------------------------------------------------------------

USD_TO_EUR = {d: Decimal(1) / Decimal(r) for d, r in RATES}


def base_value(ccy: str, amount: Decimal, day: dt.date) -> Decimal:
    if ccy == "EUR":
        return amount
    rate = USD_TO_EUR[max(d for d in USD_TO_EUR if d <= day)]
    return (amount * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def expected_rows() -> list[dict[str, Any]]:
    """Every leg of the book as (account, date, amount, currency, amount_base, transfer)."""
    out: list[dict[str, Any]] = []
    for acc, day, amount, payee, _cat, tags in LEDGER:
        ccy = TYPES[acc][1]
        out.append({"account": acc, "date": day, "amount": Decimal(amount), "currency": ccy,
                    "payee": payee, "tags": ",".join(sorted(tags)), "transfer": "no"})
    for src, dst, sent, got, day, _desc in TRANSFERS:
        out.append({"account": src, "date": day, "amount": -Decimal(sent),
                    "currency": TYPES[src][1], "payee": "", "tags": "", "transfer": "yes"})
        out.append({"account": dst, "date": day, "amount": Decimal(got or sent),
                    "currency": TYPES[dst][1], "payee": "", "tags": "", "transfer": "yes"})
    for row in out:
        row["amount_base"] = base_value(row["currency"], row["amount"], row["date"])
    return out


def csv_dicts(data: bytes) -> list[dict[str, str]]:
    rows = read_csv(data)
    assert tuple(rows[0]) == TRANSACTION_COLUMNS
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def sums(rows: list[dict[str, Any]]) -> tuple[dict[str, Decimal], Decimal]:
    per_ccy: dict[str, Decimal] = {}
    for r in rows:
        per_ccy[r["currency"]] = per_ccy.get(r["currency"], Decimal(0)) + Decimal(r["amount"])
    return per_ccy, sum((Decimal(r["amount_base"]) for r in rows), Decimal(0))


def test_csv_export_matches_the_book(report_book: ReportBook) -> None:
    got = csv_dicts(export_transactions(report_book.owner, None, "csv"))
    want = expected_rows()
    assert len(got) == len(want) == 26
    assert sums(got) == sums(want)
    assert [r["date"] for r in got] == sorted(r["date"] for r in got)  # by date
    def key(r: dict[str, Any]) -> tuple[str, str, str]:
        return str(r["date"]), r["account"], str(r["amount"])

    assert sorted(map(key, got)) == sorted(map(key, want))
    assert sorted((key(r), r["amount_base"]) for r in got) == \
        sorted((key(r), str(r["amount_base"])) for r in want)
    by_payee = {r["payee"]: r for r in got}
    shell = by_payee["Shell"]
    assert shell["category"] == "Transportation → Car → Fuel"
    assert by_payee["Netflix"]["category"] == ""
    assert by_payee["Diner NYC"] == {**by_payee["Diner NYC"], "amount": "-55.00",
                                     "currency": "USD", "amount_base": "-50.00",
                                     "tags": "travel", "transfer": "no"}
    assert sum(r["transfer"] == "yes" for r in got) == 8
    assert {r["amount"] for r in got if r["currency"] == "EUR"} >= {"-1000.00", "3000.00"}


def test_xlsx_export_matches_the_book(report_book: ReportBook) -> None:
    ws = load_xlsx(export_transactions(report_book.owner, None, "xlsx"))["Transactions"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == TRANSACTION_COLUMNS
    got = [dict(zip(TRANSACTION_COLUMNS, r, strict=True)) for r in rows[1:]]
    for r in got:
        r["amount"] = Decimal(str(r["amount"])).quantize(Decimal("0.01"))
        r["amount_base"] = Decimal(str(r["amount_base"])).quantize(Decimal("0.01"))
    assert len(got) == 26
    assert sums(got) == sums(expected_rows())
    assert isinstance(got[0]["date"], dt.datetime)
    for row in ws.iter_rows(min_row=2):
        assert row[5].data_type == "n"
        assert row[5].number_format == "#,##0.00"


def test_filters_apply(report_book: ReportBook) -> None:
    rb = report_book
    want = expected_rows()

    def export(**kw: Any) -> list[dict[str, str]]:
        return csv_dicts(export_transactions(rb.owner, TransactionFilter(**kw), "csv"))

    march = export(date_from=dt.date(2024, 3, 1), date_to=dt.date(2024, 3, 31))
    assert len(march) == sum(r["date"].month == 3 for r in want)
    visa = export(account_ids=(rb.accounts["Visa"],))
    assert {r["account"] for r in visa} == {"Visa"}
    assert len(visa) == sum(r["account"] == "Visa" for r in want)
    transport = export(category_ids=(rb.categories["Transportation"],))  # with sub-categories
    assert sorted(r["amount"] for r in transport) == ["-60.00", "-74.50", "25.00"]
    assert len(export(tags=("food",))) == sum("food" in r["tags"] for r in want)
    assert {r["payee"] for r in export(text="rewe")} == {"REWE"}
    big = export(amount_min=Decimal("1000"))
    assert {r["amount_base"] for r in big} == {"3000.00", "-1000.00", "3200.00"}
    assert export(amount_max=Decimal("20")) == [r for r in export() if r["payee"] == "Netflix"]


def test_transaction_text_is_neutralised(report_book: ReportBook) -> None:
    rb = report_book
    tx.add_transaction(rb.owner, tx.TransactionInput(
        rb.accounts["Girokonto"], dt.date(2024, 3, 30), "-1.00", '=HYPERLINK("http://x","y")',
        description="@SUM(A1)", tags=["-minus"]))
    flt = TransactionFilter(date_from=dt.date(2024, 3, 30), date_to=dt.date(2024, 3, 30))
    (row,) = csv_dicts(export_transactions(rb.owner, flt, "csv"))
    assert row["payee"] == "'=HYPERLINK(\"http://x\",\"y\")"
    assert row["description"] == "'@SUM(A1)"
    assert row["tags"] == "'-minus"
    assert row["amount"] == "-1.00"  # a number: not quoted
    ws = load_xlsx(export_transactions(rb.owner, flt, "xlsx"))["Transactions"]
    (cells,) = ws.iter_rows(min_row=2)
    assert all(c.data_type != "f" for c in cells)
    assert cells[2].value == row["payee"]
    assert cells[5].value == -1


def test_viewer_can_export_and_strangers_cannot(report_book: ReportBook) -> None:
    rb = report_book
    assert export_transactions(rb.viewer, None, "csv") == \
        export_transactions(rb.owner, None, "csv")
    # bob's own book holds none of alice's rows
    assert csv_dicts(export_transactions(rb.stranger, None, "csv")) == []
    outsider = Scope(rb.db, rb.owner.user_id, rb.stranger.book_id)  # alice in bob's book
    with pytest.raises(PermissionDenied):
        export_transactions(outsider, None, "csv")
    with pytest.raises(PermissionDenied):
        export_transactions(outsider, None, "xlsx")


def test_too_many_rows_for_xlsx(report_book: ReportBook, monkeypatch: pytest.MonkeyPatch
                                ) -> None:
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 10)
    with pytest.raises(ValidationError, match="CSV"):
        export_transactions(report_book.owner, None, "xlsx")
    assert len(csv_dicts(export_transactions(report_book.owner, None, "csv"))) == 26


def test_unknown_format(report_book: ReportBook) -> None:
    with pytest.raises(ValidationError, match="format"):
        export_transactions(report_book.owner, None, "ods")
