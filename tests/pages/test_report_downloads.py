"""Every download on every report page holds decimal amounts, readable headers and no ids
(issue 7, item 4: Monthly and Explore exported €10,674.68 as ``1067468`` next to
``category_id``/``parent_id``, with Excel cells in "General" format).

The buttons' files are captured where Streamlit stores them (its media file storage), then
read back: CSV with ``csv``, XLSX with openpyxl (values *and* number formats).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest

from fintrack_core.ledger import transactions as tx
from tests.conftest import SmallBook
from tests.pages.conftest import OpenPage

REPORT_PAGES = ["pages/report_monthly.py", "pages/report_trends.py",
                "pages/report_categories.py", "pages/report_cashflow.py",
                "pages/report_networth.py", "pages/report_explore.py"]
MARCH = dt.date(2024, 3, 1)
IDS = {"id", "category_id", "parent_id", "account_id"}


@pytest.fixture
def stored(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """file id -> bytes of every file a page hands to Streamlit (download buttons' data)."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    files: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def keep(self, path_or_data, mimetype, kind, filename=None):  # type: ignore[no-untyped-def]
        file_id = original(self, path_or_data, mimetype, kind, filename)
        files[file_id] = path_or_data
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    return files


def downloads(at, stored: dict[str, bytes]) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    """label -> file bytes of each download button now on the page."""
    out = {}
    for button in at.get("download_button"):
        file_id = button.proto.url.rsplit("/", 1)[-1].split(".")[0]
        out[button.label] = stored[file_id]
    return out


def read_csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def read_xlsx(data: bytes) -> dict[str, list[dict[Any, tuple[Any, str]]]]:
    """sheet -> rows of header -> (value, number format)."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    out = {}
    for ws in book.worksheets:
        rows = list(ws.iter_rows())
        head = [c.value for c in rows[0]]
        out[ws.title] = [{h: (c.value, c.number_format) for h, c in zip(head, r, strict=True)}
                         for r in rows[1:]]
    return out


def cents(value: object) -> Decimal:
    """An XLSX number (a double) as the decimal it was written from."""
    assert isinstance(value, int | float), value
    return Decimal(str(value)).quantize(Decimal("0.01"))


@pytest.fixture
def big_march(small_book: SmallBook) -> SmallBook:
    tx.add_transaction(small_book.owner, tx.TransactionInput(
        small_book.checking.id, MARCH.replace(day=20), "-10674.68", "Piano shop", "Piano",
        small_book.categories["Hobbies"]))
    return small_book


def test_monthly_downloads_are_decimal_to_the_cent(big_march: SmallBook, as_owner: OpenPage,
                                                   stored: dict[str, bytes]) -> None:
    at = as_owner("pages/report_monthly.py")
    at.selectbox(key="rm_month").set_value(MARCH).run()
    files = downloads(at, stored)
    assert set(files) == {"Download CSV", "Download Excel"}

    rows = read_csv(files["Download CSV"])
    assert list(rows[0]) == ["Category", "Kind", "Directly", "With sub-categories"]
    by_cat = {r["Category"]: r for r in rows}
    assert by_cat["Entertainment → Hobbies"]["With sub-categories"] == "-10674.68"  # was 1067468
    assert by_cat["Housing → Rent"]["With sub-categories"] == "-850.00"
    assert by_cat["Food → Groceries"]["Directly"] == "-64.37"
    assert by_cat["Transportation → Car → Fuel"]["With sub-categories"] == "-24.63"  # USD at 1.10
    assert by_cat["Income → Salary"]["With sub-categories"] == "2500.00"

    sheets = read_xlsx(files["Download Excel"])
    assert list(sheets) == ["categories", "biggest", "vs_average"]
    cats = {r["Category"][0]: r for r in sheets["categories"]}
    value, fmt = cats["Entertainment → Hobbies"]["With sub-categories"]
    assert (cents(value), fmt) == (Decimal("-10674.68"), "#,##0.00")
    assert not IDS & set(sheets["categories"][0])
    biggest = {r["Payee"][0]: r for r in sheets["biggest"]}
    assert list(sheets["biggest"][0]) == ["Date", "Account", "Payee", "Description",
                                          "Category", "Amount", "Currency", "Amount (EUR)"]
    assert (cents(biggest["Piano shop"]["Amount"][0]),
            biggest["Piano shop"]["Amount"][1]) == (Decimal("-10674.68"), "#,##0.00")
    assert biggest["Shell"]["Currency"][0] == "USD"
    assert cents(biggest["Shell"]["Amount"][0]) == Decimal("-42.10")
    assert cents(biggest["Shell"]["Amount (EUR)"][0]) == Decimal("-38.27")
    assert biggest["Shell"]["Amount (EUR)"][1] == "#,##0.00"
    averages = {r["Category"][0]: r for r in sheets["vs_average"]}
    assert list(sheets["vs_average"][0]) == ["Category", "This month", "Average before",
                                             "Change"]
    assert cents(averages["Entertainment"]["This month"][0]) == Decimal("-10674.68")


def test_explore_downloads_are_decimal_to_the_cent(big_march: SmallBook, as_owner: OpenPage,
                                                   stored: dict[str, bytes]) -> None:
    at = as_owner("pages/report_explore.py")
    next(b for b in at.button if b.label == "Prepare transactions CSV").click().run()
    next(b for b in at.button if b.label == "Prepare transactions Excel").click().run()
    assert not at.exception, at.exception
    files = downloads(at, stored)
    assert set(files) == {"Pivot as CSV", "Pivot as Excel", "Download transactions.csv",
                          "Download transactions.xlsx"}

    pivot = {r["Category"]: r for r in read_csv(files["Pivot as CSV"])}
    assert list(next(iter(pivot.values()))) == ["Category", "2024-03-01"]
    assert pivot["Entertainment → Hobbies"]["2024-03-01"] == "-10674.68"
    assert pivot["Housing → Rent"]["2024-03-01"] == "-850.00"
    assert pivot["Transportation → Car → Fuel"]["2024-03-01"] == "-24.63"
    sheet = {r["Category"][0]: r for r in read_xlsx(files["Pivot as Excel"])["pivot"]}
    value, fmt = sheet["Entertainment → Hobbies"]["2024-03-01"]
    assert (cents(value), fmt) == (Decimal("-10674.68"), "#,##0.00")

    piano = next(r for r in read_csv(files["Download transactions.csv"])
                 if r["payee"] == "Piano shop")
    assert (piano["amount"], piano["currency"], piano["amount_base"]) == (
        "-10674.68", "EUR", "-10674.68")
    rows = read_xlsx(files["Download transactions.xlsx"])["Transactions"]
    piano_x = next(r for r in rows if r["payee"][0] == "Piano shop")
    assert (cents(piano_x["amount"][0]), piano_x["amount"][1]) == (Decimal("-10674.68"),
                                                                   "#,##0.00")


def test_the_pivot_of_counts_exports_plain_counts(big_march: SmallBook, as_owner: OpenPage,
                                                  stored: dict[str, bytes]) -> None:
    at = as_owner("pages/report_explore.py")
    at.selectbox(key="rx_measure").set_value("count").run()
    pivot = {r["Category"]: r for r in read_csv(downloads(at, stored)["Pivot as CSV"])}
    assert pivot["Entertainment → Hobbies"]["2024-03-01"] == "1"
    assert pivot["Transportation → Car → Fuel"]["2024-03-01"] == "2"


@pytest.mark.parametrize("page", REPORT_PAGES)
def test_no_download_on_any_report_page_has_ids_or_general_money(
        big_march: SmallBook, as_owner: OpenPage, stored: dict[str, bytes], page: str) -> None:
    at = as_owner(page)
    if page == "pages/report_monthly.py":
        at.selectbox(key="rm_month").set_value(MARCH).run()
    for label, data in downloads(at, stored).items():
        if data.startswith(b"PK"):  # XLSX
            for name, rows in read_xlsx(data).items():
                assert rows, (label, name)
                assert not IDS & set(rows[0]), (label, name)
                for row in rows:
                    for header, (value, fmt) in row.items():
                        if isinstance(value, float):  # money: never "General"
                            assert fmt == "#,##0.00", (label, name, header)
        else:
            csv_rows = read_csv(data)
            assert csv_rows, label
            assert not IDS & set(csv_rows[0]), label
