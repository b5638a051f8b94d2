"""The audit log: who did what, when and from where — append-only.

Why it looks like this:

- ``record`` writes through the *caller's* session, inside the caller's transaction, so an
  action and its audit row commit together or not at all: a refused or failed action leaves
  no row, and no action happens without one.
- The core offers no way to change or remove a row, and the database refuses UPDATE and
  DELETE on ``audit_log`` as well (triggers from migration 0007), so not even a bug can
  rewrite history.
- ``detail`` is a small JSON object of counts, ids and file names. Keys that look like
  secrets are refused outright: a password must never reach the log, even by mistake.
- Reading is for book owners (their book's rows) and administrators (everything), paged in
  SQL so a long history never loads at once.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, insert, select
from sqlalchemy.orm import Session

from fintrack_core.access import MANAGE, Scope, check_role, current_origin
from fintrack_core.db.engine import Database
from fintrack_core.db.models import AuditLog, User
from fintrack_core.errors import PermissionDenied, ValidationError
from fintrack_core.text import CONTROL_CHARS

# Every action code the log knows, with a label for people. Codes are stable (stored); the
# lead wires sign-in and backup events from those features with these same codes.
ACTIONS: dict[str, str] = {
    "signin.ok": "Signed in",
    "signin.failed": "Sign-in failed",
    "signin.locked": "Sign-in locked out",
    "book.share": "Book shared",
    "book.role_change": "Member's role changed",
    "book.unshare": "Member removed",
    "import.batch": "Statement imported",
    "import.undo": "Import undone",
    "import.profile_saved": "Bank profile saved",
    "import.profile_loaded": "Bank profile loaded from a file",
    "import.profile_deleted": "Bank profile deleted",
    "tx.delete": "Transaction deleted",
    "tx.bulk_edit": "Transactions re-categorised",
    "tx.bulk_delete": "Transactions deleted",
    "account.delete": "Account deleted",
    "category.delete": "Category deleted",
    "category.merge": "Categories merged",
    "rules.reapply": "Rules re-applied",
    "user.password_change": "Own password changed",
    "user.password_reset": "Password reset by an administrator",
    "backup.create": "Backup created",
    "backup.restore": "Backup restored",
    "token.create": "API token created",
    "token.revoke": "API token revoked",
}

MAX_LIMIT = 1000
MAX_IDS = 100  # a bulk edit of 50,000 rows logs its count and the first ids, not all of them
_SECRET_KEY = re.compile(r"pass|secret|token|hash|otp|cookie", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: dt.datetime  # timezone-aware UTC
    actor_id: int | None
    actor_name: str
    book_id: int | None
    action: str
    detail: dict[str, Any]
    origin: str

    @property
    def label(self) -> str:
        return ACTIONS.get(self.action, self.action)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "at": self.at.isoformat(), "actor_id": self.actor_id,
                "actor": self.actor_name, "book_id": self.book_id, "action": self.action,
                "detail": self.detail, "origin": self.origin}


@dataclass(frozen=True, slots=True)
class AuditPage:
    """One page of entries, newest first, and how many match in all (for paging)."""

    entries: list[AuditEntry]
    total: int


def now() -> dt.datetime:
    """The current UTC time (one function, so tests can freeze it)."""
    return dt.datetime.now(dt.UTC)


def _clean(text: object, limit: int) -> str:
    """Plain one-line text of bounded length (a failed sign-in's username is anyone's input)."""
    return CONTROL_CHARS.sub("", str(text or ""))[:limit]


def _detail_json(detail: dict[str, Any] | None) -> str:
    out: dict[str, Any] = {}
    for key, value in (detail or {}).items():
        if _SECRET_KEY.search(key):
            raise ValueError(f"audit detail {key!r} looks like a secret; it is never logged")
        if isinstance(value, list | tuple | set | frozenset):
            value = sorted(value) if isinstance(value, set | frozenset) else list(value)
            if len(value) > MAX_IDS:
                out[f"{key}_truncated"] = True
                value = value[:MAX_IDS]
        out[key] = value
    return json.dumps(out, sort_keys=True, ensure_ascii=False, default=str)


def record(session: Session, action: str, *, actor_id: int | None,
           actor_name: str | None = None, book_id: int | None = None,
           detail: dict[str, Any] | None = None, origin: str | None = None) -> None:
    """Append one row inside the caller's transaction.

    ``actor_name`` defaults to the username of ``actor_id`` (copied, so the row still says who
    it was after the user is gone); ``origin`` defaults to the interface's current origin.
    An unknown action code is a programming error and raises ``ValueError``.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if actor_name is None and actor_id is not None:
        actor_name = session.scalar(select(User.username).where(User.id == actor_id))
    session.execute(insert(AuditLog).values(
        at=now().astimezone(dt.UTC).replace(tzinfo=None), actor_user_id=actor_id,
        actor_name=_clean(actor_name, 64), book_id=book_id, action=action,
        detail=_detail_json(detail), origin=_clean(origin or current_origin(), 100)))


