"""Who may do what in which book: the one role check every service function goes through.

A ``Scope`` is (database, acting user, book). Services never take a bare session: they open
one from the scope after ``require`` has checked the membership, so there is no code path that
reads a book's rows without a role check first.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.orm import Session

from fintrack_core.db.engine import Database
from fintrack_core.db.models import Book, Membership, Role
from fintrack_core.errors import PermissionDenied

READ = (Role.OWNER, Role.EDITOR, Role.VIEWER)
WRITE = (Role.OWNER, Role.EDITOR)
MANAGE = (Role.OWNER,)

# Where the acting user is (``web <ip>``, ``cli``, ``api <ip>``), for the audit log. Interfaces
# set it once per request/command; a ``Scope`` built without an explicit origin takes it, and
# calls without a scope (password resets, sign-ins) read it directly.
_ORIGIN: ContextVar[str] = ContextVar("fintrack_origin", default="unknown")


def current_origin() -> str:
    return _ORIGIN.get()


def set_origin(origin: str) -> None:
    """Set the origin for the rest of this thread/context (a Streamlit script run)."""
    _ORIGIN.set(origin)


@contextmanager
def acting_from(origin: str) -> Iterator[None]:
    """The origin for the calls inside the block (a CLI command), restored afterwards."""
    token = _ORIGIN.set(origin)
    try:
        yield
    finally:
        _ORIGIN.reset(token)


@dataclass(frozen=True, slots=True)
class Scope:
    """The acting user working in one book, and where they act from (for the audit log)."""

    db: Database
    user_id: int
    book_id: int
    origin: str = field(default_factory=current_origin)


def role_of(session: Session, user_id: int, book_id: int) -> Role | None:
    return session.scalar(
        select(Membership.role).where(Membership.user_id == user_id,
                                      Membership.book_id == book_id)
    )


def require(session: Session, scope: Scope, allowed: tuple[Role, ...], *,
            rewrites: bool = False) -> Role:
    """Return the user's role in the book, or raise ``PermissionDenied``.

    Non-members get the same error whatever the book, so ids of other books leak nothing.
    A write bumps the book's ``data_version``, which tells report copies to catch up; what
    changed they read from the change log (``reports.changes``), which triggers write for
    every path. ``rewrites=True`` also bumps ``rewrite_version``, which makes every copy of
    the book rebuild: only for a change the log cannot describe (none today besides a
    restore, which moves the versions itself).
    """
    role = check_role(session, scope, allowed)
    if Role.VIEWER not in allowed:
        # A write is about to happen in this transaction: bump the book's data version with it
        # (rolled back together), so every report cache keyed on it sees the change at once.
        values = {"data_version": Book.data_version + 1}
        if rewrites:
            values["rewrite_version"] = Book.rewrite_version + 1
        session.execute(update(Book).where(Book.id == scope.book_id).values(**values))
    return role


def check_role(session: Session, scope: Scope, allowed: tuple[Role, ...]) -> Role:
    """The role check of ``require`` without its write: for reads only some roles may make
    (the owners' audit log), which must not bump the book's versions nor take a write lock."""
    return _allowed(role_of(session, scope.user_id, scope.book_id), allowed)


def _allowed(role: Role | None, allowed: tuple[Role, ...]) -> Role:
    """The one refusal: non-members (and books that do not exist) get the same answer."""
    if role is None:
        raise PermissionDenied("you are not a member of this book")
    if role not in allowed:
        needed = "owner" if allowed == MANAGE else "editor or owner"
        raise PermissionDenied(f"your role in this book is {role.value}; this needs {needed}")
    return role


@dataclass(frozen=True, slots=True)
class BookState:
    """What a read of the report copy needs to know before it runs: the reader's role and
    the book's versions and base currency, all from one snapshot."""

    role: Role
    data_version: int
    rewrite_version: int
    base_currency: str


# Book left-joined to the reader's membership: a missing book gives no row, a non-member a
# row whose role is NULL; either way ``_allowed`` refuses with the same message.
_READ_STATE = (
    select(Membership.role, Book.data_version, Book.rewrite_version, Book.base_currency)
    .select_from(Book)
    .outerjoin(Membership, and_(Membership.book_id == Book.id,
                                Membership.user_id == bindparam("user_id")))
    .where(Book.id == bindparam("book_id"))
)


def read_state(scope: Scope) -> BookState:
    """The role check of a read and the book's versions and base currency, in one statement.

    Why its own path: every report call checks access and compares the book's version with
    its copy's before it runs. Through an ORM session that was three statements and most of
    a small report's time; here it is one Core statement on a pooled connection, with the
    same refusal as ``require`` (``check_role``) for non-members and missing books.
    """
    with scope.db.engine.connect() as conn:
        row = conn.execute(_READ_STATE, {"user_id": scope.user_id,
                                         "book_id": scope.book_id}).first()
    role = _allowed(None if row is None else row[0], READ)
    assert row is not None  # _allowed refused a missing book
    return BookState(role, int(row[1] or 0), int(row[2] or 0), str(row[3]))


def versions(session: Session, book_id: int) -> tuple[int, int]:
    """(data_version, rewrite_version) of a book."""
    row = session.execute(select(Book.data_version, Book.rewrite_version)
                          .where(Book.id == book_id)).one()
    return int(row[0] or 0), int(row[1] or 0)
