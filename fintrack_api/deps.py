"""The scope of a request: which book, as whom, and whether this caller may write at all.

Every book route takes ``BookScope``. Building it is where a route learns nothing about books
it cannot see: a book the caller is not a member of, or not the book a token is bound to,
answers 404 exactly like a book that does not exist. A read-only token is refused for any
method other than GET/HEAD here, once, so no write route can forget it; the role itself
(viewer, editor, owner) is checked by the core call, as for the dashboard.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from fintrack_api.security import CallerDep, DbDep
from fintrack_core.access import Scope
from fintrack_core.api import NotFound, PermissionDenied
from fintrack_core.ledger.books import get_book

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_ID = 2**63 - 1
BookId = Annotated[int, Path(ge=1, le=MAX_ID, description="The book's id", examples=[1])]
RowId = Annotated[int, Path(ge=1, le=MAX_ID, description="A row id in this book",
                            examples=[3])]


def origin(request: Request) -> str:
    """``api <address>`` for the audit log."""
    return f"api {request.client.host if request.client else 'unknown'}"


def book_scope(request: Request, book_id: BookId, caller: CallerDep, db: DbDep) -> Scope:
    scope = reading_scope(request, book_id, caller, db)
    if request.method not in SAFE_METHODS and not caller.writes:
        raise PermissionDenied("this token is read-only; create a read-write token to write")
    return scope


def reading_scope(request: Request, book_id: BookId, caller: CallerDep, db: DbDep) -> Scope:
    """``book_scope`` for a POST that only reads (testing a rule): read-only tokens may."""
    if caller.book_id is not None and caller.book_id != book_id:
        raise NotFound("book", book_id)
    scope = Scope(db, caller.user_id, book_id, origin(request))
    try:
        get_book(scope)
    except PermissionDenied:
        raise NotFound("book", book_id) from None
    return scope


BookScope = Annotated[Scope, Depends(book_scope)]
ReadingScope = Annotated[Scope, Depends(reading_scope)]
