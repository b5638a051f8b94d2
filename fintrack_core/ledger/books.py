"""Books (a household's data) and their members: sharing, roles, switching."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fintrack_core.access import MANAGE, READ, Scope, require
from fintrack_core.audit import record_for
from fintrack_core.db.engine import Database
from fintrack_core.db.models import Book, Membership, Role, User
from fintrack_core.errors import Conflict, NotFound, ValidationError
from fintrack_core.ledger.categories import create_default_tree
from fintrack_core.money import check_currency
from fintrack_core.text import MAX_NAME, clean_text


@dataclass(frozen=True, slots=True)
class BookView:
    id: int
    name: str
    base_currency: str
    role: Role


@dataclass(frozen=True, slots=True)
class MemberView:
    user_id: int
    username: str
    name: str
    role: Role


def new_book(session: Session, owner_id: int, name: str, base_currency: str) -> Book:
    """Create a book owned by ``owner_id`` with the default category tree (inside a write)."""
    name = clean_text(name, "name", MAX_NAME)
    if not name:
        raise ValidationError("name", "a book needs a name")
    book = Book(name=name, base_currency=check_currency(base_currency, "base_currency"))
    session.add(book)
    session.flush()
    session.add(Membership(user_id=owner_id, book_id=book.id, role=Role.OWNER))
    create_default_tree(session, book.id)
    return book


def create_book(db: Database, user_id: int, name: str, base_currency: str) -> BookView:
    with db.write() as s:
        book = new_book(s, user_id, name, base_currency)
        return BookView(book.id, book.name, book.base_currency, Role.OWNER)


def list_books(db: Database, user_id: int) -> list[BookView]:
    """The books this user is a member of, with their role in each."""
    with db.read() as s:
        rows = s.execute(
            select(Book, Membership.role).join(Membership, Membership.book_id == Book.id)
            .where(Membership.user_id == user_id).order_by(Book.name, Book.id)
        ).all()
        return [BookView(b.id, b.name, b.base_currency, role) for b, role in rows]


def get_book(scope: Scope) -> BookView:
    with scope.db.read() as s:
        role = require(s, scope, READ)
        book = s.get(Book, scope.book_id)
        assert book is not None  # membership exists, so the book does
        return BookView(book.id, book.name, book.base_currency, role)


def update_book(scope: Scope, name: str | None = None, base_currency: str | None = None) -> None:
    with scope.db.write() as s:
        require(s, scope, MANAGE)
        book = s.get(Book, scope.book_id)
        assert book is not None
        if name is not None:
            name = clean_text(name, "name", MAX_NAME)
            if not name:
                raise ValidationError("name", "a book needs a name")
            book.name = name
        if base_currency is not None:
            book.base_currency = check_currency(base_currency, "base_currency")


def list_members(scope: Scope) -> list[MemberView]:
    with scope.db.read() as s:
        require(s, scope, READ)
        rows = s.execute(
            select(User, Membership.role).join(Membership, Membership.user_id == User.id)
            .where(Membership.book_id == scope.book_id).order_by(User.username)
        ).all()
        return [MemberView(u.id, u.username, u.name, role) for u, role in rows]


def share_book(scope: Scope, username: str, role: Role | str) -> None:
    """Add ``username`` to the book with ``role`` (or change their role). Owners only."""
    try:
        role = Role(role)
    except ValueError:
        raise ValidationError("role", f"{role!r} is not owner, editor or viewer") from None
    with scope.db.write() as s:
        require(s, scope, MANAGE)
        # Same normalisation as users.normalise_username (usernames are case-insensitive).
        user = s.scalar(select(User).where(User.username == (username or "").strip().lower()))
        if user is None:
            raise NotFound("user", username)
        member = s.get(Membership, (user.id, scope.book_id))
        if member is None:
            s.add(Membership(user_id=user.id, book_id=scope.book_id, role=role))
            record_for(s, scope, "book.share", user=user.username, role=role.value)
            return
        if member.role == Role.OWNER and role != Role.OWNER:
            _ensure_another_owner(s, scope.book_id, user.id)
        if member.role != role:
            record_for(s, scope, "book.role_change", user=user.username,
                       old_role=member.role.value, role=role.value)
        member.role = role


def remove_member(scope: Scope, user_id: int) -> None:
    """Remove a member. The last owner cannot be removed (the book would be orphaned)."""
    with scope.db.write() as s:
        require(s, scope, MANAGE)
        member = s.get(Membership, (user_id, scope.book_id))
        if member is None:
            raise NotFound("member", user_id)
        if member.role == Role.OWNER:
            _ensure_another_owner(s, scope.book_id, user_id)
        s.delete(member)
        name = s.scalar(select(User.username).where(User.id == user_id))
        record_for(s, scope, "book.unshare", user=name, role=member.role.value)


def _ensure_another_owner(s: Session, book_id: int, leaving_user_id: int) -> None:
    owners = s.scalar(
        select(func.count()).select_from(Membership).where(
            Membership.book_id == book_id, Membership.role == Role.OWNER,
            Membership.user_id != leaving_user_id)
    )
    if not owners:
        raise Conflict("a book must keep at least one owner")
