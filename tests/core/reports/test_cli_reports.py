"""``fintrack export transactions`` and ``fintrack report monthly`` against the hand-written
report book, through the CLI on the same SQLite file the fixture built (to the cent)."""

from __future__ import annotations

import csv
import io
import json
import warnings
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner, Result

from fintrack_cli.main import app
from fintrack_core.reports.exports import TRANSACTION_COLUMNS
from tests.core.reports.conftest import ReportBook

runner = CliRunner()


@pytest.fixture
def book(report_book: ReportBook, monkeypatch: pytest.MonkeyPatch) -> ReportBook:
    monkeypatch.setenv("FINTRACK_DATABASE_URL", report_book.db.url)
    return report_book


def run(*args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def ok(*args: str | Path) -> Result:
    result = run(*args)
    assert result.exit_code == 0, f"{args}: {result.output}"
    return result


def fails(result: Result, *words: str, status: int = 1) -> None:
    assert result.exit_code == status, result.output
    assert "Traceback" not in result.output
    if status == 1:
        assert result.stderr.splitlines()[-1].startswith("Error: "), result.stderr
    for word in words:
        assert word in result.stderr, f"{word!r} not in {result.stderr!r}"


def csv_rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def export(*args: str | Path) -> list[dict[str, str]]:
    result = ok("export", "transactions", "--user", "alice", *args)
    return csv_rows(result.stdout_bytes)


# --- export ----------------------------------------------------------------------------------


def test_export_csv_to_stdout(book: ReportBook) -> None:
    rows = export()
    assert len(rows) == 26
    assert tuple(rows[0]) == TRANSACTION_COLUMNS
    eur = sum(Decimal(r["amount"]) for r in rows if r["currency"] == "EUR")
    usd = sum(Decimal(r["amount"]) for r in rows if r["currency"] == "USD")
    assert (eur, usd) == (Decimal("5582.87"), Decimal("41.00"))
    # USD in EUR: -55.00 / 1.10 = -50.00, 216.00 / 1.10 = 196.36, -120.00 / 1.20 = -100.00
    assert sum(Decimal(r["amount_base"]) for r in rows) == Decimal("5629.23")


@pytest.mark.parametrize("args", [("export", "transactions", "--user", "alice"),
                                  ("report", "monthly", "--user", "alice", "--month", "2024-03",
                                   "--format", "csv")])
def test_csv_to_stdout_uses_no_deprecated_click_api(book: ReportBook,
                                                   args: tuple[str, ...]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        result = ok(*args)
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbf")


def test_export_filters(book: ReportBook) -> None:
    assert {r["account"] for r in export("--account", "visa", "--account", "Savings")} == \
        {"Visa", "Savings"}
    food = export("--category", "Food/Groceries")
    assert sorted(r["amount"] for r in food) == ["-120.00", "-120.35", "-82.40", "-99.99"]
    assert {r["payee"] for r in export("--tag", "car", "--tag", "travel")} == \
        {"Shell", "Diner NYC", "Whole Foods"}
    assert [r["payee"] for r in export("--text", "rewe", "--from", "2024-03-01")] == ["REWE"]
    assert {r["amount_base"] for r in export("--min", "1000", "--max", "3000")} == \
        {"3000.00", "-1000.00"}
    march = export("--from", "2024-03-01", "--to", "2024-03-31")
    assert len(march) == 8
    assert {r["date"][:7] for r in march} == {"2024-03"}


def test_export_xlsx_file(book: ReportBook, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "tx.xlsx"
    result = ok("export", "transactions", "--user", "alice", "--format", "xlsx",
                "--output", out)
    assert result.stdout == ""
    assert "Exported 26 transactions" in result.stderr
    ws = openpyxl.load_workbook(out)["Transactions"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == TRANSACTION_COLUMNS
    assert len(rows) == 27
    total = sum(Decimal(str(r[7])).quantize(Decimal("0.01")) for r in rows[1:])
    assert total == Decimal("5629.23")
    assert [p.name for p in out.parent.iterdir()] == ["tx.xlsx"]  # no temporary file left


def test_export_csv_file_and_viewer(book: ReportBook, tmp_path: Path) -> None:
    out = tmp_path / "tx.csv"
    ok("export", "transactions", "--user", "bob", "--book", str(book.owner.book_id),
       "--output", out)
    assert len(csv_rows(out.read_bytes())) == 26


@pytest.mark.parametrize(("args", "words"), [
    (["--format", "xlsx"], ["output", "--output"]),
    (["--account", "Nope"], ["account", "Nope", "Girokonto"]),
    (["--category", "Nothing"], ["category"]),
    (["--from", "2024-3-1"], ["from", "YYYY-MM-DD"]),
    (["--from", "2024-03-02", "--to", "2024-03-01"], ["from"]),
    (["--min", "-5"], ["min"]),
    (["--min", "10", "--max", "5"], ["min"]),
    (["--min", "ten"], ["min", "not a number"]),
    (["--output", "/nonexistent/folder/x.csv"], ["output", "does not exist"]),
])
def test_export_errors(book: ReportBook, args: list[str], words: list[str]) -> None:
    fails(run("export", "transactions", "--user", "alice", *args), *words)


def test_export_errors_without_scope(book: ReportBook, tmp_path: Path) -> None:
    fails(run("export", "transactions"), "several users", "--user")
    fails(run("export", "transactions", "--user", "bob"), "book")  # bob has two books
    fails(run("export", "transactions", "--user", "alice", "--output", tmp_path),
          "directory", status=2)
    fails(run("export", "transactions", "--user", "alice", "--format", "ods"), "ods",
          status=2)


# --- monthly report --------------------------------------------------------------------------
# March 2024, by hand: salary 3200.00; rent -1000.00, REWE -99.99, Shell -74.50,
# Whole Foods -120 USD at 1.20 = -100.00, Netflix -19.99 (uncategorised) = -1294.48.


def monthly(*args: str) -> Result:
    return ok("report", "monthly", "--user", "alice", "--month", "2024-03", *args)


def test_monthly_json(book: ReportBook) -> None:
    data: dict[str, Any] = json.loads(monthly("--format", "json").stdout)
    assert data["month"] == "2024-03"
    assert data["base_currency"] == "EUR"
    assert (data["income"], data["expenses"], data["net"]) == ("3200.00", "-1294.48",
                                                                "1905.52")
    assert data["savings_rate"] == "0.5955"
    totals = {c["path"]: c["total"] for c in data["by_category"]}
    assert totals["Food"] == "-199.99"
    assert totals["Food → Groceries"] == "-199.99"
    assert totals["Housing → Rent"] == "-1000.00"
    assert totals["Transportation → Car → Fuel"] == "-74.50"
    assert totals["Income → Salary"] == "3200.00"
    assert totals["Uncategorised"] == "-19.99"
    assert data["biggest"][0] == {**data["biggest"][0], "payee": "Landlord",
                                  "amount": "-1000.00", "amount_base": "-1000.00"}
    whole_foods = next(b for b in data["biggest"] if b["payee"] == "Whole Foods")
    assert (whole_foods["amount"], whole_foods["currency"], whole_foods["amount_base"]) == \
        ("-120.00", "USD", "-100.00")
    # Dec-Feb average: Food (-82.40 - 45.90 - 50.00 - 120.35 - 89.00) / 3 = -129.22
    avg = {v["path"]: v for v in data["vs_average"]}
    assert avg["Food"] == {**avg["Food"], "this_month": "-199.99",
                           "average_previous": "-129.22", "change": "-70.77"}
    assert avg["Housing"]["average_previous"] == "-666.67"
    assert avg["Transportation"]["average_previous"] == "-11.67"
    assert data["unconverted"] == {}


def test_monthly_csv(book: ReportBook) -> None:
    # The same file as the Monthly page's "Download CSV" (report_export.report_file):
    # decimal amounts, readable headers, no internal ids.
    rows = csv_rows(monthly("--format", "csv").stdout_bytes)
    by_path = {r["Category"]: r for r in rows}
    assert list(rows[0]) == ["Category", "Kind", "Directly", "With sub-categories"]
    assert by_path["Food → Groceries"]["With sub-categories"] == "-199.99"
    assert by_path["Food"] == {**by_path["Food"], "Directly": "0.00", "Kind": "expense"}
    assert by_path["Income"]["With sub-categories"] == "3200.00"
    assert sum(Decimal(r["Directly"]) for r in rows) == Decimal("1905.52")  # own rows: net


def test_monthly_table(book: ReportBook) -> None:
    out = monthly().stdout
    assert "March 2024" in out
    for text in ("€3,200.00", "-€1,294.48", "€1,905.52", "59.6 %", "Whole Foods",
                 "    Fuel", "  Groceries", "-€129.22"):
        assert text in out, text
    assert monthly("--format", "TABLE").stdout == out  # case-insensitive choice


def test_monthly_viewer_and_empty_month(book: ReportBook) -> None:
    data = json.loads(ok("report", "monthly", "--user", "bob", "--book",
                         str(book.owner.book_id), "--month", "2024-03", "--format",
                         "json").stdout)
    assert data["net"] == "1905.52"
    empty = json.loads(ok("report", "monthly", "--user", "alice", "--month", "2023-06",
                          "--format", "json").stdout)
    assert (empty["income"], empty["savings_rate"], empty["by_category"]) == ("0.00", None, [])
    assert "No income or expenses" in ok("report", "monthly", "--user", "alice",
                                         "--month", "2023-06").stdout


@pytest.mark.parametrize("month", ["2024-13", "2024-3", "March", "2024-03-01", "0000-01"])
def test_monthly_bad_month(book: ReportBook, month: str) -> None:
    fails(run("report", "monthly", "--user", "alice", "--month", month), "month", "YYYY-MM")


def test_monthly_usage_errors(book: ReportBook) -> None:
    fails(run("report", "monthly", "--user", "alice", "--format", "pdf"), status=2)
    fails(run("report", "monthly", "--user", "nobody"), "nobody")
