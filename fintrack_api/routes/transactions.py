"""Transactions (CRUD, filters, sorting, cursor pages) and transfers between accounts."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status

from fintrack_api.conditional import check_if_match, with_etag
from fintrack_api.deps import BookScope, RowId
from fintrack_api.filters import FilterDep
from fintrack_api.problems import responses
from fintrack_api.schemas import Count, changes_of, money
from fintrack_api.tx_schemas import (
    BudgetAlert,
    ListedTransaction,
    Transaction,
    TransactionCreated,
    TransactionIn,
    TransactionPage,
    TransactionPatch,
    Transfer,
    TransferIn,
)
from fintrack_core.api import ValidationError
from fintrack_core.budgets.alerts import AlertEvent, collect_alerts
from fintrack_core.filters import MAX_PAGE_SIZE
from fintrack_core.ledger.search import Keyset, transactions_after
from fintrack_core.ledger.transactions import (
    TransactionInput,
    add_transaction_once,
    delete_transaction,
    get_transaction,
    transfer,
    update_transaction,
)

router = APIRouter(prefix="/books/{book_id}", tags=["transactions"])
READS = responses(401, 404, 422)
WRITES = responses(401, 403, 404, 409, 422)
CHANGES = responses(401, 403, 404, 409, 412, 422)
Sort = Literal["date", "amount", "payee", "account", "category"]


def encode_cursor(sort: str, descending: bool, after: Keyset) -> str:
    value = after.value.isoformat() if isinstance(after.value, dt.date) else after.value
    raw = json.dumps({"s": sort, "d": descending, "v": value, "i": after.id})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str, descending: bool) -> Keyset:
    """The cursor of ``encode_cursor``; 422 naming ``cursor`` for anything else."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if raw["s"] != sort or raw["d"] != descending:
            raise ValidationError("cursor", "was made for another sort order")
        value = dt.date.fromisoformat(raw["v"]) if sort == "date" else raw["v"]
        return Keyset(value, raw["i"])
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise ValidationError("cursor", "is not a cursor of this list") from None


def alert_of(event: AlertEvent) -> BudgetAlert:
    return BudgetAlert(kind=event.kind, budget_id=event.budget_id, category=event.category,
                       threshold=event.threshold, period_start=event.span.start,
                       period_end=event.span.end,
                       spent=money(event.spent_minor, event.currency),
                       limit=money(event.limit_minor, event.currency), message=event.message)


@router.get("/transactions", response_model=TransactionPage, responses=READS,
            summary="Find transactions: filters, sorting, cursor pages")
def transactions(
    scope: BookScope, flt: FilterDep,
    sort: Sort = "date",
    order: Literal["asc", "desc"] = "desc",
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    cursor: Annotated[str | None, Query(max_length=2000, description=(
        "next_cursor of the previous page"))] = None,
) -> TransactionPage:
    descending = order == "desc"
    after = decode_cursor(cursor, sort, descending) if cursor else None
    page = transactions_after(scope, flt, sort=sort, descending=descending, after=after,
                              limit=limit)
    return TransactionPage(items=[ListedTransaction.of(r) for r in page.rows],
                           next_cursor=encode_cursor(sort, descending, page.next)
                           if page.next else None)


@router.post("/transactions", response_model=TransactionCreated,
             status_code=status.HTTP_201_CREATED, responses={
                 **WRITES, 200: {"model": TransactionCreated, "description": (
                     "The account already holds a transaction with this external_id: "
                     "that one, unchanged")}},
             summary="Add a transaction; answers the budget thresholds it crossed")
def add(scope: BookScope, body: TransactionIn, response: Response) -> TransactionCreated:
    data = TransactionInput(body.account_id, body.date, body.amount, body.payee,
                            body.description, body.category_id, body.notes, body.tags,
                            body.scheduled, body.external_id)
    with collect_alerts() as events:
        found, created = add_transaction_once(scope, data)
    result = TransactionCreated(**Transaction.of(found).model_dump(),
                                budget_alerts=[alert_of(e) for e in events])
    if not created:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/api/v1/books/{scope.book_id}/transactions/{found.id}"
    with_etag(response, Transaction.of(found))
    return result


@router.get("/transactions/{transaction_id}", response_model=Transaction, responses=READS,
            summary="One transaction")
def one(scope: BookScope, transaction_id: RowId, response: Response) -> Transaction:
    found = Transaction.of(get_transaction(scope, transaction_id))
    with_etag(response, found)
    return found


@router.patch("/transactions/{transaction_id}", response_model=Transaction,
              responses=CHANGES, summary="Change some fields of a transaction")
def change(scope: BookScope, transaction_id: RowId, body: TransactionPatch, request: Request,
           response: Response) -> Transaction:
    check_if_match(request, Transaction.of(get_transaction(scope, transaction_id)))
    changed = Transaction.of(update_transaction(
        scope, transaction_id, **changes_of(body, frozenset({"category_id"}))))
    with_etag(response, changed)
    return changed


@router.delete("/transactions/{transaction_id}", response_model=Count, responses=CHANGES,
               summary="Delete a transaction (both legs of a transfer)")
def remove(scope: BookScope, transaction_id: RowId, request: Request) -> Count:
    check_if_match(request, Transaction.of(get_transaction(scope, transaction_id)))
    return Count(count=delete_transaction(scope, transaction_id))


@router.post("/transfers", response_model=Transfer, status_code=status.HTTP_201_CREATED,
             responses=WRITES, summary="Move money between two accounts of the book")
def add_transfer(scope: BookScope, body: TransferIn) -> Transfer:
    return Transfer.of(transfer(scope, body.from_account_id, body.to_account_id, body.amount,
                                body.date, received=body.received,
                                description=body.description, category_id=body.category_id,
                                scheduled=body.scheduled))
