"""The category tree: CRUD, move under another parent, merge into another category."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from fintrack_api.conditional import check_if_match, with_etag
from fintrack_api.deps import MAX_ID, BookScope, RowId
from fintrack_api.problems import responses
from fintrack_api.schemas import (
    Category,
    CategoryIn,
    CategoryMerge,
    CategoryMove,
    CategoryPatch,
    Count,
)
from fintrack_core.ledger.categories import (
    category_view,
    create_category,
    delete_category,
    list_categories,
    merge_categories,
    move_category,
    rename_category,
)

router = APIRouter(prefix="/books/{book_id}/categories", tags=["categories"])
READS = responses(401, 404, 422)
WRITES = responses(401, 403, 404, 409, 422)
CHANGES = responses(401, 403, 404, 409, 412, 422)


def _current(scope: BookScope, category_id: int, response: Response) -> Category:
    found = Category.of(category_view(scope, category_id))
    with_etag(response, found)
    return found


@router.get("", response_model=list[Category], responses=READS,
            summary="The category tree, parents before their children")
def categories(scope: BookScope) -> list[Category]:
    return [Category.of(c) for c in list_categories(scope)]


@router.post("", response_model=Category, status_code=status.HTTP_201_CREATED,
             responses=WRITES, summary="Add a category")
def add(scope: BookScope, body: CategoryIn, response: Response) -> Category:
    created = Category.of(create_category(scope, body.name, body.kind, body.parent_id,
                                          body.color))
    response.headers["Location"] = f"/api/v1/books/{scope.book_id}/categories/{created.id}"
    with_etag(response, created)
    return created


@router.get("/{category_id}", response_model=Category, responses=READS, summary="One category")
def one(scope: BookScope, category_id: RowId, response: Response) -> Category:
    return _current(scope, category_id, response)


@router.patch("/{category_id}", response_model=Category, responses=CHANGES,
              summary="Rename a category or change its colour")
def rename(scope: BookScope, category_id: RowId, body: CategoryPatch, request: Request,
           response: Response) -> Category:
    check_if_match(request, Category.of(category_view(scope, category_id)))
    rename_category(scope, category_id, body.name, body.color)
    return _current(scope, category_id, response)


@router.post("/{category_id}/move", response_model=Category, responses=CHANGES,
             summary="Move under another parent (null: to the top level)")
def move(scope: BookScope, category_id: RowId, body: CategoryMove, request: Request,
         response: Response) -> Category:
    check_if_match(request, Category.of(category_view(scope, category_id)))
    move_category(scope, category_id, body.parent_id)
    return _current(scope, category_id, response)


@router.post("/{category_id}/merge", response_model=Count, responses=CHANGES,
             summary="Move its transactions and children into another category, then "
                     "delete it")
def merge(scope: BookScope, category_id: RowId, body: CategoryMerge, request: Request
          ) -> Count:
    check_if_match(request, Category.of(category_view(scope, category_id)))
    return Count(count=merge_categories(scope, category_id, body.into_id))


@router.delete("/{category_id}", response_model=Count, responses=CHANGES,
               summary="Delete a category (a used one needs move_to)")
def remove(scope: BookScope, category_id: RowId, request: Request,
           move_to: Annotated[int | None, Query(ge=1, le=MAX_ID, description=(
               "Where its transactions go"))] = None) -> Count:
    check_if_match(request, Category.of(category_view(scope, category_id)))
    return Count(count=delete_category(scope, category_id, move_to))
