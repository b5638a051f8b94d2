"""Inputs Schemathesis found that once ended in a 500 (each now a problem naming the field),
and the OpenAPI document saying errors are problem+json."""

from __future__ import annotations

import datetime as dt

from tests.api.conftest import Api

PROBLEM = "application/problem+json"


def test_null_for_a_field_that_cannot_be_null_is_422_not_a_crash(api: Api) -> None:
    rewe = api.get("transactions", api.alice, params={"text": "rewe"}).json()["items"][0]
    for field in ("account_id", "date", "amount", "payee"):
        answer = api.client.patch(api.path(f"transactions/{rewe['id']}"), headers=api.alice,
                                  json={field: None})
        assert answer.status_code == 422, field
        assert answer.json()["errors"][0]["field"] == field
    removed = api.client.patch(api.path(f"transactions/{rewe['id']}"), headers=api.alice,
                               json={"category_id": None})
    assert removed.json()["category_id"] is None  # null means "no category" there


def test_a_tag_action_with_a_number_names_the_tags(api: Api) -> None:
    answer = api.client.post(api.path("rules/test"), headers=api.alice, json={
        "name": "x", "conditions": [{"field": "payee", "op": "contains", "value": "a"}],
        "actions": [{"kind": "add_tags", "value": 7}]})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "tags"


def test_an_empty_statement_file_names_the_file(api: Api) -> None:
    answer = api.client.post(api.path("imports"), headers=api.alice,
                             files={"file": ("empty.csv", b"", "text/csv")},
                             data={"account_id": str(api.book.checking.id)})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "file"


def test_moving_a_bank_row_into_an_account_that_holds_it_is_a_conflict(api: Api) -> None:
    path = api.path("transactions")
    row = {"date": "2024-03-20", "amount": "-5", "external_id": "bank-7"}
    api.client.post(path, headers=api.alice, json={**row, "account_id": api.book.savings.id})
    moving = api.client.post(path, headers=api.alice,
                             json={**row, "account_id": api.book.checking.id}).json()
    answer = api.client.patch(api.path(f"transactions/{moving['id']}"), headers=api.alice,
                              json={"account_id": api.book.savings.id})
    assert answer.status_code == 409
    assert "bank-7" in answer.json()["detail"]


def test_a_body_that_is_not_utf8_is_a_400_problem(api: Api) -> None:
    answer = api.client.post(api.path("accounts"), content=b"\xff\xfe-",
                             headers={**api.alice, "Content-Type": "application/json"})
    assert answer.status_code in (400, 422)
    assert answer.headers["content-type"] == PROBLEM


def test_the_schema_documents_every_error_as_a_problem(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            for code, answer in operation["responses"].items():
                if code[0] in "45" and path != "/health/ready":
                    assert list(answer["content"]) == [PROBLEM], (method, path, code)
            assert "400" in operation["responses"], (method, path)
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_a_trend_over_centuries_is_refused_not_computed(api: Api) -> None:
    answer = api.get("reports/trends", api.alice,
                     params={"date_from": "0519-01-01", "date_to": "2024-01-01"})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "date_from"


def test_a_net_worth_over_centuries_is_refused_not_computed(api: Api) -> None:
    answer = api.get("reports/net-worth", api.alice,
                     params={"date_from": "0001-01-11", "date_to": "2024-12-31"})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "date_from"
    assert "24,288 months" in answer.json()["errors"][0]["reason"]


def test_a_moment_carries_its_utc_offset_as_the_schema_promises(api: Api,
                                                                today: dt.date) -> None:
    groceries = api.book.categories["Groceries"]
    api.client.post(api.path("budgets"), headers=api.alice, json={
        "category_id": groceries, "amount": "100", "starts_on": today.replace(day=1).isoformat()})
    api.client.post(api.path("transactions"), headers=api.alice, json={
        "account_id": api.book.checking.id, "date": today.isoformat(), "amount": "-90",
        "category_id": groceries})
    [alert] = api.get("budget-alerts", api.alice).json()
    assert alert["fired_at"].endswith("Z")  # once "2024-…T10:00:00.123456", without a zone
    assert dt.datetime.fromisoformat(alert["fired_at"]).utcoffset() == dt.timedelta(0)
