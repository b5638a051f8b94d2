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


class NotFound(FinTrackError):
    """The thing does not exist *in this book* (another book's rows are indistinguishable)."""

    def __init__(self, kind: str, ident: object) -> None:
        super().__init__(f"{kind} {ident!r} not found in this book")
        self.kind = kind
        self.ident = ident


class PermissionDenied(FinTrackError):
    """The acting user lacks the role this operation needs in this book."""


class Conflict(FinTrackError):
    """The operation would break an invariant (e.g. deleting a used category without a target)."""


class Busy(FinTrackError):
    """Another writer held the database longer than a write is willing to wait."""
