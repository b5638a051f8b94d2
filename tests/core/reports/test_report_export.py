"""``report_file``: the one way a report frame becomes a file (pages and CLI alike)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest

from fintrack_core.errors import ValidationError
from fintrack_core.reports.report_export import prepare_report_frame, report_file


def categories() -> pd.DataFrame:
    return pd.DataFrame({
        "category_id": [7, pd.NA], "parent_id": [3, pd.NA], "name": ["Rent", "Uncategorised"],
        "path": ["Housing → Rent", "Uncategorised"], "depth": [1, 0],
        "kind": ["expense", "expense"], "color": ["#fff", "#9e9e9e"],
        "own": [-1067468, -5], "total": [-1067468, pd.NA],
    })


def test_money_is_decimal_headers_readable_ids_gone() -> None:
    out = prepare_report_frame(categories(), "EUR")
    assert list(out.columns) == ["Category", "Kind", "Directly", "With sub-categories"]
    assert list(out["Directly"]) == [Decimal("-10674.68"), Decimal("-0.05")]
    assert list(out["With sub-categories"]) == [Decimal("-10674.68"), None]


def test_each_currency_keeps_its_own_decimals() -> None:
    biggest = pd.DataFrame({"id": [1, 2, 3], "amount": [-1200, -4210, -12345],
                            "currency": ["JPY", "USD", "BHD"],
                            "amount_base": [-750, -3827, -3000000]})
    out = prepare_report_frame(biggest, "EUR")
    assert list(out.columns) == ["Amount", "Currency", "Amount (EUR)"]
    assert list(out["Amount"]) == [Decimal("-1200"), Decimal("-42.10"), Decimal("-12.345")]
    assert list(out["Amount (EUR)"]) == [Decimal("-7.50"), Decimal("-38.27"),
                                         Decimal("-30000.00")]
    sheet = openpyxl.load_workbook(io.BytesIO(report_file({"b": biggest}, "xlsx", "EUR")))["b"]
    assert [c.number_format for c in sheet["A"][1:]] == ["#,##0", "#,##0.00", "#,##0.000"]
    assert [c.number_format for c in sheet["C"][1:]] == ["#,##0.00"] * 3


def test_csv_is_exact_decimal_text() -> None:
    rows = list(csv.reader(io.StringIO(report_file({"c": categories()}, "csv", "EUR")
                                       .decode("utf-8-sig"))))
    assert rows == [["Category", "Kind", "Directly", "With sub-categories"],
                    ["Housing → Rent", "expense", "-10674.68", "-10674.68"],
                    ["Uncategorised", "expense", "-0.05", ""]]


def test_named_money_columns_and_counts() -> None:
    pivot = pd.DataFrame({"payee": ["REWE"], "value": [3]})
    assert report_file({"p": pivot}, "csv", None, {"p": []}).endswith(b"REWE,3\r\n")
    with pytest.raises(ValidationError, match=r"^currency: "):
        report_file({"p": pivot}, "csv", None)  # "value" is money by default
    with pytest.raises(ValidationError, match=r"^format: "):
        report_file({"p": pivot}, "pdf", "EUR")
