"""``fintrack profiles``: the bank profiles a book can use, and sharing them as TOML files.

    fintrack profiles list [--json]
    fintrack profiles export NAME [-o FILE.toml]
    fintrack profiles import FILE.toml [--replace]
    fintrack profiles delete NAME

A profile saved on one installation (``fintrack import ... --save-profile NAME`` or the Import
page) is exported here and imported on another, where it recognises the same bank's files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from fintrack_cli.common import console, open_db, print_json, resolve_scope
from fintrack_core.errors import ValidationError
from fintrack_core.imports.book_profiles import (
    delete_profile,
    export_profile,
    import_profile,
    list_profiles,
)
from fintrack_core.imports.profile_files import MAX_PROFILE_BYTES

profiles_app = typer.Typer(help="Bank profiles: list them, share them as TOML files.",
                           no_args_is_help=True)
UserOpt = Annotated[str | None, typer.Option("--user", "-u", help="Act as this username.")]
BookOpt = Annotated[str | None, typer.Option("--book", "-b", help="Book name or id.")]


@profiles_app.command("list")
def list_command(user: UserOpt = None, book: BookOpt = None,
                 as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False
                 ) -> None:
    """The book's own profiles and the built-in ones, with where each comes from."""
    with open_db() as db:
        scope, _ = resolve_scope(db, user, book)
        profiles = list_profiles(scope)
    if as_json:
        print_json([{"name": p.name, "label": p.label, "source": p.source,
                     "origin": p.origin, "header": list(p.columns)} for p in profiles])
        return
    table = Table("Name", "Bank", "From", title="Bank profiles")
    for p in profiles:
        table.add_row(p.name, p.label, p.origin)
    console().print(table)


@profiles_app.command("export")
def export_command(
    name: Annotated[str, typer.Argument(help="Profile name (see `fintrack profiles list`).")],
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write to this file instead of stdout.")] = None,
    user: UserOpt = None, book: BookOpt = None,
) -> None:
    """Print (or write) one profile as a TOML file another FinTrack can import."""
    with open_db() as db:
        scope, _ = resolve_scope(db, user, book)
        text = export_profile(scope, name)
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    typer.echo(f"Wrote profile {name!r} to {output}.", err=True)


@profiles_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="A profile TOML file.")],
    replace: Annotated[bool, typer.Option(
        "--replace", help="Replace the book's profile of the same name.")] = False,
    user: UserOpt = None, book: BookOpt = None,
) -> None:
    """Load a profile file into the book; it is checked first (keys, patterns, columns)."""
    if not file.is_file():
        raise ValidationError("file", f"{file}: no such file")
    if file.stat().st_size > MAX_PROFILE_BYTES:
        raise ValidationError(file.name, f"a profile file is at most "
                                         f"{MAX_PROFILE_BYTES // 1024} KB")
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValidationError(file.name, "not a UTF-8 text file") from None
    with open_db() as db:
        scope, _ = resolve_scope(db, user, book)
        view = import_profile(scope, text, file.name, replace=replace)
    typer.echo(f"Loaded profile {view.name!r} ({view.label}); files with its header are now "
               "recognised.")


@profiles_app.command("delete")
def delete_command(
    name: Annotated[str, typer.Argument(help="One of the book's own profiles.")],
    user: UserOpt = None, book: BookOpt = None,
) -> None:
    """Delete one of the book's own profiles (built-in ones stay)."""
    with open_db() as db:
        scope, _ = resolve_scope(db, user, book)
        delete_profile(scope, name)
    typer.echo(f"Deleted profile {name!r}.")
