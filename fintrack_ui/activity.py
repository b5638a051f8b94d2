"""The dashboard's log lines: sign-ins, imports and exports, one JSON object each.

Why these three: they are what an operator asks about afterwards (who signed in from where,
what came into a book, what data left it). Each line names the user and book ids and the
event; never a password, a cookie, a file's content or an amount. The format and the level
(``FINTRACK_LOG_LEVEL``) are the API's (``fintrack_api.logs``), so both interfaces write
the same kind of line; that module loads no web framework.
"""

from __future__ import annotations

import logging

from fintrack_api.logs import configure_logging, is_configured
from fintrack_core.access import Scope

log = logging.getLogger("fintrack.dashboard")


def start_logging() -> None:
    """Configure JSON logging once per process (``app.py`` runs on every rerun)."""
    if not is_configured():
        configure_logging()


def signed_in(user_id: int, address: str, how: str = "password") -> None:
    """A session signed in (``how``: password, or the login cookie of an earlier one)."""
    log.info("sign-in", extra={"event": "sign_in", "user_id": user_id, "client": address,
                               "method": how})


def sign_in_refused(address: str, reason: str) -> None:
    """A refused sign-in: the address and the kind of refusal, not the typed username (it is
    sometimes the password typed into the wrong field)."""
    log.warning("sign-in refused", extra={"event": "sign_in_refused", "client": address,
                                          "reason": reason})


def signed_out(user_id: int | None) -> None:
    log.info("sign-out", extra={"event": "sign_out", "user_id": user_id})


def imported(scope: Scope, batch_id: int | None, rows: int, duplicates: int) -> None:
    """A statement import was committed (counts only)."""
    log.info("import", extra={"event": "import", "user_id": scope.user_id,
                              "book_id": scope.book_id, "batch_id": batch_id, "rows": rows,
                              "duplicates": duplicates})


def exported(scope: Scope, what: str, fmt: str) -> None:
    """Data left the book as a file (``what``: transactions, pivot, monthly, archive...)."""
    log.info("export", extra={"event": "export", "user_id": scope.user_id,
                              "book_id": scope.book_id, "export": what, "format": fmt})
