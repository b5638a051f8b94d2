"""Accounts: CRUD and the balance as of a date."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from fintrack_api.conditional import check_if_match, with_etag
from fintrack_api.deps import BookScope, RowId
from fintrack_api.problems import responses
from fintrack_api.schemas import (
    Account,
    AccountIn,
    AccountPatch,
    Balance,
    Count,
    changes_of,
    money,
)
from fintrack_core.ledger.accounts import (
    account_view,
    balance,
    create_account,
    delete_account,
    list_accounts,
    update_account,
)

router = APIRouter(prefix="/books/{book_id}/accounts", tags=["accounts"])
READS = responses(401, 404, 422)
WRITES = responses(401, 403, 404, 409, 422)
CHANGES = responses(401, 403, 404, 409, 412, 422)


@router.get("", response_model=list[Account], responses=READS, summary="The book's accounts")
def accounts(scope: BookScope, include_closed: bool = True) -> list[Account]:
    return [Account.of(a) for a in list_accounts(scope, include_closed)]


@router.post("", response_model=Account, status_code=status.HTTP_201_CREATED,
             responses=WRITES, summary="Add an account")
def add(scope: BookScope, body: AccountIn, response: Response) -> Account:
    created = Account.of(create_account(scope, body.name, body.type, body.currency,
                                        body.opening_balance, body.opened_on,
                                        body.institution, body.number))
    response.headers["Location"] = f"/api/v1/books/{scope.book_id}/accounts/{created.id}"
    with_etag(response, created)
    return created


@router.get("/{account_id}", response_model=Account, responses=READS, summary="One account")
def one(scope: BookScope, account_id: RowId, response: Response) -> Account:
    found = Account.of(account_view(scope, account_id))
    with_etag(response, found)
    return found


@router.patch("/{account_id}", response_model=Account, responses=CHANGES,
              summary="Change an account (send If-Match to refuse a lost update)")
def change(scope: BookScope, account_id: RowId, body: AccountPatch, request: Request,
           response: Response) -> Account:
    check_if_match(request, Account.of(account_view(scope, account_id)))
    changed = Account.of(update_account(scope, account_id, **changes_of(body)))
    with_etag(response, changed)
    return changed


@router.delete("/{account_id}", response_model=Count, responses=CHANGES,
               summary="Delete an account and its transactions")
def remove(scope: BookScope, account_id: RowId, request: Request,
           confirm_transactions: Annotated[int, Query(
               ge=0, le=2**62, description="How many transactions go with it (409 tells)")] = 0
           ) -> Count:
    check_if_match(request, Account.of(account_view(scope, account_id)))
    return Count(count=delete_account(scope, account_id,
                                      confirm_transactions=confirm_transactions))


@router.get("/{account_id}/balance", response_model=Balance, responses=READS,
            summary="The balance at the end of a day (default today)")
def account_balance(scope: BookScope, account_id: RowId,
                    as_of: dt.date | None = None) -> Balance:
    acc = account_view(scope, account_id)
    day = as_of or dt.date.today()
    return Balance(account_id=acc.id, as_of=day,
                   balance=money(balance(scope, account_id, day), acc.currency))
