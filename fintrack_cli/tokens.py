"""``fintrack token create|list|revoke``: personal access tokens for scripts using the API.

The secret is printed once, on creation, and never again (only its hash is stored); lists
show its first characters so a person can tell their tokens apart.
"""

from __future__ import annotations

from typing import Annotated, Literal

import typer
from rich.table import Table

from fintrack_cli.common import (
    console,
    open_db,
    parse_date,
    print_json,
    resolve_scope,
    resolve_user,
    sole_user,
)
from fintrack_cli.ledger import BookOpt, JsonOpt, UserOpt
from fintrack_core.tokens.personal import (
    TokenView,
    create_token,
    expires_after,
    list_tokens,
    revoke_token,
)

token_app = typer.Typer(help="Personal access tokens for the HTTP API.", no_args_is_help=True)


def _as_dict(t: TokenView) -> dict[str, object]:
    return {"id": t.id, "name": t.name, "book_id": t.book_id, "scope": t.scope,
            "prefix": t.prefix, "created_at": t.created_at.isoformat(),
            "expires_at": t.expires_at.isoformat() if t.expires_at else None,
            "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
            "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None}


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Argument(metavar="NAME",
                                        help="What uses it, e.g. 'bank sync'.")],
    access: Annotated[Literal["read", "read-write"], typer.Option(
        "--scope", help="read, or read-write (editors and owners only).")] = "read",
    expires: Annotated[str | None, typer.Option(
        "--expires", help="Last day it works (YYYY-MM-DD); default: no expiry.")] = None,
    user: UserOpt = None,
    book: BookOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a token for one book; its secret is shown this once."""
    last_day = parse_date(expires, "expires")
    until = expires_after(last_day) if last_day else None
    with open_db() as db:
        scope, found = resolve_scope(db, user, book)
        created = create_token(scope, name, access, until)
    if as_json:
        print_json({**_as_dict(created.token), "secret": created.secret})
        return
    typer.echo(f"Token #{created.token.id} {created.token.name!r} ({access}) for book "
               f"#{found.id} {found.name!r}:")
    typer.echo(created.secret)
    typer.echo("Copy it now: it is not shown again. Send it as 'Authorization: Bearer <token>'.")


@token_app.command("list")
def token_list(user: UserOpt = None, as_json: JsonOpt = False) -> None:
    """The user's tokens in all their books (revoked ones included)."""
    with open_db() as db:
        person = resolve_user(db, user if user else sole_user(db))
        tokens = list_tokens(db, person.id)
    if as_json:
        print_json([_as_dict(t) for t in tokens])
        return
    if not tokens:
        typer.echo("No tokens yet (fintrack token create NAME).")
        return
    table = Table()
    for col in ("Id", "Name", "Book", "Scope", "Starts with", "Expires", "Last used", "State"):
        table.add_column(col)
    for t in tokens:
        table.add_row(str(t.id), t.name, f"#{t.book_id}", t.scope, t.prefix + "…",
                      f"{t.expires_at:%Y-%m-%d %H:%M}" if t.expires_at else "never",
                      f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never",
                      "revoked" if t.revoked_at else "active")
    console().print(table)


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(metavar="ID", help="The token's id (token list).")],
    user: UserOpt = None,
) -> None:
    """Revoke one of your tokens at once; scripts using it get 401 from then on."""
    with open_db() as db:
        person = resolve_user(db, user if user else sole_user(db))
        revoked = revoke_token(db, person.id, token_id)
    typer.echo(f"Token #{revoked.id} {revoked.name!r} is revoked.")
