"""Budgets over HTTP: CRUD, their status in money strings, alerts, subscriptions and the
forecast."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.api.conftest import Api


def groceries(api: Api, **change: Any) -> dict[str, Any]:
    return {"category_id": api.book.categories["Groceries"], "amount": "100",
            "period": "monthly", "starts_on": "2024-01-01", **change}


def test_a_budget_is_created_read_changed_and_deleted(api: Api) -> None:
    made = api.client.post(api.path("budgets"), headers=api.alice, json=groceries(api))
    assert made.status_code == 201, made.text
    budget = made.json()
    assert budget["amount"] == {"amount": "100.00", "currency": "EUR"}
    assert budget["category"] == "Food → Groceries"
    path = api.path(f"budgets/{budget['id']}")
    changed = api.client.patch(path, headers={**api.alice, "If-Match": made.headers["ETag"]},
                               json={"amount": "120", "thresholds": [50, 90]})
    assert changed.json()["thresholds"] == [50, 90]
    stale = api.client.delete(path, headers={**api.alice, "If-Match": made.headers["ETag"]})
    assert stale.status_code == 412
    assert api.client.delete(path, headers=api.alice).status_code == 204


def test_a_second_budget_for_the_same_category_and_dates_names_the_field(api: Api) -> None:
    api.client.post(api.path("budgets"), headers=api.alice, json=groceries(api))
    again = api.client.post(api.path("budgets"), headers=api.alice, json=groceries(api))
    assert again.status_code in (409, 422)
    assert again.headers["content-type"] == "application/problem+json"


def test_the_status_shows_what_was_spent_and_what_is_left(api: Api) -> None:
    api.client.post(api.path("budgets"), headers=api.alice, json=groceries(api))
    [status] = api.get("budgets/status", api.alice, params={"as_of": "2024-03-31"}).json()
    assert status["spent"] == {"amount": "64.37", "currency": "EUR"}
    assert status["remaining"] == {"amount": "35.63", "currency": "EUR"}
    assert (status["period_start"], status["period_end"]) == ("2024-03-01", "2024-03-31")


def test_alerts_are_listed_and_can_be_marked_read(api: Api, today: dt.date) -> None:
    api.client.post(api.path("budgets"), headers=api.alice,
                    json=groceries(api, starts_on=today.replace(day=1).isoformat()))
    api.client.post(api.path("transactions"), headers=api.alice, json={
        "account_id": api.book.checking.id, "date": today.isoformat(), "amount": "-90",
        "category_id": api.book.categories["Groceries"]})
    [alert] = api.get("budget-alerts", api.alice).json()
    assert (alert["threshold"], alert["read"]) == (80, False)
    marked = api.client.post(api.path("budget-alerts/read"), headers=api.alice,
                             json={"ids": [alert["id"]]})
    assert marked.json() == {"count": 1}
    assert api.get("budget-alerts", api.alice, params={"unread_only": True}).json() == []


def test_subscriptions_and_forecast_answer_in_money_strings(api: Api) -> None:
    subs = api.get("subscriptions", api.alice).json()
    assert subs["series"] == []
    ahead = api.get("forecast", api.alice, params={"days": 30}).json()
    assert len(ahead["daily"]) == 31
    assert ahead["daily"][0]["total"]["currency"] == "EUR"
    assert api.get("forecast", api.alice, params={"days": 0}).status_code == 422
