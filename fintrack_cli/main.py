"""The ``fintrack`` command: set up the database, load demo data, manage users, and work with
accounts and transactions without the browser.

Every command opens the database named by ``FINTRACK_DATABASE_URL`` (default
``data/fintrack.db``) and migrates it first, so any command works on a fresh file. User errors
(bad input, missing rights, unknown names) print one line on stderr and exit with status 1;
usage errors (unknown option, missing argument) exit with status 2.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
import typer.main
from rich.table import Table
from typer._click import Command, Context  # Typer 0.29 vendors click

from fintrack_cli.common import (
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
    resolve_user,
)
from fintrack_core.api import current_revision
from fintrack_core.errors import NotFound, ValidationError
from fintrack_core.ledger.books import list_books
from fintrack_core.ledger.users import (
    change_password,
    count_admins,
    count_users,
    create_user,
    list_users,
    reset_password,
)

# The sub-commands, in the order ``--help`` lists them: (module, attribute, whether it is a
# group of commands, the command's context settings). Each module is imported only when its
# command runs (or for ``--help``): ``fintrack report monthly`` does not load the importers,
# the price providers, the backup tools or the API server (issue 13: a cold command imports
# only what it uses).
LAZY: dict[str, tuple[str, str, bool, dict[str, Any]]] = {
    "account": ("fintrack_cli.ledger", "account_app", True, {}),
    "tx": ("fintrack_cli.ledger", "tx_app", True, {}),
    "export": ("fintrack_cli.reports", "export_app", True, {}),
    "report": ("fintrack_cli.reports", "report_app", True, {}),
    "profiles": ("fintrack_cli.profiles", "profiles_app", True, {}),
    "budget": ("fintrack_cli.budgets", "budget_app", True, {}),
    "prices": ("fintrack_cli.prices", "prices_app", True, {}),
    "asset": ("fintrack_cli.trades", "asset_app", True, {}),
    "trade": ("fintrack_cli.trades", "trade_app", True, {}),
    "portfolio": ("fintrack_cli.portfolio", "portfolio_app", True, {}),
    "import": ("fintrack_cli.imports", "import_command", False,
               {"allow_interspersed_args": True}),
    "audit": ("fintrack_cli.audit", "audit_command", False, {}),
    "subscriptions": ("fintrack_cli.subscriptions", "subs_app", True, {}),
    "forecast": ("fintrack_cli.subscriptions", "forecast_command", False, {}),
    "notify": ("fintrack_cli.notify", "notify_command", False, {}),
    "serve": ("fintrack_cli.serve", "serve_app", True, {}),
    "token": ("fintrack_cli.tokens", "token_app", True, {}),
    "backup": ("fintrack_cli.backup", "backup_command", False, {}),
    "restore": ("fintrack_cli.backup", "restore_command", False, {}),
    "book": ("fintrack_cli.backup", "book_app", True, {}),
}


class LazyRoot(FinTrackGroup):
    """The root group: the commands defined here, plus ``LAZY``'s, loaded when named."""

    def list_commands(self, ctx: Context) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in LAZY if n not in self.commands)]

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name not in self.commands and cmd_name in LAZY:
            self.commands[cmd_name] = _load(cmd_name)
        return super().get_command(ctx, cmd_name)


def _load(name: str) -> Command:
    module, attribute, is_group, settings = LAZY[name]
    target = getattr(importlib.import_module(module), attribute)
    if is_group:
        group = typer.main.get_group(target)
        group.name = name
        return group
    single = typer.Typer()
    single.command(name, context_settings=settings or None)(target)
    return typer.main.get_command(single)


