"""Statement imports: upload (dry-run preview, then commit), list, undo."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Response, UploadFile, status

from fintrack_api.deps import MAX_ID, BookScope, RowId
from fintrack_api.import_schemas import Batch, ImportReport
from fintrack_api.problems import responses
from fintrack_api.schemas import Count
from fintrack_core.imports.limits import MAX_BYTES
from fintrack_core.imports.service import import_statement, list_batches, undo_batch

router = APIRouter(prefix="/books/{book_id}/imports", tags=["imports"])


@router.post("", response_model=ImportReport, status_code=status.HTTP_201_CREATED,
             responses={**responses(401, 403, 404, 409, 422),
                        200: {"model": ImportReport, "description": (
                            "A dry run, or an import that wrote nothing (rejected: see "
                            "invalid, questions, unmatched_accounts)")}},
             summary="Upload a statement: dry_run=true previews, dry_run=false imports")
def upload(
    scope: BookScope,
    response: Response,
    file: Annotated[UploadFile, File(description="CSV, OFX/QFX, QIF, CAMT.053 or MT940")],
    account_id: Annotated[list[Annotated[int, Form(ge=1, le=MAX_ID)]], Form(
        description="The account(s) the file belongs to (repeat for a multi-account file)")],
    dry_run: Annotated[bool, Form(description="Only preview; write nothing")] = True,
    profile: Annotated[str | None, Form(max_length=200, description=(
        "A bank profile name; default: detected"))] = None,
    skip_invalid: Annotated[bool, Form(description=(
        "Import the valid rows even if some are invalid"))] = False,
    signs: Annotated[Literal["keep", "flip"] | None, Form(description=(
        "The answer to the 'signs' question of a preview"))] = None,
) -> ImportReport:
    """The same import as the Import page and ``fintrack import``: every row accounted for,
    duplicates skipped, rules applied, one atomic write that can be undone as a whole."""
    data = file.file.read(MAX_BYTES + 1)
    result = import_statement(scope, data, file.filename or "statement", list(account_id),
                              profile=profile, dry_run=dry_run, skip_invalid=skip_invalid,
                              signs=signs)
    if result.batch_id is None:
        response.status_code = status.HTTP_200_OK
    else:
        response.headers["Location"] = f"/api/v1/books/{scope.book_id}/imports"
    return ImportReport.of(result)


@router.get("", response_model=list[Batch], responses=responses(401, 404),
            summary="The book's imported statements, newest first")
def batches(scope: BookScope) -> list[Batch]:
    return [Batch.of(b) for b in list_batches(scope)]


@router.delete("/{batch_id}", response_model=Count, responses=responses(401, 403, 404, 422),
               summary="Undo an import: remove exactly its transactions")
def undo(scope: BookScope, batch_id: RowId) -> Count:
    return Count(count=undo_batch(scope, batch_id))
