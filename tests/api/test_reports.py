"""Reports and exports over HTTP: the same figures as the Reports pages, money as decimal
strings, the shared filters as query parameters, files streamed."""

from __future__ import annotations

import csv
import io

import openpyxl

from tests.api.conftest import Api

EUR = "EUR"


def test_the_monthly_report_gives_exact_money(api: Api) -> None:
    report = api.get("reports/monthly", api.alice, params={"month": "2024-03-15"}).json()
    assert report["month"] == "2024-03-01"
    assert report["income"] == {"amount": "2500.00", "currency": EUR}
    assert report["expenses"]["currency"] == EUR
    rows = report["by_category"]["rows"]
    rent = next(r for r in rows if r["name"] == "Rent")
    assert rent["total"] == {"amount": "-850.00", "currency": EUR}


def test_the_monthly_report_takes_the_shared_filters(api: Api) -> None:
    only_card = api.get("reports/monthly", api.alice, params={
        "month": "2024-03-01", "account_id": api.book.card.id}).json()
    assert only_card["income"] == {"amount": "0.00", "currency": EUR}


def test_trends_need_a_date_range_named_in_the_problem(api: Api) -> None:
    missing = api.get("reports/trends", api.alice)
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "date_from"
    ok = api.get("reports/trends", api.alice,
                 params={"date_from": "2024-01-01", "date_to": "2024-03-31"}).json()
    assert [r["month"] for r in ok["monthly"]["rows"]] == ["2024-01-01", "2024-02-01",
                                                           "2024-03-01"]


def test_categories_cashflow_net_worth_and_pivot_answer(api: Api) -> None:
    cats = api.get("reports/categories", api.alice).json()["categories"]["rows"]
    assert any(r["path"] == "Housing → Rent" or r.get("name") == "Rent" for r in cats)
    flow = api.get("reports/cashflow", api.alice).json()
    assert flow["income"] == {"amount": "2500.00", "currency": EUR}
    worth = api.get("reports/net-worth", api.alice,
                    params={"date_from": "2024-03-01", "date_to": "2024-03-31"}).json()
    assert worth["monthly"]["rows"][-1]["net_worth"]["currency"] == EUR
    table = api.get("reports/pivot", api.alice,
                    params={"rows": "category", "measure": "count"}).json()
    assert table["rows"]
    bad = api.get("reports/pivot", api.alice, params={"rows": "colour"})
    assert bad.status_code == 422


def test_transactions_export_as_csv_with_the_filter(api: Api) -> None:
    answer = api.get("exports/transactions", api.alice, params={"tag": "food"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert len(rows) == 2  # the header and REWE
    assert "REWE" in rows[1]
    assert "-64.37" in rows[1]


def test_transactions_export_as_xlsx(api: Api) -> None:
    answer = api.get("exports/transactions", api.pat(api.book.viewer, "read"),
                     params={"format": "xlsx"})
    assert answer.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    assert sheet.max_row == 8  # the header and seven transactions
