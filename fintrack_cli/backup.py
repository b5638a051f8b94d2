"""``fintrack backup``, ``fintrack restore`` and ``fintrack book export|import``.

Kept in a module of its own and registered by one call in ``cli.py``. The whole-database
commands need no ``--user``: whoever runs them already has the database (the file, or the
URL with its password); the book export acts as a user and needs the owner role.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from fintrack_cli.common import location, note, open_db, print_json, resolve_scope
from fintrack_core.backups import archive as book_archive
from fintrack_core.backups import database as backups
from fintrack_core.errors import ValidationError

book_app = typer.Typer(help="Export a book to a zip archive, or import one into an empty "
                            "database (docs/book_archive.md).", no_args_is_help=True)

ToOpt = Annotated[Path | None, typer.Option(
    "--to", help="Backup folder (default: backups/ beside the database file).")]


def backup_command(
    to: ToOpt = None,
    keep: Annotated[int | None, typer.Option(
        help="Keep only the newest N backups in the folder.")] = None,
    if_older_than: Annotated[str | None, typer.Option(
        "--if-older-than", help="Only if the newest backup is older than this (90m, 24h, "
                                "7d): for a cron line or systemd timer.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Back the whole database up (safe while the app runs), verify it, rotate old ones."""
    with open_db() as db:
        if if_older_than is not None:
            age = backups.parse_age(if_older_than)
            result = backups.backup_if_older_than(db, age, to, keep)
        else:
            result = backups.create_backup(db, to, keep)
    if result is None:
        if as_json:
            print_json({"created": None})
        else:
            typer.echo(f"The newest backup is younger than {if_older_than}: nothing to do.")
        return
    if as_json:
        print_json({"created": str(result.path), "size": result.size, "tables": result.tables,
                    "removed": [str(p) for p in result.removed]})
        return
    rows = sum(result.tables.values())
    typer.echo(f"Backup written to {result.path} ({result.size:,} bytes, {rows:,} rows in "
               f"{len(result.tables)} tables, verified).")
    if not result.audited:
        note("The audit log entry for this backup could not be written (the database was busy "
             "with another write); the backup itself is complete and verified.")
    for path in result.removed:
        typer.echo(f"Removed old backup {path.name}")


def restore_command(
    file: Annotated[Path, typer.Argument(help="A backup made by `fintrack backup`.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    to: ToOpt = None,
) -> None:
    """Replace the whole database with a backup (the current one is backed up first)."""
    with open_db() as db:
        counts, _ = backups.verify_backup(db, file)  # refuse a bad file before asking
        if not yes and not typer.confirm(
                f"Replace every book and user in {location(db)} with {file} "
                f"({sum(counts.values()):,} rows)? The current database is backed up first.",
                default=False):
            note("Restore cancelled; nothing changed.")
            raise typer.Exit(1)
        result = backups.restore_backup(db, file, to)
    typer.echo(f"The database as it was is saved in {result.safety_backup.path}.")
    typer.echo(f"Restored {file} (schema revision {result.revision_in_file or '?'}, now "
               f"{result.revision_now}).")


@book_app.command("export")
def book_export(
    to: Annotated[Path, typer.Option("--to", help="The zip file to write.")],
    user: Annotated[str | None, typer.Option(help="Acting user (an owner of the book).")] = None,
    book: Annotated[str | None, typer.Option(help="Book name or id.")] = None,
) -> None:
    """Write one book (owners only) to a zip archive: one CSV per table plus a manifest."""
    if to.exists():
        raise ValidationError("to", f"{to} already exists; choose a new file name")
    with open_db() as db:
        scope, view = resolve_scope(db, user, book)
        tmp = to.with_name(f".{to.name}.tmp")
        try:
            with open(tmp, "wb") as fh:
                summary = book_archive.export_book(scope, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, to)
        finally:
            tmp.unlink(missing_ok=True)
    typer.echo(f"Book #{view.id} {view.name!r} written to {to} "
               f"({sum(summary.tables.values()):,} rows in {len(summary.tables)} tables).")


@book_app.command("import")
def book_import(
    file: Annotated[Path, typer.Argument(help="A zip made by `fintrack book export`.")],
) -> None:
    """Load a book archive into an empty database, with its ids (docs/book_archive.md)."""
    if not file.is_file():
        raise ValidationError("file", f"{file} does not exist")
    with open_db() as db, open(file, "rb") as fh:
        summary = book_archive.import_book(db, fh)
    typer.echo(f"Imported book #{summary.book_id} {summary.book_name!r} "
               f"({sum(summary.tables.values()):,} rows) into {location(db)}.")
    typer.echo("Archives carry no passwords. Give each member a new one: "
               + "; ".join(f"fintrack user passwd {u} --reset" for u in summary.users))


def register(app: typer.Typer) -> None:
    """Add these commands to the ``fintrack`` app (the one line in cli.py)."""
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)
    app.add_typer(book_app, name="book")
