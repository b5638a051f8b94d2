"""``fintrack audit``: the audit log from the command line.

    fintrack audit --book NAME [--user OWNER] [--action A ...] [--limit N] [--offset N] [--json]
    fintrack audit [--as ADMIN] [--user U] [--action A ...] [--limit N] [--offset N] [--json]

With ``--book`` it is the owners' view of one book: ``--user`` is who reads (as in every book
command) and must own the book. Without ``--book`` it is the administrators' view of every
event (sign-ins included): the reader is ``--as`` (default: the first administrator) and
``--user`` keeps only that user's events. Same core calls and role checks as the web pages.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from fintrack_cli.common import console, open_db, print_json, resolve_actor, resolve_scope
from fintrack_core.audit import MAX_LIMIT, AuditPage, all_audit, book_audit


def audit_command(
    book: Annotated[str | None, typer.Option(
        "--book", "-b", help="Book name or id: that book's log (owners only).")] = None,
    user: Annotated[str | None, typer.Option(
        "--user", "-u", help="With --book: the owner reading it. Without: only this user's "
                             "events.")] = None,
    action: Annotated[list[str] | None, typer.Option(
        "--action", "-a", help="Only this action (e.g. signin.failed, tx.delete); repeatable.")
    ] = None,
    limit: Annotated[int, typer.Option(
        min=1, max=MAX_LIMIT, help="How many events, newest first.")] = 50,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many newest events.")] = 0,
    as_: Annotated[str | None, typer.Option(
        "--as", help="Administrator to act as without --book (default: the first one).")
    ] = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print one JSON object {total, entries} instead of a table.")] = False,
) -> None:
    """Show the audit log: who did what, when and from where (append-only)."""
    with open_db() as db:
        if book is not None:
            scope, _ = resolve_scope(db, user, book)
            page = book_audit(scope, limit, offset, actions=action)
        else:
            admin = resolve_actor(db, as_)
            page = all_audit(db, admin.id, limit, offset, actions=action, user=user)
    if as_json:
        print_json({"total": page.total, "entries": [e.as_json() for e in page.entries]})
        return
    _print_table(page, offset)


def _print_table(page: AuditPage, offset: int) -> None:
    if not page.entries:
        typer.echo("No audit events match.")
        return
    table = Table()
    for col in ("When (UTC)", "Who", "Book", "Action", "Detail", "From"):
        table.add_column(col)
    for e in page.entries:
        detail = json.dumps(e.detail, ensure_ascii=False, sort_keys=True)
        table.add_row(e.at.strftime("%Y-%m-%d %H:%M:%S"), e.actor_name or "—",
                      "" if e.book_id is None else f"#{e.book_id}", e.action, detail, e.origin)
    console().print(table)
    shown = f"{offset + 1}-{offset + len(page.entries)}"
    typer.echo(f"Events {shown} of {page.total} (newest first; --offset for older).")
