"""The portfolio's records: assets (CRUD), trades (CRUD, by account and asset) and the
holdings with their open lots, each one ``fintrack_core.portfolio`` call as on the Portfolio
page. Valuation, performance and gains are in ``portfolio_reports``; prices in ``prices``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from fintrack_api.conditional import check_if_match, with_etag
from fintrack_api.deps import MAX_ID, BookScope, RowId
from fintrack_api.portfolio_schemas import (
    Asset,
    AssetIn,
    AssetPatch,
    Holding,
    Trade,
    TradeIn,
    TradePatch,
)
from fintrack_api.problems import responses
from fintrack_api.routes.portfolio_reports import day_query
from fintrack_api.schemas import changes_of
from fintrack_core.access import Scope
from fintrack_core.portfolio.assets import (
    AssetInput,
    add_asset,
    delete_asset,
    get_asset,
    list_assets,
    update_asset,
)
from fintrack_core.portfolio.lots import holdings
from fintrack_core.portfolio.trades import (
    TradeInput,
    TradeView,
    add_trade,
    delete_trade,
    get_trade,
    list_trades,
    update_trade,
)

router = APIRouter(prefix="/books/{book_id}", tags=["portfolio"])
READS = responses(401, 404, 422)
WRITES = responses(401, 403, 404, 409, 422)
CHANGES = responses(401, 403, 404, 409, 412, 422)
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]


@router.get("/assets", response_model=list[Asset], responses=READS,
            summary="The book's assets, by symbol")
def assets(scope: BookScope) -> list[Asset]:
    return [Asset.of(a) for a in list_assets(scope)]


@router.post("/assets", response_model=Asset, status_code=status.HTTP_201_CREATED,
             responses=WRITES, summary="Add an asset (its price source defaults by kind)")
def add(scope: BookScope, body: AssetIn, response: Response) -> Asset:
    created = Asset.of(add_asset(scope, AssetInput(body.symbol, body.kind, body.currency,
                                                   body.name, body.provider,
                                                   body.provider_id)))
    response.headers["Location"] = f"/api/v1/books/{scope.book_id}/assets/{created.id}"
    with_etag(response, created)
    return created


@router.get("/assets/{asset_id}", response_model=Asset, responses=READS, summary="One asset")
def one(scope: BookScope, asset_id: RowId, response: Response) -> Asset:
    found = Asset.of(get_asset(scope, asset_id))
    with_etag(response, found)
    return found


@router.patch("/assets/{asset_id}", response_model=Asset, responses=CHANGES,
              summary="Change some fields of an asset")
def change(scope: BookScope, asset_id: RowId, body: AssetPatch, request: Request,
           response: Response) -> Asset:
    check_if_match(request, Asset.of(get_asset(scope, asset_id)))
    changed = Asset.of(update_asset(scope, asset_id, **changes_of(body)))
    with_etag(response, changed)
    return changed


@router.delete("/assets/{asset_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses=CHANGES, summary="Delete an asset without trades (409 with trades)")
def remove(scope: BookScope, asset_id: RowId, request: Request) -> Response:
    check_if_match(request, Asset.of(get_asset(scope, asset_id)))
    delete_asset(scope, asset_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _trade(scope: Scope, t: TradeView) -> Trade:
    return Trade.of(t, get_asset(scope, t.asset_id).currency)


@router.get("/trades", response_model=list[Trade], responses=READS,
            summary="The book's trades (of one investment account and/or asset), oldest first")
def trades(scope: BookScope, account_id: IdQuery = None, asset_id: IdQuery = None
           ) -> list[Trade]:
    found = list_trades(scope, account_id, asset_id)
    currencies = {a.id: a.currency for a in list_assets(scope)} if found else {}
    return [Trade.of(t, currencies[t.asset_id]) for t in found]


@router.post("/trades", response_model=Trade, status_code=status.HTTP_201_CREATED,
             responses=WRITES, summary="Record a trade and its cash leg in the account")
def add_one_trade(scope: BookScope, body: TradeIn, response: Response) -> Trade:
    created = _trade(scope, add_trade(scope, TradeInput(
        body.account_id, body.asset_id, body.date, body.kind, quantity=body.quantity,
        price=body.price, fees=body.fees, amount=body.amount, fx_rate=body.fx_rate,
        cash_amount=body.cash_amount, notes=body.notes, external_id=body.external_id)))
    response.headers["Location"] = f"/api/v1/books/{scope.book_id}/trades/{created.id}"
    with_etag(response, created)
    return created


@router.get("/trades/{trade_id}", response_model=Trade, responses=READS, summary="One trade")
def one_trade(scope: BookScope, trade_id: RowId, response: Response) -> Trade:
    found = _trade(scope, get_trade(scope, trade_id))
    with_etag(response, found)
    return found


@router.patch("/trades/{trade_id}", response_model=Trade, responses=CHANGES,
              summary="Change some fields of a trade; its cash leg follows")
def change_trade(scope: BookScope, trade_id: RowId, body: TradePatch, request: Request,
                 response: Response) -> Trade:
    check_if_match(request, _trade(scope, get_trade(scope, trade_id)))
    changes = changes_of(body, frozenset({"amount", "fx_rate", "cash_amount", "external_id"}))
    changed = _trade(scope, update_trade(scope, trade_id, **changes))
    with_etag(response, changed)
    return changed


@router.delete("/trades/{trade_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses=CHANGES, summary="Delete a trade and its cash leg")
def remove_trade(scope: BookScope, trade_id: RowId, request: Request) -> Response:
    check_if_match(request, _trade(scope, get_trade(scope, trade_id)))
    delete_trade(scope, trade_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/holdings", response_model=list[Holding], responses=READS,
            summary="What the investment accounts hold, with the open lots")
def held(scope: BookScope,
         on: Annotated[dt.date | None, day_query("Default: after every trade")] = None,
         account_id: IdQuery = None) -> list[Holding]:
    """After the trades up to ``on`` (default: all); positions sold to zero are left out."""
    return [Holding.of(h) for h in holdings(scope, on, account_id)]
