"""Errors the domain raises; each names what was wrong so the UI and CLI can say it plainly."""

from __future__ import annotations


class FinTrackError(Exception):
    """Base of every error a user can be shown as-is."""


class ValidationError(FinTrackError):
    """Bad input; ``field`` names which field (or row/column) is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


MAX_ID = 2**63 - 1  # row ids are 64-bit integers in SQLite and PostgreSQL


class NotFound(FinTrackError):
    """The thing does not exist *in this book* (another book's rows are indistinguishable)."""

    def __init__(self, kind: str, ident: object) -> None:
        super().__init__(f"{kind} {ident!r} not found in this book")
        self.kind = kind
        self.ident = ident

    @classmethod
    def unless_id(cls, kind: str, ident: object) -> int:
        """``ident`` if it can be a row id; else this error. A number past 64 bits would make
        the database driver raise ``OverflowError`` instead of answering "not found"."""
        if isinstance(ident, bool) or not isinstance(ident, int) or not 0 < ident <= MAX_ID:
            raise cls(kind, ident)
        return ident


class PermissionDenied(FinTrackError):
    """The acting user lacks the role this operation needs in this book."""


class Conflict(FinTrackError):
    """The operation would break an invariant (e.g. deleting a used category without a target)."""


class Busy(FinTrackError):
    """Another writer held the database longer than a write is willing to wait."""
