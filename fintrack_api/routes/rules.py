"""Import rules: CRUD, test (what a rule would change) and re-apply to existing rows."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from fintrack_api.conditional import check_if_match, with_etag
from fintrack_api.deps import BookScope, ReadingScope, RowId
from fintrack_api.filters import FilterDep
from fintrack_api.problems import responses
from fintrack_api.rule_schemas import NewRule, Rule, RuleIn, RuleTest
from fintrack_api.schemas import Count
from fintrack_core.api import NotFound
from fintrack_core.rules.service import (
    create_rule,
    delete_rule,
    list_rules,
    preview_rule,
    reapply_rules,
    update_rule,
)

router = APIRouter(prefix="/books/{book_id}/rules", tags=["rules"])
READS = responses(401, 404, 422)
WRITES = responses(401, 403, 404, 409, 422)
CHANGES = responses(401, 403, 404, 409, 412, 422)
Limit = Annotated[int, Query(ge=1, le=500, description="Changes listed at most")]


def _rule(scope: BookScope, rule_id: int) -> Rule:
    found = next((r for r in list_rules(scope) if r.id == rule_id), None)
    if found is None:
        raise NotFound("rule", rule_id)
    return Rule.of(found)


@router.get("", response_model=list[Rule], responses=READS,
            summary="The book's rules in the order they apply")
def rules(scope: BookScope) -> list[Rule]:
    return [Rule.of(r) for r in list_rules(scope)]


@router.post("", response_model=Rule, status_code=status.HTTP_201_CREATED, responses=WRITES,
             summary="Add a rule")
def add(scope: BookScope, body: NewRule, response: Response) -> Rule:
    created = Rule.of(create_rule(scope, body.spec(), body.priority))
    response.headers["Location"] = f"/api/v1/books/{scope.book_id}/rules/{created.id}"
    with_etag(response, created)
    return created


@router.get("/{rule_id}", response_model=Rule, responses=READS, summary="One rule")
def one(scope: BookScope, rule_id: RowId, response: Response) -> Rule:
    found = _rule(scope, rule_id)
    with_etag(response, found)
    return found


@router.put("/{rule_id}", response_model=Rule, responses=CHANGES,
            summary="Replace a rule's name, match, conditions, actions and enabled flag")
def replace(scope: BookScope, rule_id: RowId, body: RuleIn, request: Request,
            response: Response) -> Rule:
    check_if_match(request, _rule(scope, rule_id))
    changed = Rule.of(update_rule(scope, rule_id, body.spec()))
    with_etag(response, changed)
    return changed


@router.delete("/{rule_id}", status_code=status.HTTP_204_NO_CONTENT, responses=CHANGES,
               summary="Delete a rule")
def remove(scope: BookScope, rule_id: RowId, request: Request) -> Response:
    check_if_match(request, _rule(scope, rule_id))
    delete_rule(scope, rule_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/test", response_model=RuleTest, responses=READS,
             summary="What an unsaved rule would change (writes nothing)")
def try_unsaved(scope: ReadingScope, body: RuleIn, limit: Limit = 50) -> RuleTest:
    return RuleTest.of(preview_rule(scope, body.spec(), limit))


@router.post("/{rule_id}/test", response_model=RuleTest, responses=READS,
             summary="What a saved rule would change (writes nothing)")
def try_saved(scope: ReadingScope, rule_id: RowId, limit: Limit = 50) -> RuleTest:
    return RuleTest.of(preview_rule(scope, rule_id, limit))


@router.post("/reapply", response_model=Count, responses=WRITES,
             summary="Run the enabled rules over existing transactions (filters narrow them)")
def reapply(scope: BookScope, flt: FilterDep) -> Count:
    return Count(count=reapply_rules(scope, flt))
