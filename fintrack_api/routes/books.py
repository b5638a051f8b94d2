"""The caller, their books and the books' members; administrators' list of users."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from fintrack_api.deps import BookScope, RowId
from fintrack_api.problems import responses
from fintrack_api.schemas import Book, Member, MemberIn, User
from fintrack_api.security import CallerDep, DbDep
from fintrack_core.api import PermissionDenied
from fintrack_core.ledger.books import get_book, list_books, list_members, remove_member, share_book
from fintrack_core.ledger.users import list_users, user_by_id

router = APIRouter(tags=["users and books"])
AUTH = responses(401)
IN_BOOK = responses(401, 403, 404)


@router.get("/me", response_model=User, responses=AUTH, summary="The signed-in user")
def me(caller: CallerDep, db: DbDep) -> User:
    return User.of(user_by_id(db, caller.user_id))


@router.get("/books", response_model=list[Book], responses=AUTH,
            summary="The books the caller is a member of")
def books(caller: CallerDep, db: DbDep) -> list[Book]:
    """A personal access token sees only its own book."""
    return [Book.of(b) for b in list_books(db, caller.user_id)
            if caller.book_id in (None, b.id)]


@router.get("/books/{book_id}", response_model=Book, responses=IN_BOOK, summary="One book")
def book(scope: BookScope) -> Book:
    return Book.of(get_book(scope))


@router.get("/books/{book_id}/members", response_model=list[Member], responses=IN_BOOK,
            summary="The book's members and their roles")
def members(scope: BookScope) -> list[Member]:
    return [Member.of(m) for m in list_members(scope)]


@router.post("/books/{book_id}/members", status_code=status.HTTP_204_NO_CONTENT,
             responses=responses(401, 403, 404, 409, 422),
             summary="Share the book with a user, or change a member's role (owners only)")
def share(scope: BookScope, body: MemberIn) -> Response:
    share_book(scope, body.username, body.role)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/books/{book_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses=responses(401, 403, 404, 409), summary="Remove a member (owners only)")
def unshare(scope: BookScope, user_id: RowId) -> Response:
    remove_member(scope, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/admin/users", response_model=list[User], responses=responses(401, 403),
            summary="Every user (administrators only, signed in with a password)")
def users(caller: CallerDep, db: DbDep) -> list[User]:
    if caller.token_id is not None:  # a token is bound to one book, never to the whole site
        raise PermissionDenied("administration needs a login token, not a personal token")
    return [User.of(u) for u in list_users(db, caller.user_id)]
