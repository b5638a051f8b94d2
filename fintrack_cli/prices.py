"""``fintrack prices``: refresh prices and FX rates from the providers, set a price by hand,
import a price CSV, fetch an asset's history, and list the latest prices with their age.

Each command is one ``fintrack_core.prices`` call as ``--user`` in one of their books, so the
role checks, validation and messages are the ones the Portfolio page gets. A refresh that
could not reach a provider is not an error of the command: it prints what was updated and the
one sentence saying what failed (on stderr), and exits 0, because the last known prices are
still there. Prices in ``--json`` are exact decimal strings.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from fintrack_cli.common import (
    EXIT_ERROR,
    console,
    err_console,
    note,
    open_db,
    parse_date,
    print_json,
    resolve_scope,
)
from fintrack_cli.ledger import BookOpt, JsonOpt, UserOpt
from fintrack_core.errors import ValidationError
from fintrack_core.prices import (
    PriceImportResult,
    PriceView,
    backfill_history,
    import_prices,
    latest_prices,
    refresh_prices,
    set_price,
)

prices_app = typer.Typer(help="Market prices and FX rates: update from Yahoo Finance and "
                              "CoinGecko, set or import prices by hand, list them.",
                         no_args_is_help=True)

AssetsOpt = Annotated[list[str] | None, typer.Option(
    "--asset", "-a", help="Only this asset symbol (repeat for several; default: all).")]


def price_json(p: PriceView) -> dict[str, Any]:
    return {"asset_id": p.asset_id, "symbol": p.symbol, "date": p.day.isoformat(),
            "price": str(p.close), "currency": p.currency, "source": p.source,
            "fetched_at": p.fetched_at.isoformat(), "own": p.own, "age_days": p.age_days,
            "stale": p.stale, "label": p.label}


@prices_app.command("update")
def prices_update(
    assets: AssetsOpt = None,
    fx: Annotated[bool, typer.Option(
        "--fx/--no-fx", help="Also fetch the FX rates to the book's base currency.")] = True,
    user: UserOpt = None,
    book: BookOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Fetch the latest prices of the book's assets (and FX rates) and store them."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with open_db() as db:
        scope, _ = resolve_scope(db, user, book)
        with Progress(*columns, console=err_console(), transient=True,
                      disable=as_json) as progress:
            task = progress.add_task("Fetching prices", total=None)

            def step(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            result = refresh_prices(scope, assets or None, include_fx=fx, progress=step)
    if as_json:
        print_json(result.as_json())
        return
    if not result.updated and not result.fx_updated and not result.failed:
        typer.echo("Nothing to update: the book has no assets priced by a provider.")
        return
    typer.echo(f"Updated {len(result.updated)} prices and {len(result.fx_updated)} FX rates "
               f"in {result.seconds:.1f} s.")
    for failure in result.failed:
        note(f"Not updated: {failure.symbol}: {failure.reason}")
    if result.error:
        note(result.error)


@prices_app.command("set")
def prices_set(
    symbol: Annotated[str, typer.Argument(metavar="SYMBOL", help="The asset's symbol.")],
    price: Annotated[str, typer.Argument(metavar="PRICE",
                                         help="Price of one unit, e.g. 101.25.")],
    date: Annotated[str | None, typer.Option(
        "--date", help="Day of the price, YYYY-MM-DD (default: today).")] = None,
    currency: Annotated[str | None, typer.Option(
        help="Currency of the price (default: the asset's).")] = None,
    user: UserOpt = None,
    book: BookOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Set the book's own price of an asset on a day (replaces that day's)."""
    day = parse_date(date, "date") or dt.date.today()
    with open_db() as db:
        scope, _ = resolve_scope(db, user, book)
        view = set_price(scope, symbol, day, price, currency)
    if as_json:
        print_json(price_json(view))
        return
    typer.echo(f"Set {view.symbol} to {view.close} {view.currency} on {day.isoformat()}.")


def _import_text(result: PriceImportResult) -> None:
    verb = ("Would import" if result.dry_run else
            "Rejected" if result.rejected else "Imported")
    typer.echo(f"{verb}: {result.count('imported')} new, {result.count('replaced')} replacing "
               f"a price, {len(result.invalid)} invalid.")
    for line in result.invalid:
        note(f"line {line.line}: {line.reason}")
    if result.rejected:
        note("Nothing was imported; fix these lines or pass --skip-invalid.")


@prices_app.command("import")
def prices_import(
    file: Annotated[Path, typer.Argument(metavar="FILE", exists=True, dir_okay=False,
                                         help="CSV with the header symbol,date,price"
                                              "[,currency].")],
    dry_run: Annotated[bool, typer.Option("--dry-run",
                                          help="Check the file and store nothing.")] = False,
    skip_invalid: Annotated[bool, typer.Option(
        "--skip-invalid", help="Import the valid lines even when some are invalid.")] = False,
    user: UserOpt = None,
    book: BookOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import the book's own prices from a CSV file: all of it, or nothing when a line is
    invalid (exit status 1, the lines named)."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ValidationError("file", f"cannot read {str(file)!r}: {exc.strerror}") from None
    with open_db() as db:
        scope, _ = resolve_scope(db, user, book)
        result = import_prices(scope, data, dry_run=dry_run, skip_invalid=skip_invalid)
    if as_json:
        print_json(result.as_json())
    else:
        _import_text(result)
    if result.rejected:
        raise typer.Exit(EXIT_ERROR)


@prices_app.command("history")
def prices_history(
    symbol: Annotated[str, typer.Argument(metavar="SYMBOL", help="The asset's symbol.")],
    start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    end: Annotated[str | None, typer.Option(
        "--to", help="Last day, YYYY-MM-DD (default: yesterday).")] = None,
    user: UserOpt = None,
    book: BookOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Fetch and store an asset's daily closes from its provider (exit status 1, with the
    reason, when nothing could be fetched)."""
    first = parse_date(start, "from")
    assert first is not None  # a required option
    last = parse_date(end, "to")
    with open_db() as db:
        scope, _ = resolve_scope(db, user, book)
        result = backfill_history(scope, symbol, first, last)
    if as_json:
        print_json(result.as_json())
    elif result.error is None:
        typer.echo(f"Stored {result.stored} daily prices of {result.symbol} "
                   f"({result.first} to {result.last}).")
    if result.error is not None:
        if not as_json:
            note(f"{result.symbol}: nothing stored: {result.error}")
        raise typer.Exit(EXIT_ERROR)


@prices_app.command("list")
def prices_list(assets: AssetsOpt = None, user: UserOpt = None, book: BookOpt = None,
                as_json: JsonOpt = False) -> None:
    """The latest known price of each asset, with its age ("stale" when a refresh is due)."""
    with open_db() as db:
        scope, _ = resolve_scope(db, user, book)
        views = sorted(latest_prices(scope, assets or None).values(), key=lambda p: p.symbol)
    if as_json:
        print_json([price_json(p) for p in views])
        return
    if not views:
        typer.echo("No prices yet (fintrack prices update, set or import).")
        return
    table = Table()
    for col in ("Symbol", "Price", "Currency", "Date", "Age", "Source"):
        table.add_column(col)
    for p in views:
        age = f"{p.label} (stale)" if p.stale else p.label
        table.add_row(p.symbol, str(p.close), p.currency, p.day.isoformat(), age, p.source)
    console().print(table)
