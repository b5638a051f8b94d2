"""``fintrack import``: statements from the command line, with a JSON contract for scripts.

    fintrack import FILE|- --account NAME [--account NAME ...] [--profile P] [--dry-run]
                   [--skip-invalid] [--json] [--verbose] [--encoding E] [--delimiter D]
                   [--skip-rows N] [--no-header] [--date-order dmy|mdy|ymd]
                   [--date-format FMT] [--negate|--no-negate]
                   [--map ROLE=COL,...] [--save-profile NAME [--replace]]
                   [--flip-signs | --keep-signs]
    fintrack import list
    fintrack import undo BATCH

With ``--json`` exactly one JSON object goes to stdout (progress and notes go to stderr). A
rejected file exits with status 1, still printing the JSON with its reasons, and writes nothing.
``-`` reads the statement from stdin (at most the size limit, plus one byte to tell).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
from fintrack_core.errors import FinTrackError, ValidationError
from fintrack_core.imports.mapping import Mapping, parse_map_option
from fintrack_core.money import to_decimal

if TYPE_CHECKING:
    from fintrack_core.imports.service import ImportResult

# The import stack (readers, dedup, rules engine) is imported by the import command itself:
# every other ``fintrack`` command starts without it (issue 13, cold start).

DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


def _options(encoding: str | None, delimiter: str | None, skip_rows: int | None,
             no_header: bool, date_order: str | None, negate: bool | None,
             mapping: str | None, date_format: str | None = None) -> Mapping:
    data: dict[str, object] = {}
    if date_format:
        if "%" not in date_format:
            raise ValidationError("date_format", f"{date_format!r} is not a strftime format "
                                                 "(e.g. %d.%m.%Y or %d%m%Y)")
        data["date_format"] = date_format
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
    if negate is not None:  # --no-negate switches off a profile's or a remembered flip
        data["negate"] = negate
    return Mapping.from_dict(data)


def _too_big(name: str, size: str) -> ValidationError:
    from fintrack_core.imports import service

    return ValidationError("file", f"{name} is larger than the {service.MAX_BYTES / 2**20:g} MB "
                                   f"limit ({size} bytes)")


def _read(path: Path) -> bytes:
    """The file's bytes; one over the size limit is refused from its size, before reading it
    into memory (the service checks the same limit for callers that already hold bytes).
    ``-`` is stdin, of unknown size: at most the limit plus one byte is read, and that byte
    says the input is too big."""
    from fintrack_core.imports import service

    limit = service.MAX_BYTES
    if str(path) == "-":
        data = sys.stdin.buffer.read(limit + 1)
        if len(data) > limit:
            raise _too_big("stdin", f"more than {limit:,}")
        return data
    size = path.stat().st_size
    if size > limit:
        raise _too_big(path.name, f"{size:,}")
    return path.read_bytes()


def _say(text: str) -> None:
    """One line on stderr, never wrapped at the terminal width (scripts read these lines)."""
    err_console().print(text, highlight=False, markup=False, soft_wrap=True)


def _report(result: ImportResult, names: dict[int, str], verbose: bool) -> None:
    verb = "Would import" if result.dry_run else ("Rejected" if result.rejected else "Imported")
    totals = ", ".join(f"{v} {c}" for c, v in sorted(result.totals.items())) or "nothing"
    _say(f"{verb} {result.imported} of {result.rows} rows from {result.file} "
         f"({result.duplicates} duplicates, {len(result.invalid)} invalid); "
         f"totals {totals}" + (f"; batch #{result.batch_id}" if result.batch_id else ""))
    _say(result.summary)
    if result.profile:
        own = result.detected.get("profile_source") == "book"
        _say(f"  recognised as {result.detected.get('profile_label', result.profile)} "
             f"({'your profile' if own else 'built-in profile'} {result.profile})")
    for warning in result.warnings:
        _say(f"  warning: {warning}")
    if result.investment is not None:
        _report_trades(result, verbose)
    if verbose:
        for new in _rows(result, names):
            _say(f"  line {new['line']}: {new['date']} {new['amount']} {new['currency']} "
                 f"→ {new['account']} · {new['payee'] or new['description']}")
    for err in result.invalid[:50]:
        _say(f"  line {err.line}: {err.error}")
    if len(result.invalid) > 50:
        _say(f"  … and {len(result.invalid) - 50} more")
    for dup in result.likely_duplicates:
        _say(f"  line {dup.line}: skipped, likely duplicate — {dup.reason}")
    for row in result.skipped:
        _say(f"  line {row.line}: left out, {row.reason}")
    for note in result.notes:
        _say(f"  {note}")
    for question in result.questions:
        _say(f"  Question: {question.text}")
    if result.questions:
        _say("Nothing was written: answer with --flip-signs or --keep-signs."
             if result.rejected else "An import needs --flip-signs or --keep-signs.")
    if result.preview is not None and result.preview["account_id"].nunique() > 1:
        counts = result.preview["account_id"].value_counts(sort=False)
        _say("Into " + ", ".join(f"{names.get(int(a), f'#{a}')}: {int(n)}"
                                 for a, n in zip(counts.index.tolist(), counts.tolist(),
                                                 strict=True)))
    if result.unmatched_accounts:
        _say("Nothing was written: no chosen account has the number of "
             + ", ".join(result.unmatched_accounts)
             + " (set it with `fintrack account number NAME NUMBER`, and choose that account).")
    elif result.rejected and not result.questions:
        _say("Nothing was written. Fix the rows, or import the valid ones with --skip-invalid.")


def _report_trades(result: ImportResult, verbose: bool) -> None:
    """An investment file: into which account, new assets, rows and cash per kind (and with
    --verbose each trade); the position check's differences are among the warnings."""
    inv = result.investment
    assert inv is not None
    _say(f"  into investment account {inv.account!r}")
    if inv.new_assets:
        _say(f"  new assets: {', '.join(inv.new_assets)}")
    for kind, (count, cash) in inv.kind_totals.items():
        _say(f"  {kind}: {count} row(s), cash {cash}")
    if verbose:
        for t in inv.trades:
            _say(f"  line {t.line}: {t.date} {t.kind} {t.symbol} {t.quantity} @ {t.price} "
                 f"fees {t.fees} cash {t.cash}")


