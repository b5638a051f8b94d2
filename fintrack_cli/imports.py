"""``fintrack import``: statements from the command line, with a JSON contract for scripts.

    fintrack import FILE --account NAME [--account NAME ...] [--profile P] [--dry-run]
                   [--skip-invalid] [--json] [--encoding E] [--delimiter D] [--skip-rows N]
                   [--no-header] [--date-order dmy|mdy|ymd] [--negate] [--map ROLE=COL,...]
    fintrack import list
    fintrack import undo BATCH

With ``--json`` exactly one JSON object goes to stdout (progress and notes go to stderr). A
rejected file exits with status 1, still printing the JSON with its reasons, and writes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from fintrack_cli.common import (
    EXIT_ERROR,
    console,
    err_console,
    open_db,
    print_json,
    resolve_account,
    resolve_scope,
)
from fintrack_core.budgets.alerts import collect_alerts
from fintrack_core.errors import ValidationError
from fintrack_core.imports import service
from fintrack_core.imports.mapping import Mapping, parse_map_option
from fintrack_core.imports.service import ImportResult, import_statement, list_batches, undo_batch
from fintrack_core.imports.statement import StatementError

DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


def _options(encoding: str | None, delimiter: str | None, skip_rows: int | None,
             no_header: bool, date_order: str | None, negate: bool,
             mapping: str | None) -> Mapping:
    data: dict[str, object] = {}
    if mapping:
        data.update(parse_map_option(mapping))
    if encoding:
        data["encoding"] = encoding
    if delimiter:
        delim = DELIMITER_NAMES.get(delimiter.lower(), delimiter)
        if len(delim) != 1:
            raise ValidationError("delimiter", f"{delimiter!r} is not one character "
                                               "(use , ; | or tab)")
        data["delimiter"] = delim
    if skip_rows is not None:
        if skip_rows < 0:
            raise ValidationError("skip_rows", "must be 0 or more")
        data["skip_rows"] = skip_rows
    if no_header:
        data["has_header"] = False
    if date_order:
        data["date_order"] = date_order.lower()
    if negate:
        data["negate"] = True
    return Mapping.from_dict(data)


def _read(path: Path) -> bytes:
    """The file's bytes; one over the size limit is refused from its size, before reading it
    into memory (the service checks the same limit for callers that already hold bytes)."""
    limit = service.MAX_BYTES
    size = path.stat().st_size
    if size > limit:
        raise ValidationError("file", f"{path.name} is larger than the {limit / 2**20:g} MB "
                                      f"limit ({size:,} bytes)")
    return path.read_bytes()


def _say(text: str) -> None:
    """One line on stderr, never wrapped at the terminal width (scripts read these lines)."""
    err_console().print(text, highlight=False, markup=False, soft_wrap=True)


def _report(result: ImportResult) -> None:
    verb = "Would import" if result.dry_run else ("Rejected" if result.rejected else "Imported")
    totals = ", ".join(f"{v} {c}" for c, v in sorted(result.totals.items())) or "nothing"
    _say(f"{verb} {result.imported} of {result.rows} rows from {result.file} "
         f"({result.duplicates} duplicates, {len(result.invalid)} invalid); "
         f"totals {totals}" + (f"; batch #{result.batch_id}" if result.batch_id else ""))
    for err in result.invalid[:50]:
        _say(f"  line {err.line}: {err.error}")
    if len(result.invalid) > 50:
        _say(f"  … and {len(result.invalid) - 50} more")
    for dup in result.likely_duplicates:
        _say(f"  line {dup.line}: skipped, likely duplicate — {dup.reason}")
    if result.rejected:
        _say("Nothing was written. Fix the rows, or import the valid ones with --skip-invalid.")


def _rejected_json(path: str, message: str) -> dict[str, object]:
    return {"file": path, "profile": None, "rows": 0, "imported": 0, "duplicates": 0,
            "invalid": [{"line": 0, "error": message}], "totals": {}, "date_min": None,
            "date_max": None, "alerts": []}


def import_command(
    args: Annotated[list[str], typer.Argument(
        metavar="FILE | list | undo BATCH",
        help="A statement file (CSV, OFX/QFX, QIF); or 'list'; or 'undo BATCH'.")],
    account: Annotated[list[str] | None, typer.Option(
        "--account", "-a", help="Account to import into; repeat for a multi-currency file "
                                "(each row goes to the chosen account of its currency).")] = None,
    profile: Annotated[str | None, typer.Option(
        help="Bank profile (e.g. dkb_giro) or a saved profile name.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report only; write nothing.")
                       ] = False,
    skip_invalid: Annotated[bool, typer.Option(
        "--skip-invalid", help="Import the valid rows and report the invalid ones.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    encoding: Annotated[str | None, typer.Option(help="Text encoding, e.g. cp1252.")] = None,
    delimiter: Annotated[str | None, typer.Option(help="Field separator: , ; | or tab.")
                         ] = None,
    skip_rows: Annotated[int | None, typer.Option(
        help="Lines before the header (or first row).")] = None,
    no_header: Annotated[bool, typer.Option("--no-header", help="The file has no header row.")
                         ] = False,
    date_order: Annotated[str | None, typer.Option(
        help="dmy, mdy or ymd, when the file alone cannot tell.")] = None,
    negate: Annotated[bool, typer.Option(
        "--negate", help="Flip every sign (card exports with purchases positive).")] = False,
    mapping: Annotated[str | None, typer.Option(
        "--map", help="Column roles, e.g. date=Posting Date,amount=4,payee=Name.")] = None,
    user: Annotated[str | None, typer.Option("--user", "-u", help="Act as this username.")
                    ] = None,
    book: Annotated[str | None, typer.Option("--book", "-b", help="Book name or id.")] = None,
) -> None:
    """Import a bank statement; or list imports; or undo one import."""
    if args[0] == "list" and len(args) == 1:
        _list(user, book, as_json)
        return
    if args[0] == "undo":
        if len(args) != 2 or not args[1].lstrip("#").isdigit():
            raise ValidationError("batch", "usage: fintrack import undo BATCH (a batch number "
                                           "from `fintrack import list`)")
        with open_db() as db:
            scope, _ = resolve_scope(db, user, book)
            removed = undo_batch(scope, int(args[1].lstrip("#")))
        typer.echo(f"Removed import batch #{args[1].lstrip('#')} and its {removed} transactions.")
        return
    if len(args) != 1:
        raise ValidationError("file", "import one file at a time")
    path = Path(args[0])
    if not path.is_file():
        raise ValidationError("file", f"{args[0]}: no such file")
    if not account:
        raise ValidationError("account", "choose the account(s) to import into with --account")
    options = _options(encoding, delimiter, skip_rows, no_header, date_order, negate, mapping)
    with open_db() as db, collect_alerts() as events:  # the budget alerts the import causes
        scope, _ = resolve_scope(db, user, book)
        ids = [resolve_account(scope, name).id for name in account]
        try:
            data = _read(path)
            with Progress(TextColumn("{task.description}"), BarColumn(),
                          TextColumn("{task.completed:,}/{task.total:,}"), TimeElapsedColumn(),
                          console=err_console(), transient=True,
                          disable=not err_console().is_terminal) as bar:
                task = bar.add_task("reading", total=1)

                def progress(phase: str, done: int, total: int) -> None:
                    bar.update(task, description=phase, completed=done, total=total)

                result = import_statement(scope, data, path.name, ids, options=options,
                                          profile=profile, dry_run=dry_run,
                                          skip_invalid=skip_invalid, progress=progress)
        except (StatementError, ValidationError) as exc:
            message = str(exc)
            if as_json:
                typer.echo(json.dumps(_rejected_json(path.name, message), indent=2,
                                      ensure_ascii=False))
            _say(f"Error: {message}")
            raise typer.Exit(EXIT_ERROR) from None
    if as_json:
        print_json({**result.as_json(), "alerts": [e.as_json() for e in events]})
    _report(result)
    for event in events:
        _say(f"Budget alert: {event.message}")
    if result.rejected:
        raise typer.Exit(EXIT_ERROR)


def _list(user: str | None, book: str | None, as_json: bool) -> None:
    with open_db() as db:
        scope, _ = resolve_scope(db, user, book)
        batches = list_batches(scope)
    if as_json:
        print_json([{"batch": b.id, "file": b.filename, "sha256": b.sha256,
                     "profile": b.profile, "account": b.account, "rows": b.rows,
                     "imported": b.imported, "duplicates": b.duplicates, "invalid": b.invalid,
                     "remaining": b.remaining, "created_at": b.created_at.isoformat()}
                    for b in batches])
        return
    table = Table("Batch", "File", "Account", "Profile", "Rows", "Imported", "Duplicates",
                  "Invalid", "When", title="Imports")
    for b in batches:
        table.add_row(f"#{b.id}", b.filename, b.account or "several", b.profile or "—",
                      str(b.rows), str(b.imported), str(b.duplicates), str(b.invalid),
                      f"{b.created_at:%Y-%m-%d %H:%M}")
    console().print(table)
