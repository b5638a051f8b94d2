"""Budgets (CRUD and status), their alerts, subscriptions and the cash forecast."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from fintrack_api.budget_schemas import (
    Alert,
    AlertIds,
    Budget,
    BudgetIn,
    BudgetPatch,
    BudgetStatus,
    Forecast,
    Subscription,
    Subscriptions,
)
from fintrack_api.conditional import check_if_match, with_etag
from fintrack_api.deps import BookScope, RowId
from fintrack_api.problems import responses
from fintrack_api.schemas import Count, changes_of, money
from fintrack_core.budgets.forecast import MAX_DAYS, forecast
from fintrack_core.budgets.inbox import MAX_ALERTS, dismiss_alerts, list_alerts, mark_read
from fintrack_core.budgets.service import (
    BudgetInput,
    add_budget,
    delete_budget,
    get_budget,
    list_budgets,
    update_budget,
)
from fintrack_core.budgets.status import budget_status
from fintrack_core.budgets.subscriptions import list_subscriptions
from fintrack_core.ledger.accounts import list_accounts

router = APIRouter(prefix="/books/{book_id}", tags=["budgets"])
READS = responses(401, 404, 422)
WRITES = responses(401, 403, 404, 409, 422)
CHANGES = responses(401, 403, 404, 409, 412, 422)


@router.get("/budgets", response_model=list[Budget], responses=READS,
            summary="The book's budgets")
def budgets(scope: BookScope) -> list[Budget]:
    return [Budget.of(b) for b in list_budgets(scope)]


@router.post("/budgets", response_model=Budget, status_code=status.HTTP_201_CREATED,
             responses=WRITES, summary="Add a budget")
def add(scope: BookScope, body: BudgetIn, response: Response) -> Budget:
    thresholds = tuple(body.thresholds) if body.thresholds is not None else None
    created = Budget.of(add_budget(scope, BudgetInput(
        body.category_id, body.amount, body.period, body.start_day, body.starts_on,
        body.ends_on, body.rollover, thresholds)))
    response.headers["Location"] = f"/api/v1/books/{scope.book_id}/budgets/{created.id}"
    with_etag(response, created)
    return created


@router.get("/budgets/status", response_model=list[BudgetStatus], responses=READS,
            summary="Spent, left and projected for each budget in its current period")
def statuses(scope: BookScope, as_of: dt.date | None = None) -> list[BudgetStatus]:
    return [BudgetStatus.of(s) for s in budget_status(scope, as_of)]


@router.get("/budgets/{budget_id}", response_model=Budget, responses=READS,
            summary="One budget")
def one(scope: BookScope, budget_id: RowId, response: Response) -> Budget:
    found = Budget.of(get_budget(scope, budget_id))
    with_etag(response, found)
    return found


@router.patch("/budgets/{budget_id}", response_model=Budget, responses=CHANGES,
              summary="Change some fields of a budget")
def change(scope: BookScope, budget_id: RowId, body: BudgetPatch, request: Request,
           response: Response) -> Budget:
    check_if_match(request, Budget.of(get_budget(scope, budget_id)))
    changes = changes_of(body, frozenset({"ends_on", "thresholds"}))
    if changes.get("thresholds") is not None:
        changes["thresholds"] = tuple(changes["thresholds"])
    changed = Budget.of(update_budget(scope, budget_id, **changes))
    with_etag(response, changed)
    return changed


@router.delete("/budgets/{budget_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses=CHANGES, summary="Delete a budget")
def remove(scope: BookScope, budget_id: RowId, request: Request) -> Response:
    check_if_match(request, Budget.of(get_budget(scope, budget_id)))
    delete_budget(scope, budget_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/budget-alerts", response_model=list[Alert], responses=READS,
            summary="Budget thresholds crossed, newest first")
def alerts(scope: BookScope, include_dismissed: bool = False, unread_only: bool = False,
           limit: Annotated[int, Query(ge=1, le=MAX_ALERTS)] = 50) -> list[Alert]:
    return [Alert.of(a) for a in list_alerts(scope, include_dismissed=include_dismissed,
                                             unread_only=unread_only, limit=limit)]


@router.post("/budget-alerts/read", response_model=Count, responses=WRITES,
             summary="Mark alerts as read")
def read(scope: BookScope, body: AlertIds) -> Count:
    return Count(count=mark_read(scope, body.ids))


@router.post("/budget-alerts/dismiss", response_model=Count, responses=WRITES,
             summary="Dismiss alerts")
def dismiss(scope: BookScope, body: AlertIds) -> Count:
    return Count(count=dismiss_alerts(scope, body.ids))


@router.get("/subscriptions", response_model=Subscriptions, responses=READS,
            summary="Recurring payments and income found in the book")
def subscriptions(scope: BookScope, include_dismissed: bool = False) -> Subscriptions:
    found = list_subscriptions(scope, include_dismissed=include_dismissed)
    return Subscriptions(series=[Subscription.of(v) for v in found.series],
                         monthly=[money(v, c) for c, v in sorted(found.monthly.items())],
                         yearly=[money(v, c) for c, v in sorted(found.yearly.items())])


@router.get("/forecast", response_model=Forecast, responses=READS,
            summary="The balances of the coming days from scheduled and recurring payments")
def cash_forecast(scope: BookScope,
                  days: Annotated[int, Query(ge=1, le=MAX_DAYS)] = 90) -> Forecast:
    currencies = {a.id: a.currency for a in list_accounts(scope)}
    return Forecast.of(forecast(scope, days), currencies)
