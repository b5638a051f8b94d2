"""Transactions over HTTP: money as decimal strings, every filter, cursor pages, validation
problems naming the field, external ids, budget alerts, ETags and transfers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from fintrack_core.budgets.service import BudgetInput, add_budget
from tests.api.conftest import Api

PROBLEM = "application/problem+json"


def new_tx(api: Api, **fields: Any) -> dict[str, Any]:
    body = {"account_id": api.book.checking.id, "date": "2024-03-20", "amount": "-12.30",
            "payee": "Bäckerei", "category_id": api.book.categories["Groceries"]}
    body.update(fields)
    return body


def test_a_list_shows_money_as_decimal_strings_with_their_currency(api: Api) -> None:
    page = api.get("transactions", api.alice).json()
    rows = {r["payee"]: r for r in page["items"]}
    assert rows["REWE"]["amount"] == {"amount": "-64.37", "currency": "EUR"}
    assert rows["Shell"]["amount"]["currency"] == "USD"
    assert rows["REWE"]["date"] == "2024-03-05"
    assert rows["REWE"]["tags"] == ["food", "weekly"]
    assert page["next_cursor"] is None


@pytest.mark.parametrize(("query", "payees"), [
    ({"date_from": "2024-03-05", "date_to": "2024-03-09"}, {"REWE", "Shell"}),
    ({"tag": "car"}, {"Shell"}),
    ({"tag": ["home", "car"]}, {"Landlord", "Shell"}),
    ({"text": "groc"}, {"REWE"}),
    ({"amount_min": "800"}, {"ACME GmbH", "Landlord"}),
    ({"amount_max": "20"}, {"Shell"}),
])
def test_every_filter_of_the_transactions_page_is_a_query_parameter(
        api: Api, query: dict[str, Any], payees: set[str]) -> None:
    rows = api.get("transactions", api.alice, params=query).json()["items"]
    assert {r["payee"] for r in rows} == payees


def test_account_and_category_filters_take_ids(api: Api) -> None:
    card = api.get("transactions", api.alice,
                   params={"account_id": api.book.card.id}).json()["items"]
    assert {r["account"] for r in card} == {"US Visa"}
    food = api.get("transactions", api.alice,
                   params={"category_id": api.book.categories["Groceries"]}).json()["items"]
    assert [r["payee"] for r in food] == ["REWE"]


def test_cursor_pages_walk_every_row_once_in_order(api: Api) -> None:
    seen: list[int] = []
    params: dict[str, Any] = {"limit": 2, "sort": "amount", "order": "asc"}
    while True:
        page = api.get("transactions", api.alice, params=params).json()
        seen += [r["id"] for r in page["items"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    everything = api.get("transactions", api.alice,
                         params={"sort": "amount", "order": "asc"}).json()["items"]
    assert seen == [r["id"] for r in everything]
    assert len(seen) == 7


@pytest.mark.parametrize(("query", "field"), [
    ({"limit": 501}, "limit"),
    ({"sort": "colour"}, "sort"),
    ({"date_from": "2024-04-01", "date_to": "2024-03-01"}, "date_from"),
    ({"date_from": "yesterday"}, "date_from"),
    ({"amount_min": "1e400"}, "amount_min"),
    ({"cursor": "not-a-cursor"}, "cursor"),
    ({"account_id": 2**70}, "account_id.0"),
])
def test_bad_query_parameters_are_422_problems_naming_the_field(
        api: Api, query: dict[str, Any], field: str) -> None:
    answer = api.get("transactions", api.alice, params=query)
    assert answer.status_code == 422
    assert answer.headers["content-type"] == PROBLEM
    assert field in [e["field"] for e in answer.json()["errors"]]


def test_a_cursor_of_another_sort_order_is_refused(api: Api) -> None:
    first = api.get("transactions", api.alice, params={"limit": 1}).json()
    answer = api.get("transactions", api.alice,
                     params={"limit": 1, "sort": "payee", "cursor": first["next_cursor"]})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "cursor"


def test_adding_a_transaction_answers_201_with_location_and_etag(api: Api) -> None:
    answer = api.client.post(api.path("transactions"), headers=api.alice, json=new_tx(api))
    assert answer.status_code == 201
    created = answer.json()
    assert created["amount"] == {"amount": "-12.30", "currency": "EUR"}
    assert answer.headers["Location"].endswith(f"/transactions/{created['id']}")
    again = api.get(f"transactions/{created['id']}", api.alice)
    assert again.headers["ETag"] == answer.headers["ETag"]


@pytest.mark.parametrize(("change", "field"), [
    ({"amount": "0"}, "amount"),
    ({"amount": "12.345"}, "amount"),
    ({"amount": 12.3}, "amount"),
    ({"amount": "-\u0661\u0662.50"}, "amount"),  # Arabic-Indic digits: Decimal() reads -12.50
    ({"date": "2024-02-30"}, "date"),
    ({"category_id": None, "colour": "red"}, "colour"),
    ({"payee": "x" * 201}, "payee"),
])
def test_invalid_transactions_are_422_problems_naming_the_field(
        api: Api, change: dict[str, Any], field: str) -> None:
    answer = api.client.post(api.path("transactions"), headers=api.alice,
                             json=new_tx(api, **change))
    assert answer.status_code == 422, answer.text
    assert field in [e["field"] for e in answer.json()["errors"]]


def test_posting_the_same_bank_row_twice_books_it_once(api: Api) -> None:
    body = new_tx(api, external_id="DKB-2024-0320-77")
    first = api.client.post(api.path("transactions"), headers=api.alice, json=body)
    second = api.client.post(api.path("transactions"), headers=api.alice, json=body)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    rows = api.get("transactions", api.alice, params={"text": "Bäckerei"}).json()["items"]
    assert len(rows) == 1


def test_a_transaction_answers_the_budget_thresholds_it_crossed(api: Api,
                                                                today: dt.date) -> None:
    add_budget(api.book.owner, BudgetInput(api.book.categories["Groceries"], "100", "monthly",
                                           starts_on=today.replace(day=1)))
    quiet = api.client.post(api.path("transactions"), headers=api.alice,
                            json=new_tx(api, date=today.isoformat(), amount="-10"))
    assert quiet.json()["budget_alerts"] == []
    loud = api.client.post(api.path("transactions"), headers=api.alice,
                           json=new_tx(api, date=today.isoformat(), amount="-75"))
    [alert] = loud.json()["budget_alerts"]
    assert (alert["kind"], alert["threshold"]) == ("fired", 80)
    assert alert["spent"] == {"amount": "85.00", "currency": "EUR"}
    assert alert["limit"] == {"amount": "100.00", "currency": "EUR"}


def test_if_match_refuses_an_update_when_someone_changed_the_row_meanwhile(api: Api) -> None:
    created = api.client.post(api.path("transactions"), headers=api.alice, json=new_tx(api))
    path, etag = api.path(f"transactions/{created.json()['id']}"), created.headers["ETag"]
    # the dashboard (or another script) edits the row ...
    assert api.client.patch(path, headers=api.alice, json={"payee": "Bakery"}).status_code == 200
    # ... so this script's edit, made from the old copy, is refused
    stale = api.client.patch(path, headers={**api.alice, "If-Match": etag},
                             json={"notes": "birthday cake"})
    assert stale.status_code == 412
    assert stale.headers["content-type"] == PROBLEM
    fresh = api.client.get(path, headers=api.alice).headers["ETag"]
    ok = api.client.patch(path, headers={**api.alice, "If-Match": fresh},
                          json={"notes": "birthday cake"})
    assert ok.status_code == 200
    assert ok.json()["payee"] == "Bakery"
    gone = api.client.delete(path, headers={**api.alice, "If-Match": fresh})
    assert gone.status_code == 412
    assert api.client.delete(path, headers={**api.alice, "If-Match": ok.headers["ETag"]}
                             ).json() == {"count": 1}


def test_a_transfer_moves_money_between_two_accounts(api: Api) -> None:
    answer = api.client.post(api.path("transfers"), headers=api.alice, json={
        "from_account_id": api.book.checking.id, "to_account_id": api.book.card.id,
        "amount": "100", "received": "110.25", "date": "2024-03-20"})
    assert answer.status_code == 201
    body = answer.json()
    assert body["out_leg"]["amount"] == {"amount": "-100.00", "currency": "EUR"}
    assert body["in_leg"]["amount"] == {"amount": "110.25", "currency": "USD"}
    assert body["rate"] == "1.1025"


def test_a_cross_currency_transfer_without_the_received_amount_names_it(api: Api) -> None:
    answer = api.client.post(api.path("transfers"), headers=api.alice, json={
        "from_account_id": api.book.checking.id, "to_account_id": api.book.card.id,
        "amount": "100", "date": "2024-03-20"})
    assert answer.status_code == 422
    assert answer.json()["errors"] == [{"field": "received", "reason": answer.json()[
        "errors"][0]["reason"]}]