def _rows(result: ImportResult, names: dict[int, str]) -> list[dict[str, object]]:
    """Each new row and the account it goes to (a multi-currency file goes to several)."""
    frame = result.preview
    if frame is None:
        return []
    return [{"line": int(line), "date": str(date)[:10], "account": names.get(int(acc), "?"),
             "amount": str(to_decimal(int(minor), str(ccy))), "currency": str(ccy),
             "payee": str(payee), "description": str(desc)}
            for line, date, acc, minor, ccy, payee, desc in zip(
                frame["line"], frame["date"], frame["account_id"], frame["amount_minor"],
                frame["currency"], frame["payee"], frame["description"], strict=True)]


def _as_json(result: ImportResult, names: dict[int, str], verbose: bool) -> dict[str, object]:
    """The contract's object, with the rows per account (and each row with --verbose)."""
    data = result.as_json()
    counts: dict[str, int] = {}
    if result.preview is not None and not result.rejected:
        for acc in result.preview["account_id"]:
            counts[names.get(int(acc), "?")] = counts.get(names.get(int(acc), "?"), 0) + 1
    if result.investment is not None and not result.rejected:
        counts[result.investment.account] = result.imported
    data["accounts"] = counts
    if verbose:
        data["transactions"] = _rows(result, names) if not result.rejected else []
    return data


def _rejected_json(path: str, message: str) -> dict[str, object]:
    return {"file": path, "profile": None, "rows": 0, "imported": 0, "duplicates": 0,
            "skipped": [], "skipped_counts": {}, "invalid": [{"line": 0, "error": message}],
            "totals": {}, "date_min": None, "date_max": None, "warnings": [], "accounts": {},
            "alerts": []}