def record_for(session: Session, scope: Scope, action: str, **detail: Any) -> None:
    """``record`` for a service call acting through ``scope`` (actor, book, origin from it)."""
    record(session, action, actor_id=scope.user_id, book_id=scope.book_id, detail=detail,
           origin=scope.origin)


def log_event(db: Database, action: str, *, actor_id: int | None,
              actor_name: str | None = None, book_id: int | None = None,
              detail: dict[str, Any] | None = None, origin: str | None = None) -> None:
    """``record`` in a transaction of its own, for events that write nothing else: a
    successful sign-in, a backup file written. Prefer ``record`` inside the action's own
    transaction whenever there is one (a lockout stored with its failure count)."""
    with db.write() as s:
        record(s, action, actor_id=actor_id, actor_name=actor_name, book_id=book_id,
               detail=detail, origin=origin)


# --- reading ----------------------------------------------------------------------------------


def _check_paging(limit: int, offset: int) -> None:
    if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValidationError("limit", f"must be a whole number from 1 to {MAX_LIMIT}")
    if not isinstance(offset, int) or offset < 0:
        raise ValidationError("offset", "must be 0 or more")


def _check_actions(actions: Iterable[str] | None) -> list[str] | None:
    if actions is None:
        return None
    wanted = [a.strip() for a in actions if a and a.strip()]
    unknown = [a for a in wanted if a not in ACTIONS]
    if unknown:
        raise ValidationError("action", f"{unknown[0]!r} is not an audit action; known: "
                                        f"{', '.join(ACTIONS)}")
    return wanted or None


def _entry(row: AuditLog) -> AuditEntry:
    try:
        detail = json.loads(row.detail or "{}")
    except ValueError:
        detail = {"raw": row.detail}
    return AuditEntry(row.id, row.at.replace(tzinfo=dt.UTC), row.actor_user_id,
                      row.actor_name, row.book_id, row.action, detail, row.origin)


def _page(session: Session, query: Select[Any], limit: int, offset: int) -> AuditPage:
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(AuditLog.id.desc()).limit(limit).offset(offset))
    return AuditPage([_entry(r) for r in rows], int(total))


def book_audit(scope: Scope, limit: int = 50, offset: int = 0,
               actions: Iterable[str] | None = None) -> AuditPage:
    """The book's audit log, newest first. Owners only: it shows who did what to the book."""
    _check_paging(limit, offset)
    wanted = _check_actions(actions)
    with scope.db.read() as s:
        check_role(s, scope, MANAGE)
        query = select(AuditLog).where(AuditLog.book_id == scope.book_id)
        if wanted:
            query = query.where(AuditLog.action.in_(wanted))
        return _page(s, query, limit, offset)


def all_audit(db: Database, acting_user_id: int, limit: int = 50, offset: int = 0,
              actions: Iterable[str] | None = None, user: str | None = None,
              book_id: int | None = None) -> AuditPage:
    """Every event of this FinTrack (sign-ins, all books), newest first. Administrators only.

    ``user`` filters by the actor's username as recorded (so deleted users stay findable).
    """
    _check_paging(limit, offset)
    wanted = _check_actions(actions)
    with db.read() as s:
        actor = s.get(User, acting_user_id)
        if actor is None or not actor.is_admin:
            raise PermissionDenied("only an administrator can read the whole audit log")
        query = select(AuditLog)
        if wanted:
            query = query.where(AuditLog.action.in_(wanted))
        if user and user.strip():
            query = query.where(AuditLog.actor_name == user.strip().lower())
        if book_id is not None:
            query = query.where(AuditLog.book_id == book_id)
        return _page(s, query, limit, offset)