app = typer.Typer(
    cls=LazyRoot,
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

AsOpt = Annotated[str | None, typer.Option(
    "--as", help="Administrator to act as (default: the first administrator).")]
# Never a password on the command line (shell history, `ps`): prompted, or read from a file
# or standard input for scripts.
PasswordFile = Annotated[Path | None, typer.Option(
    "--password-file", metavar="PATH", dir_okay=False,
    help="Read the new password from the first line of this file.")]
PasswordStdin = Annotated[bool, typer.Option(
    "--password-stdin", help="Read the new password from the first line of standard input.")]


def _stdin_line() -> str:
    return sys.stdin.readline().rstrip("\r\n")


def new_password(password_file: Path | None, password_stdin: bool) -> str:
    """The new password: from ``--password-file``, ``--password-stdin``, or prompted (hidden,
    twice)."""
    if password_file and password_stdin:
        raise ValidationError("password", "give --password-file or --password-stdin, not both")
    if password_file:
        try:
            return password_file.read_text(encoding="utf-8").split("\n", 1)[0].rstrip("\r")
        except OSError as exc:
            raise ValidationError("password-file", f"cannot read {str(password_file)!r}: "
                                  f"{exc.strerror or exc}") from None
    if password_stdin:
        return _stdin_line()
    return str(typer.prompt("New password (at least 10 characters)", hide_input=True,
                            confirmation_prompt=True))


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
    from rich.progress import (  # only this command draws a progress bar
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with open_db() as db:
        typer.echo(f"Database ready at {location(db)}.")
        with Progress(*columns, console=err_console(), transient=True) as progress:
            task = progress.add_task("Generating demo data", total=transactions)

            def step(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            result = demo_data.create_demo(db, transactions, seed=seed, progress=step)
    typer.echo(f"Created {result.transactions} demo transactions and {result.trades} trades "
               f"(priced with made-up demo prices) in book #{result.book_id}.")
    typer.echo(f"Log in with username: {demo_data.DEMO_USERNAME}  "
               f"password: {demo_data.DEMO_PASSWORD}")


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(
        metavar="USERNAME", help="Login name: 3-64 letters, digits, . _ -")],
    password_file: PasswordFile = None,
    password_stdin: PasswordStdin = False,
    name: Annotated[str, typer.Option(help="Display name (default: the username).")] = "",
    email: Annotated[str, typer.Option(help="For alerts and reports.")] = "",
    admin: Annotated[bool, typer.Option("--admin", help="Make the user an administrator.")] = False,
    currency: Annotated[str, typer.Option(
        help="Base currency of the user's own book (ISO 4217).")] = "EUR",
    as_: AsOpt = None,
) -> None:
    """Add a user with a book of their own. While there is no administrator (a fresh install,
    or only the demo user), the new user becomes the administrator."""
    password = new_password(password_file, password_stdin)
    with open_db() as db:
        actor_id = None
        if count_admins(db):
            actor_id = resolve_actor(db, as_).id
        elif as_:
            note("No administrator yet: --as is ignored; this user becomes the administrator.")
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
    reset: Annotated[bool, typer.Option(
        "--reset", help="As an administrator, set another user's password without their "
                        "current one.")] = False,
    password_file: PasswordFile = None,
    password_stdin: PasswordStdin = False,
    as_: AsOpt = None,
) -> None:
    """Change a password: the user's current one is asked for (hidden); with --reset an
    administrator sets another user's password. Either way that user's other sessions end.

    With --password-stdin and without --reset, standard input gives two lines: the current
    password, then the new one.
    """
    with open_db() as db:
        if reset:
            actor = resolve_actor(db, as_)
            password = new_password(password_file, password_stdin)
            try:  # the service checks the actor's right before telling whether the user exists
                reset_password(db, actor.id, username, password)
            except NotFound:
                raise ValidationError("user", f"no user named {username!r}") from None
        else:
            if as_:
                note("--as is ignored without --reset: the user's current password decides.")
            user = resolve_user(db, username)
            current = _stdin_line() if password_stdin else str(typer.prompt(
                f"Current password of {user.username}", hide_input=True))
            password = new_password(password_file, password_stdin)
            change_password(db, user.id, current, password)
    typer.echo(f"Password of {username.strip()!r} changed; their other sessions are logged "
               "out.")


def main() -> None:
    """Console-script entry point (``fintrack``)."""
    app()


if __name__ == "__main__":
    main()