def import_command(
    args: Annotated[list[str], typer.Argument(
        metavar="FILE | list | undo BATCH",
        help="A statement file (CSV, OFX/QFX, QIF, CAMT.052/053 XML, MT940; the format is "
             "told from the content), or an investment statement (OFX INVSTMTRS, or a CSV "
             "of Interactive Brokers, Trading 212 or Degiro) for an investment account; "
             "or 'list'; or 'undo BATCH'.")],
    account: Annotated[list[str] | None, typer.Option(
        "--account", "-a", help="Account to import into; repeat for a multi-currency file "
                                "(each row goes to the chosen account of its currency) or a "
                                "file of several accounts (each row goes to the chosen "
                                "account with its number, see `account number`).")] = None,
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
    date_format: Annotated[str | None, typer.Option(
        help="The date column's strftime format, e.g. %d%m%Y for 05032024.")] = None,
    negate: Annotated[bool | None, typer.Option(
        "--negate/--no-negate", help="Flip every sign (card exports with purchases positive); "
        "--no-negate reads the signs as written even when the profile flips them.")] = None,
    mapping: Annotated[str | None, typer.Option(
        "--map", help="Column roles, e.g. date=Posting Date,amount=4,payee=Name.")] = None,
    flip_signs: Annotated[bool, typer.Option(
        "--flip-signs", help="Answer the sign question: flip every sign (charges negative).")
                          ] = False,
    keep_signs: Annotated[bool, typer.Option(
        "--keep-signs", help="Keep the file's signs, even where the evidence says to flip.")
                          ] = False,
    verbose: Annotated[bool, typer.Option(
        "--verbose", "-v", help="List each new row and the account it goes to.")] = False,
    save_profile: Annotated[str | None, typer.Option(
        "--save-profile", metavar="NAME",
        help="Save the mapping used for this CSV as a bank profile of the book (also with "
             "--dry-run; see `fintrack profiles`).")] = None,
    replace: Annotated[bool, typer.Option(
        "--replace", help="With --save-profile: replace the book's profile of that name.")
                       ] = False,
    user: Annotated[str | None, typer.Option("--user", "-u", help="Act as this username.")
                    ] = None,
    book: Annotated[str | None, typer.Option("--book", "-b", help="Book name or id.")] = None,
) -> None:
    """Import a bank statement; or list imports; or undo one import."""
    from fintrack_core.imports import book_profiles
    from fintrack_core.imports.service import import_statement, undo_batch
    from fintrack_core.imports.statement import StatementError

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
    if args[0] != "-" and not path.is_file():
        raise ValidationError("file", f"{args[0]}: no such file")
    if not account:
        raise ValidationError("account", "choose the account(s) to import into with --account")
    if flip_signs and keep_signs:
        raise ValidationError("signs", "give either --flip-signs or --keep-signs, not both")
    signs = "flip" if flip_signs else "keep" if keep_signs else None
    options = _options(encoding, delimiter, skip_rows, no_header, date_order, negate, mapping,
                       date_format)
    with open_db() as db, collect_alerts() as events:  # the budget alerts it causes
        scope, _ = resolve_scope(db, user, book)
        chosen = [resolve_account(scope, name) for name in account]
        ids = [a.id for a in chosen]
        names = {a.id: a.name for a in chosen}
        file_name = "stdin" if args[0] == "-" else path.name
        try:
            data = _read(path)
            with Progress(TextColumn("{task.description}"), BarColumn(),
                          TextColumn("{task.completed:,}/{task.total:,}"), TimeElapsedColumn(),
                          console=err_console(), transient=True,
                          disable=not err_console().is_terminal) as bar:
                task = bar.add_task("reading", total=1)

                def progress(phase: str, done: int, total: int) -> None:
                    bar.update(task, description=phase, completed=done, total=total)

                result = import_statement(scope, data, file_name, ids, options=options,
                                          profile=profile, dry_run=dry_run,
                                          skip_invalid=skip_invalid, progress=progress,
                                          signs=signs)
        except (StatementError, ValidationError) as exc:
            message = str(exc)
            if as_json:
                typer.echo(json.dumps(_rejected_json(file_name, message), indent=2,
                                      ensure_ascii=False))
            _say(f"Error: {message}")
            raise typer.Exit(EXIT_ERROR) from None
        not_saved = None
        if save_profile:  # the import stands whatever happens to the profile
            try:
                book_profiles.save_profile(scope, save_profile, result.detected,
                                           options=options, replace=replace)
            except FinTrackError as exc:
                not_saved = str(exc)
    if as_json:
        print_json({**_as_json(result, names, verbose),
                    "alerts": [e.as_json() for e in events]})
    _report(result, names, verbose)
    for event in events:
        _say(f"Budget alert: {event.message}")
    if save_profile and not_saved is None:
        _say(f"Saved the mapping as bank profile {save_profile!r} (share it with `fintrack "
             f"profiles export {save_profile}`).")
    elif not_saved is not None:
        _say(f"Error: the profile was not saved: {not_saved}")
    if result.rejected or not_saved is not None:
        raise typer.Exit(EXIT_ERROR)


def _list(user: str | None, book: str | None, as_json: bool) -> None:
    from fintrack_core.imports.service import list_batches

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
