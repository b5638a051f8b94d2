"""The ``fintrack`` command: set up the database, load demo data, manage users, and work with
accounts and transactions without the browser.

Every command opens the database named by ``FINTRACK_DATABASE_URL`` (default
``data/fintrack.db``) and migrates it first, so any command works on a fresh file. User errors
(bad input, missing rights, unknown names) print one line on stderr and exit with status 1;
usage errors (unknown option, missing argument) exit with status 2.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from fintrack_core.books import list_books
from fintrack_core.cli_common import (
    DEBUG_ENV,
    FinTrackGroup,
    console,
    err_console,
    fail,
    location,
    note,
    open_db,
    print_json,
    resolve_actor,
)
from fintrack_core.cli_import import import_command
from fintrack_core.cli_ledger import account_app, tx_app
from fintrack_core.cli_reports import export_app, report_app
from fintrack_core.db.schema import current_revision
from fintrack_core.errors import NotFound, ValidationError
from fintrack_core.users import count_users, create_user, list_users, reset_password

app = typer.Typer(
    cls=FinTrackGroup,
    name="fintrack",
    help="FinTrack, a personal-finance tracker: command-line tools. "
         "The database is FINTRACK_DATABASE_URL, or the SQLite file data/fintrack.db.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals may hold passwords
)
user_app = typer.Typer(help="Manage users (adding users and resetting passwords needs an "
                            "administrator).", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(account_app, name="account")
app.add_typer(tx_app, name="tx")
app.add_typer(export_app, name="export")
app.add_typer(report_app, name="report")
app.command("import", context_settings={"allow_interspersed_args": True})(import_command)

AsOpt = Annotated[str | None, typer.Option(
    "--as", help="Administrator to act as (default: the first administrator).")]
NewPassword = Annotated[str, typer.Option(
    prompt=True, hide_input=True, confirmation_prompt=True,
    help="At least 8 characters; prompted (hidden, twice) when not given.")]


@app.callback()
def _root(ctx: typer.Context, debug: Annotated[bool, typer.Option(
        "--debug", help=f"On an unexpected error, print the full traceback (or set "
                        f"{DEBUG_ENV}=1).")] = False) -> None:
    ctx.meta[DEBUG_ENV] = debug


@app.command()
def init() -> None:
    """Create the database, or upgrade its schema to the newest version."""
    with open_db() as db:
        typer.echo(f"Database ready at {location(db)} "
                   f"(schema revision {current_revision(db)}).")


@app.command()
def demo(
    transactions: Annotated[int, typer.Option(
        "--transactions", "-n", min=0, help="How many transactions to generate.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same data.")] = 42,
) -> None:
    """Create a demo user with a book full of realistic sample data."""
    try:
        import fintrack_core.demo as demo_data  # heavy (numpy); only this command needs it
    except ModuleNotFoundError as exc:
        if exc.name != "fintrack_core.demo":
            raise
        fail("the demo data generator (fintrack_core.demo) is not installed")
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with open_db() as db:
        typer.echo(f"Database ready at {location(db)}.")
        with Progress(*columns, console=err_console(), transient=True) as progress:
            task = progress.add_task("Generating demo data", total=transactions)

            def step(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            result = demo_data.create_demo(db, transactions, seed=seed, progress=step)
    typer.echo(f"Created {result.transactions} demo transactions in book #{result.book_id}.")
    typer.echo(f"Log in with username: {demo_data.DEMO_USERNAME}  "
               f"password: {demo_data.DEMO_PASSWORD}")


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(
        metavar="USERNAME", help="Login name: 3-64 letters, digits, . _ -")],
    password: NewPassword,
    name: Annotated[str, typer.Option(help="Display name (default: the username).")] = "",
    email: Annotated[str, typer.Option(help="For alerts and reports.")] = "",
    admin: Annotated[bool, typer.Option("--admin", help="Make the user an administrator.")] = False,
    currency: Annotated[str, typer.Option(
        help="Base currency of the user's own book (ISO 4217).")] = "EUR",
    as_: AsOpt = None,
) -> None:
    """Add a user with a book of their own. The first user becomes the administrator."""
    with open_db() as db:
        actor_id = None
        if count_users(db):
            actor_id = resolve_actor(db, as_).id
        elif as_:
            note("No users yet: --as is ignored; the first user becomes the administrator.")
        user = create_user(db, username, password, name, email, is_admin=admin,
                           base_currency=currency, acting_user_id=actor_id)
        book = list_books(db, user.id)[0]
    role = " (administrator)" if user.is_admin else ""
    typer.echo(f"Created user {user.username!r}{role} with book #{book.id} {book.name!r} "
               f"({book.base_currency}).")


@user_app.command("list")
def user_list(as_: AsOpt = None, as_json: Annotated[bool, typer.Option(
        "--json", help="Print one JSON array instead of a table.")] = False) -> None:
    """List all users (administrators only)."""
    with open_db() as db:
        actor = resolve_actor(db, as_) if count_users(db) else None
        people = list_users(db, actor.id) if actor else []
    if as_json:
        print_json([{"id": u.id, "username": u.username, "name": u.name, "email": u.email,
                     "is_admin": u.is_admin} for u in people])
        return
    if not people:
        typer.echo("No users yet (fintrack user add).")
        return
    table = Table()
    for col in ("Id", "Username", "Name", "E-mail", "Admin"):
        table.add_column(col)
    for u in people:
        table.add_row(str(u.id), u.username, u.name, u.email, "yes" if u.is_admin else "")
    console().print(table)


@user_app.command("passwd")
def user_passwd(
    username: Annotated[str, typer.Argument(metavar="USERNAME", help="Whose password to set.")],
    password: NewPassword,
    as_: AsOpt = None,
) -> None:
    """Set a user's password (as an administrator)."""
    with open_db() as db:
        actor = resolve_actor(db, as_)
        try:  # the service checks the actor's right before telling whether the user exists
            reset_password(db, actor.id, username, password)
        except NotFound:
            raise ValidationError("user", f"no user named {username!r}") from None
    typer.echo(f"Password of {username.strip()!r} changed.")


def main() -> None:
    """Console-script entry point (``fintrack``)."""
    app()


if __name__ == "__main__":
    main()
