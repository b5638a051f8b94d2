"""Plumbing shared by the ``fintrack`` commands: the database edge, strict parsing of what people
type, and turning usernames, book names and category paths into ids.

Kept apart from the command definitions so each command reads as "parse, call one service,
print", and so every command resolves users, books and categories the same way.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import os
import re
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO, NoReturn

import click
import typer
from rich.console import Console
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from typer.core import TyperGroup
from typer.exceptions import TyperException

from fintrack_core.access import Scope, acting_from
from fintrack_core.api import Database, database_url, upgrade
from fintrack_core.errors import FinTrackError, NotFound, PermissionDenied, ValidationError
from fintrack_core.ledger.accounts import AccountView, list_accounts
from fintrack_core.ledger.books import BookView, list_books
from fintrack_core.ledger.categories import CategoryView, list_categories
from fintrack_core.ledger.users import UserView, first_admin, get_user, usernames
from fintrack_core.money import parse_amount, to_decimal
from fintrack_core.text import escape_controls

EXIT_ERROR = 1
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# "Food/Groceries", "Food → Groceries" and "Food -> Groceries" all name the same category.
PATH_SEP = re.compile(r"\s*(?:/|→|->)\s*")
TREE_SEP = " → "  # how CategoryView.path joins names


class FinTrackGroup(TyperGroup):
    """Root command group: a user error becomes one line on stderr and exit status 1.

    Catching here (around every sub-command) instead of in each command means no command can
    forget it, and the test runner, which bypasses ``main()``, sees the same behaviour.
    Anything unexpected is a bug, but still one line, not a traceback: the traceback is
    printed only with ``--debug`` or ``FINTRACK_DEBUG=1``.
    """

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except PASS_THROUGH:
            raise  # exits, --help and usage errors: typer.Exit is a RuntimeError
        except FinTrackError as exc:
            fail(str(exc))
        except OperationalError as exc:  # unreachable file, locked database, server down
            fail(f"database: {_first_line(getattr(exc, 'orig', None) or exc)} "
                 f"({_safe_url()})")
        except DBAPIError as exc:  # "file is not a database": a damaged or foreign file
            fail(f"database: {_first_line(getattr(exc, 'orig', None) or exc)} "
                 f"({_safe_url()}; check FINTRACK_DATABASE_URL, or restore a backup)")
        except ArgumentError as exc:  # malformed FINTRACK_DATABASE_URL or unknown driver
            fail(f"database URL: {_first_line(exc)} (check FINTRACK_DATABASE_URL)")
        except Exception as exc:  # the safety net: a bug, still said in one line
            if debug_enabled(ctx):
                traceback.print_exc(file=sys.stderr)
            fail(f"unexpected error: {type(exc).__name__}: {_first_line(exc)} (a bug in "
                 f"FinTrack; run with --debug or {DEBUG_ENV}=1 for the details)")


DEBUG_ENV = "FINTRACK_DEBUG"
# Typer 0.29 vendors click (``typer._click``); the plain click package may still be used.
PASS_THROUGH = (typer.Exit, typer.Abort, TyperException, click.exceptions.Exit,
                click.ClickException, click.Abort)


def binary_stdout() -> BinaryIO:
    """Standard output as bytes (a CSV that is byte for byte the page's download).

    Text already printed is flushed first so the two streams keep their order. Replaces
    ``click.get_binary_stream``, which click deprecated.
    """
    sys.stdout.flush()
    return sys.stdout.buffer


def debug_enabled(ctx: Any) -> bool:
    """``fintrack --debug ...`` (kept in the context's meta) or ``FINTRACK_DEBUG=1``."""
    env = os.environ.get(DEBUG_ENV, "").strip().lower()
    return bool(ctx.meta.get(DEBUG_ENV)) or env not in ("", "0", "false", "no")


def _first_line(exc: object) -> str:
    """An error text fit for one terminal line: control characters escaped, no line breaks."""
    text = escape_controls(str(exc)).strip()
    return text.splitlines()[0] if text else "(no message)"


def _safe_url() -> str:
    """The database URL for messages, without its password."""
    try:
        return make_url(database_url()).render_as_string(hide_password=True)
    except ArgumentError:
        return "FINTRACK_DATABASE_URL"


def fail(message: str) -> NoReturn:
    """Print an error for a person (not a traceback) and stop with a non-zero status.

    Messages quote what people typed or files held: control characters are shown escaped so
    they cannot drive the terminal."""
    typer.secho(f"Error: {escape_controls(message)}", err=True, fg=typer.colors.RED)
    raise typer.Exit(EXIT_ERROR)


def note(message: str) -> None:
    """Side remarks go to stderr so stdout stays clean for ``--json`` and pipes."""
    typer.secho(message, err=True, fg=typer.colors.YELLOW)


class SafeConsole(Console):
    """A rich console that shows control characters in text as visible escapes (``\\x1b``).

    Every string it renders (table cells, titles, captions, plain prints) passes through
    ``render_str``, so a payee stored with ESC or BEL before imports stripped them still
    cannot recolour, clear or retitle the terminal. Rich's own styling is added afterwards.
    """

    def render_str(self, text: str, **kwargs: Any) -> Any:
        return super().render_str(escape_controls(text), **kwargs)


def console() -> Console:
    """A console for tables: markup off (a payee "[REWE]" is data, not a style), control
    characters escaped, and wide when not a terminal so piped rows are not wrapped."""
    out = SafeConsole(markup=False, highlight=False)
    if not out.is_terminal:
        out = SafeConsole(markup=False, highlight=False, width=max(out.width, 160))
    return out


def err_console() -> Console:
    """For progress bars and notes: drawn on stderr so stdout carries only the result."""
    return SafeConsole(stderr=True)


def print_json(data: Any) -> None:
    """One JSON document on stdout (money already as decimal strings, dates as ISO text).

    JSON escapes C0 control characters itself; DEL and the C1 range (which some terminals
    obey) are written as ``\\u`` escapes too, which leaves the decoded values unchanged."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    typer.echo(_C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


_C1 = re.compile(r"[\x7f-\x9f]")


@contextmanager
def open_db() -> Iterator[Database]:
    """The configured database, migrated to the newest schema (cheap when already current)."""
    url = database_url()
    try:
        db = Database(url)
    except OSError as exc:  # the SQLite file's folder cannot be created
        fail(f"database: cannot create {exc.filename or url}: {exc.strerror or exc}")
    try:
        upgrade(db)
        with acting_from("cli"):  # the origin the audit log records
            yield db
    finally:
        db.dispose()


def location(db: Database) -> str:
    """Where the data lives, for messages: an absolute file path, or the URL without password."""
    url = db.engine.url
    if db.is_sqlite and url.database and url.database != ":memory:":
        return str(Path(url.database).resolve())
    return url.render_as_string(hide_password=True)


# --- parsing what people type ------------------------------------------------------------


def parse_date(value: str | None, field: str) -> dt.date | None:
    """Strict ``YYYY-MM-DD`` (``date.fromisoformat`` alone would also take ``20240301``)."""
    if value is None:
        return None
    text = value.strip()
    if not DATE_RE.match(text):
        raise ValidationError(field, f"{value!r} is not a date in the form YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ValidationError(field, f"{value!r} is not a valid date ({exc})") from None


def parse_decimal(value: str, field: str) -> Decimal:
    """A decimal amount with a '.' point; never through ``float``, so 0.1 stays 0.1.

    The core's one amount parser, so the CLI refuses exactly what the other interfaces do.
    """
    return parse_amount(value or "", field)


def money_str(minor: int, currency: str) -> str:
    """Minor units as the exact decimal string used in JSON (``-64.37``, JPY ``1200``)."""
    return str(to_decimal(minor, currency))


# --- turning names into ids ----------------------------------------------------------------


def resolve_user(db: Database, username: str, field: str = "user") -> UserView:
    try:
        return get_user(db, username.strip())
    except NotFound:
        raise ValidationError(field, f"no user named {username!r}") from None


def resolve_actor(db: Database, as_username: str | None) -> UserView:
    """The administrator an admin-only command acts as.

    The CLI runs as whoever operates the machine, so there is no login; ``--as`` names the
    identity, and without it the first administrator is used (and we say so).
    """
    if as_username:
        return resolve_user(db, as_username, "as")
    admin = first_admin(db)
    if admin is None:
        raise PermissionDenied("there is no administrator; run `fintrack user add` first")
    note(f"Acting as administrator {admin.username!r} (the first one; choose with --as).")
    return admin


def _describe_books(books: Sequence[BookView]) -> str:
    return ", ".join(f"#{b.id} {b.name!r} ({b.role.value})" for b in books)


def sole_user(db: Database) -> str:
    """Without --user, a database with exactly one user means that user (a personal install)."""
    names = usernames(db, limit=2)
    if len(names) == 1:
        return names[0]
    if not names:
        raise ValidationError("user", "there are no users yet; run `fintrack user add` first")
    raise ValidationError("user", "this database has several users; choose one with --user")


def resolve_scope(db: Database, username: str | None, book: str | None
                  ) -> tuple[Scope, BookView]:
    """The acting user in one of *their* books, chosen by id or name.

    Only the user's own memberships are searched, so naming another household's book gives
    the same answer as naming one that does not exist.
    """
    user = resolve_user(db, username if username else sole_user(db))
    books = list_books(db, user.id)
    if not books:
        raise ValidationError("book", f"{user.username!r} is not a member of any book")
    if book is None or not book.strip():
        if len(books) == 1:
            return Scope(db, user.id, books[0].id), books[0]
        raise ValidationError("book", f"{user.username!r} is a member of {len(books)} books; "
                                      f"choose one with --book: {_describe_books(books)}")
    wanted = book.strip().removeprefix("#")
    matches = ([b for b in books if str(b.id) == wanted]
               or [b for b in books if b.name == wanted]
               or [b for b in books if b.name.casefold() == wanted.casefold()])
    if not matches:
        raise ValidationError("book", f"{user.username!r} is not a member of a book {book!r}; "
                                      f"their books: {_describe_books(books)}")
    if len(matches) > 1:
        raise ValidationError("book", f"{book!r} names several books; give the id: "
                                      f"{_describe_books(matches)}")
    return Scope(db, user.id, matches[0].id), matches[0]


def resolve_account(scope: Scope, name: str) -> AccountView:
    """An account of the scope's book by name (exact first, then ignoring case)."""
    accounts = list_accounts(scope)
    wanted = name.strip()
    matches = ([a for a in accounts if a.name == wanted]
               or [a for a in accounts if a.name.casefold() == wanted.casefold()])
    if len(matches) == 1:
        return matches[0]
    names = ", ".join(repr(a.name) for a in accounts) or "none yet (fintrack account add)"
    if not matches:
        raise ValidationError("account", f"no account named {name!r} in this book; "
                                         f"accounts: {names}")
    raise ValidationError("account", f"{name!r} matches several accounts: {names}")


def resolve_category(scope: Scope, text: str,
                     categories: list[CategoryView] | None = None) -> CategoryView:
    """A category by name or by path (``Car/Fuel``, ``Transportation → Car → Fuel``).

    A path matches any category whose path ends with it; a leading '/' anchors it at the top.
    Several matches are an error listing them: guessing would file money in the wrong place.
    """
    cats = categories if categories is not None else list_categories(scope)
    wanted = (text or "").strip()
    anchored = wanted.startswith("/")
    parts = [p.casefold() for p in PATH_SEP.split(wanted.lstrip("/").strip())]
    if not wanted or not all(parts):
        raise ValidationError("category", f"{text!r} is not a category name or path")

    def matches(c: CategoryView) -> bool:
        path = [p.casefold() for p in c.path.split(TREE_SEP)]
        return path == parts if anchored else path[-len(parts):] == parts

    found = [c for c in cats if matches(c)]
    if not found:  # a name that itself contains '/' ("Tax/VAT")
        found = [c for c in cats if c.name.casefold() == wanted.casefold()]
    if len(found) == 1:
        return found[0]
    if found:
        paths = "; ".join(c.path for c in found)
        raise ValidationError("category", f"{text!r} is ambiguous: {paths}. Give more of the path"
                                          " (Parent/Child; a leading '/' starts at the top)")
    names = list(dict.fromkeys([c.path for c in cats] + [c.name for c in cats]))
    close = difflib.get_close_matches(wanted, names, n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise ValidationError("category", f"no category {text!r} in this book{hint}")
