"""The ``fintrack`` command, driven like a person would: through its arguments, against a real
SQLite file named by ``FINTRACK_DATABASE_URL``."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import inspect
from typer._click import Context
from typer.testing import CliRunner, Result

from fintrack_cli.main import app
from fintrack_core.access import Scope
from fintrack_core.db.engine import Database
from fintrack_core.db.models import Role
from fintrack_core.ledger import books, categories, users

runner = CliRunner()
ALICE_PW = "wonderland-42"


def run(*args: str, input: str | None = None) -> Result:
    return runner.invoke(app, list(args), input=input)


def ok(*args: str, input: str | None = None) -> Result:
    result = run(*args, input=input)
    assert result.exit_code == 0, f"{args}: {result.output}"
    return result


def fails(result: Result, *words: str) -> None:
    """A user error: status 1, a one-line message on stderr naming the field, no traceback."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.stderr.splitlines()[-1].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.stderr, f"{word!r} not in {result.stderr!r}"


def as_json(result: Result) -> Any:
    return json.loads(result.stdout)


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FINTRACK_DATABASE_URL", url)
    return url


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    """The same file the CLI writes, for checks through the service layer."""
    db = Database(db_url)
    yield db
    db.dispose()


@pytest.fixture
def alice(db_url: str) -> str:
    """Alice (the first user, so the administrator) with a EUR checking account and a USD card."""
    ok("user", "add", "alice", "--name", "Alice", "--password-stdin", input=ALICE_PW + "\n")
    ok("account", "add", "Girokonto", "--type", "checking", "--currency", "EUR",
       "--opening-balance", "1500.00", "--opened-on", "2024-01-01", "--institution", "DKB",
       "--user", "alice")
    ok("account", "add", "US Visa", "--type", "credit_card", "--currency", "USD",
       "--opened-on", "2024-01-01", "--user", "alice")
    return "alice"


def add_tx(*args: str) -> Result:
    return ok("tx", "add", "--user", "alice", *args)


def _command_paths(cmd: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path, through click's own lookup: the root loads its sub-commands'
    modules only when they are named (``fintrack_cli.main.LAZY``)."""
    paths = [prefix]
    if hasattr(cmd, "list_commands"):
        ctx = Context(cmd)
        for name in cmd.list_commands(ctx):
            paths += _command_paths(cmd.get_command(ctx, name), (*prefix, name))
    return paths


ALL_COMMANDS = _command_paths(typer.main.get_command(app))


def test_command_tree_has_every_documented_command() -> None:
    expected = {("init",), ("demo",), ("user", "add"), ("user", "list"), ("user", "passwd"),
                ("account", "add"), ("account", "list"), ("tx", "add"), ("tx", "list")}
    assert expected <= set(ALL_COMMANDS)


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=lambda p: " ".join(p) or "fintrack")
def test_help_works_for_every_command(path: tuple[str, ...], db_url: str) -> None:
    result = ok(*path, "--help")
    assert "Usage:" in result.stdout
    assert not Path(db_url.removeprefix("sqlite:///")).exists()  # --help touches no database


def test_console_script_is_installed() -> None:
    # Beside the interpreter running the tests (``.venv/bin/python -m pytest`` does not put
    # .venv/bin on PATH), else on PATH.
    beside = Path(sys.executable).parent / "fintrack"
    exe = str(beside) if beside.exists() else shutil.which("fintrack")
    assert exe, "the `fintrack` console script is not installed (pip install -e .)"
    proc = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=60,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    for command in ("init", "demo", "user", "account", "tx"):
        assert command in proc.stdout


def test_init_creates_the_schema_and_is_idempotent(db_url: str, database: Database) -> None:
    result = ok("init")
    path = str(Path(db_url.removeprefix("sqlite:///")).resolve())
    assert path in result.stdout
    tables = set(inspect(database.engine).get_table_names())
    assert {"alembic_version", "users", "books", "memberships", "accounts", "categories",
            "transactions"} <= tables
    ok("init")


def test_bad_database_url_is_a_message_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINTRACK_DATABASE_URL", "nosuchdialect://somewhere/db")
    fails(run("init"), "FINTRACK_DATABASE_URL")


def test_first_user_becomes_admin_without_as(db_url: str, database: Database) -> None:
    result = ok("user", "add", "alice", "--password-stdin", "--currency", "chf",
                input=ALICE_PW + "\n")
    assert "administrator" in result.stdout
    assert users.get_user(database, "alice").is_admin
    book = books.list_books(database, users.get_user(database, "alice").id)
    assert [(b.base_currency, b.role) for b in book] == [("CHF", Role.OWNER)]
    listed = as_json(ok("user", "list", "--json"))
    assert listed == [{"id": 1, "username": "alice", "name": "alice", "email": "",
                       "is_admin": True}]


def test_later_users_need_an_administrator(alice: str, database: Database) -> None:
    ok("user", "add", "bob", "--password-stdin", "--as", "alice", input="builder-jobs1\n")
    # a non-admin cannot add users
    fails(run("user", "add", "carol", "--password-stdin", "--as", "bob", input="xmas-songs-3\n"),
          "administrator")
    fails(run("user", "add", "carol", "--password-stdin", "--as", "nobody", input="xmas-songs-3\n"),
          "as:", "nobody")
    # without --as the first administrator acts, and the command says so
    result = ok("user", "add", "carol", "--password-stdin", "--admin", input="xmas-songs-3\n")
    assert "Acting as administrator 'alice'" in result.stderr
    assert users.get_user(database, "carol").is_admin
    assert not users.get_user(database, "bob").is_admin
    fails(run("user", "add", "bob", "--password-stdin", input="builder-jobs1\n"), "already taken")
    fails(run("user", "add", "dave", "--password-stdin", input="short\n"), "password")
    fails(run("user", "add", "dave", "--password-stdin", "--currency", "EURO",
              input="goliath-slayer\n"), "base_currency")
    fails(run("user", "add", "x y", "--password-stdin", input="goliath-slayer\n"), "username")


def test_password_is_prompted_hidden_with_confirmation(db_url: str, database: Database) -> None:
    result = ok("user", "add", "alice", input="s3cret-pass\ns3cret-pass\n")
    assert "s3cret-pass" not in result.output
    assert users.authenticate(database, "alice", "s3cret-pass") is not None
    result = ok("user", "passwd", "alice", input="s3cret-pass\nother-pass1\nother-pass1\n")
    assert "Current password of alice" in result.output
    assert "s3cret-pass" not in result.output
    assert "other-pass1" not in result.output
    assert users.authenticate(database, "alice", "other-pass1") is not None


@pytest.mark.parametrize("command", [("user", "add", "dave"), ("user", "passwd", "alice")])
def test_no_password_is_accepted_as_an_argument(alice: str, command: tuple[str, ...]) -> None:
    """Arguments end up in shell history and in `ps` for every local user to read."""
    result = run(*command, "--password", "goliath-slayer")
    assert result.exit_code == 2
    assert "No such option: --password" in result.output


def test_passwords_can_come_from_a_file(alice: str, database: Database, tmp_path: Path) -> None:
    secret = tmp_path / "pw.txt"
    secret.write_text("goliath-slayer\n")
    ok("user", "add", "dave", "--password-file", str(secret))
    assert users.authenticate(database, "dave", "goliath-slayer") is not None
    fails(run("user", "add", "erin", "--password-file", str(tmp_path / "missing.txt")),
          "password-file")
    fails(run("user", "add", "erin", "--password-file", str(secret), "--password-stdin"),
          "not both")


def test_changing_ones_password_needs_the_current_one(alice: str, database: Database) -> None:
    fails(run("user", "passwd", "alice", input="not-the-password\nlooking-glass-7\n"
                                               "looking-glass-7\n"), "current_password")
    fails(run("user", "passwd", "alice", "--password-stdin",
              input="not-the-password\nlooking-glass-7\n"), "current_password")
    assert users.authenticate(database, "alice", ALICE_PW) is not None
    ok("user", "passwd", "alice", "--password-stdin", input=f"{ALICE_PW}\nlooking-glass-7\n")
    assert users.authenticate(database, "alice", "looking-glass-7") is not None
    assert users.session_epoch(database, "alice") == 1


def test_passwd_reset_by_admin_only(alice: str, database: Database) -> None:
    ok("user", "add", "bob", "--password-stdin", input="builder-jobs1\n")
    ok("user", "passwd", "bob", "--reset", "--password-stdin", "--as", "alice",
       input="builder-jobs2\n")
    assert users.authenticate(database, "bob", "builder-jobs2") is not None
    assert users.session_epoch(database, "bob") == 1
    fails(run("user", "passwd", "alice", "--reset", "--password-stdin", "--as", "bob",
              input="hijacked-now\n"), "administrator")
    fails(run("user", "passwd", "alice", "--reset", "--password-stdin", input="hijacked-now\n"),
          "current one")
    assert users.authenticate(database, "alice", ALICE_PW) is not None
    fails(run("user", "passwd", "nobody", "--reset", "--password-stdin",
              input="whatever-123\n"), "user:", "nobody")
    fails(run("user", "passwd", "nobody", input="x\n"), "user:", "nobody")


def test_user_list_needs_an_admin(alice: str) -> None:
    ok("user", "add", "bob", "--password-stdin", input="builder-jobs1\n")
    fails(run("user", "list", "--as", "bob"), "administrator")
    table = ok("user", "list").stdout
    assert "alice" in table
    assert "bob" in table


def test_account_add_and_list_with_exact_balances(alice: str) -> None:
    add_tx("--account", "Girokonto", "--amount", "-64.37", "--date", "2024-03-05")
    add_tx("--account", "Girokonto", "--amount", "2500", "--date", "2024-03-01")
    add_tx("--account", "US Visa", "--amount", "-42.10", "--date", "2024-03-09")
    add_tx("--account", "US Visa", "--amount", "0.1", "--date", "2024-03-10")
    add_tx("--account", "US Visa", "--amount", "0.2", "--date", "2024-03-10")
    accounts = {a["name"]: a for a in as_json(ok("account", "list", "--user", "alice",
                                                 "--json"))}
    assert accounts["Girokonto"] == {
        "id": accounts["Girokonto"]["id"], "name": "Girokonto", "type": "checking",
        "currency": "EUR", "balance": "3935.63", "opening_balance": "1500.00",
        "opened_on": "2024-01-01", "closed_on": None, "institution": "DKB", "number": ""}
    assert accounts["US Visa"]["balance"] == "-41.80"  # 0.1 + 0.2 is exactly 0.3 here
    assert accounts["US Visa"]["type"] == "credit_card"
    before = as_json(ok("account", "list", "--user", "alice", "--json", "--as-of",
                        "2024-03-04"))
    assert {a["name"]: a["balance"] for a in before} == {"Girokonto": "4000.00",
                                                         "US Visa": "0.00"}
    table = ok("account", "list", "--user", "alice").stdout
    assert "€3,935.63" in table
    assert "-$41.80" in table
    assert "Girokonto" in table
    assert "DKB" in table


def test_account_add_errors_name_the_field(alice: str) -> None:
    def add(*extra: str) -> Result:
        return run("account", "add", "Cash", "--user", "alice", *extra)

    fails(add("--type", "cash", "--currency", "EURO"), "currency", "EURO")
    fails(add("--type", "cash", "--currency", "EUR", "--opening-balance", "12,5"),
          "opening_balance")
    fails(add("--type", "cash", "--currency", "EUR", "--opening-balance", "1.001"),
          "opening_balance")
    fails(add("--type", "cash", "--currency", "JPY", "--opening-balance", "1.5"),
          "opening_balance")
    fails(add("--type", "cash", "--currency", "EUR", "--opened-on", "01.02.2024"), "opened_on")
    fails(run("account", "add", "Girokonto", "--type", "cash", "--currency", "EUR",
              "--user", "alice"), "already exists")
    bad_type = add("--type", "chequing", "--currency", "EUR")
    assert bad_type.exit_code == 2  # a usage error, reported by the parser
    assert "--type" in bad_type.stderr
    ok("account", "add", "Cash", "--type", "CASH", "--currency", "jpy", "--opening-balance",
       "1200", "--user", "alice")
    cash = next(a for a in as_json(ok("account", "list", "-u", "alice", "--json"))
                if a["name"] == "Cash")
    assert (cash["currency"], cash["balance"], cash["type"]) == ("JPY", "1200", "cash")


def test_tx_add_and_list_with_filters(alice: str) -> None:
    add_tx("--account", "Girokonto", "--amount", "2500.00", "--date", "2024-03-01",
           "--payee", "ACME GmbH", "--description", "Salary March", "--category", "Salary")
    add_tx("--account", "Girokonto", "--amount", "-850", "--date", "2024-03-02",
           "--payee", "Landlord", "--category", "Housing/Rent", "--tags", "home")
    result = add_tx("--account", "girokonto", "--amount=-64.37", "--date", "2024-03-05",
                    "--payee", "REWE", "--category", "Food → Groceries",
                    "--tags", "Food, weekly")
    assert "-64.37 EUR" in result.stdout
    assert "Food → Groceries" in result.stdout
    add_tx("--account", "US Visa", "--amount", "-42.10", "--date", "2024-03-09",
           "--payee", "Shell", "--category", "Car/Fuel", "--tags", "car")
    add_tx("--account", "US Visa", "--amount", "-9.99", "--date", "2024-04-02",
           "--payee", "Streaming Co", "--description", "monthly plan",
           "--category", "Transportation -> Car -> Parking")

    def listing(*args: str) -> dict[str, Any]:
        listed: dict[str, Any] = as_json(ok("tx", "list", "--user", "alice", "--json", *args))
        return listed

    everything = listing()
    assert everything["total"] == 5
    assert everything["sums"] == {"EUR": "1585.63", "USD": "-52.09"}
    assert [t["date"] for t in everything["transactions"]] == [
        "2024-04-02", "2024-03-09", "2024-03-05", "2024-03-02", "2024-03-01"]
    rewe = everything["transactions"][2]
    assert rewe["amount"] == "-64.37"  # a decimal string, never a float
    assert rewe["category"] == "Food → Groceries"
    assert rewe["tags"] == ["food", "weekly"]
    assert rewe["account"] == "Girokonto"

    visa = listing("--account", "US Visa")
    assert (visa["total"], visa["sums"]) == (2, {"USD": "-52.09"})
    march = listing("--from", "2024-03-02", "--to", "2024-03-31")
    assert [t["payee"] for t in march["transactions"]] == ["Shell", "REWE", "Landlord"]
    car = listing("--category", "Car")  # includes Fuel and Parking
    assert {t["payee"] for t in car["transactions"]} == {"Shell", "Streaming Co"}
    expenses = listing("--category", "/Transportation")
    assert expenses["total"] == 2
    assert listing("--text", "MONTHLY")["transactions"][0]["payee"] == "Streaming Co"
    assert listing("--tag", "home")["transactions"][0]["payee"] == "Landlord"
    limited = listing("--limit", "2")
    assert (limited["total"], limited["shown"]) == (5, 2)
    assert limited["sums"] == everything["sums"]  # sums cover every match, not just the page

    table = ok("tx", "list", "--user", "alice", "--category", "Food").stdout
    assert "-€64.37" in table
    assert "REWE" in table
    assert "Landlord" not in table
    assert "Showing 1 of 1" in table
    assert ok("tx", "list", "-u", "alice", "--text", "nothing-like-this").stdout.strip() == \
        "No transactions match."


@pytest.mark.parametrize(("args", "words"), [
    (("--account", "Girokonto", "--amount", "-1", "--date", "2024-3-5"), ("date", "YYYY-MM-DD")),
    (("--account", "Girokonto", "--amount", "-1", "--date", "20240305"), ("date",)),
    (("--account", "Girokonto", "--amount", "-1", "--date", "2024-02-30"), ("date",)),
    (("--account", "Sparbuch", "--amount", "-1", "--date", "2024-03-05"),
     ("account", "Sparbuch", "Girokonto")),
    (("--account", "Girokonto", "--amount", "-1", "--date", "2999-01-01"),
     ("date", "scheduled")),
    (("--account", "Girokonto", "--amount", "0", "--date", "2024-03-05"), ("amount", "zero")),
    (("--account", "Girokonto", "--amount", "-0.00", "--date", "2024-03-05"), ("amount",)),
    (("--account", "Girokonto", "--amount", "12,50", "--date", "2024-03-05"), ("amount",)),
    (("--account", "Girokonto", "--amount", "abc", "--date", "2024-03-05"), ("amount",)),
    (("--account", "Girokonto", "--amount", "NaN", "--date", "2024-03-05"), ("amount",)),
    (("--account", "Girokonto", "--amount", "1.005", "--date", "2024-03-05"),
     ("amount", "decimals")),
    (("--account", "Girokonto", "--amount", "-5", "--date", "2024-03-05",
      "--category", "Salary"), ("category", "income")),
    (("--account", "Girokonto", "--amount", "-5", "--date", "2024-03-05",
      "--category", "Savings"), ("category", "transfer")),
    (("--account", "Girokonto", "--amount", "-5", "--date", "2024-03-05",
      "--category", "Grocery"), ("category", "Groceries")),
], ids=["short-date", "compact-date", "impossible-date", "unknown-account", "future-date",
        "zero", "negative-zero", "comma", "text", "nan", "too-precise", "income-category",
        "transfer-category", "unknown-category"])
def test_tx_add_errors_name_the_field(alice: str, args: tuple[str, ...],
                                      words: tuple[str, ...]) -> None:
    fails(run("tx", "add", "--user", "alice", *args), *words)
    assert as_json(ok("tx", "list", "-u", "alice", "--json"))["total"] == 0


def test_future_date_is_fine_when_scheduled(alice: str) -> None:
    result = add_tx("--account", "Girokonto", "--amount", "-1200", "--date", "2999-01-01",
                    "--scheduled", "--category", "Rent")
    assert "(scheduled)" in result.stdout
    row = as_json(ok("tx", "list", "-u", "alice", "--json"))["transactions"][0]
    assert (row["date"], row["scheduled"], row["amount"]) == ("2999-01-01", True, "-1200.00")


def test_tx_list_errors(alice: str) -> None:
    def lst(*args: str) -> Result:
        return run("tx", "list", "--user", "alice", *args)

    fails(lst("--from", "2024-04-01", "--to", "2024-03-01"), "from")
    fails(lst("--to", "yesterday"), "to:")
    fails(lst("--account", "Nope"), "account")
    fails(lst("--category", "Nope"), "category")
    assert lst("--limit", "0").exit_code == 2


def test_ambiguous_category_lists_candidates(alice: str, database: Database) -> None:
    user = users.get_user(database, "alice")
    scope = Scope(database, user.id, books.list_books(database, user.id)[0].id)
    housing = next(c for c in categories.list_categories(scope) if c.path == "Housing")
    categories.create_category(scope, "Fuel", parent_id=housing.id)  # heating oil
    result = run("tx", "add", "-u", "alice", "--account", "Girokonto", "--amount", "-80",
                 "--date", "2024-03-05", "--category", "fuel")
    fails(result, "category", "ambiguous", "Housing → Fuel", "Transportation → Car → Fuel")
    ok("tx", "add", "-u", "alice", "--account", "Girokonto", "--amount", "-80",
       "--date", "2024-03-05", "--category", "Housing/Fuel")
    row = as_json(ok("tx", "list", "-u", "alice", "--json"))["transactions"][0]
    assert row["category"] == "Housing → Fuel"


def test_user_names_are_case_insensitive_and_unknown_ones_an_error(alice: str) -> None:
    assert len(as_json(ok("account", "list", "--user", " ALICE ", "--json"))) == 2
    fails(run("account", "list", "--user", "mallory"), "user:", "mallory")


def test_cannot_touch_another_users_book(alice: str, database: Database) -> None:
    ok("user", "add", "carol", "--password-stdin", input="xmas-songs-3\n")
    alice_book = books.list_books(database, users.get_user(database, "alice").id)[0]
    for book in (str(alice_book.id), alice_book.name):
        fails(run("account", "list", "--user", "carol", "--book", book), "book:",
              "carol's book")
        fails(run("tx", "add", "--user", "carol", "--book", book, "--account", "Girokonto",
                  "--amount", "-1", "--date", "2024-03-05"), "book:")
        fails(run("account", "add", "Stolen", "--type", "cash", "--currency", "EUR",
                  "--user", "carol", "--book", book), "book:")
    assert as_json(ok("account", "list", "--user", "carol", "--json")) == []
    names = {a["name"] for a in as_json(ok("account", "list", "-u", "alice", "--json"))}
    assert names == {"Girokonto", "US Visa"}
    # Carol's own account named like Alice's is a different account in a different book
    ok("account", "add", "Girokonto", "--type", "checking", "--currency", "GBP",
       "--user", "carol")
    carol = as_json(ok("account", "list", "--user", "carol", "--json"))
    assert [(a["name"], a["currency"]) for a in carol] == [("Girokonto", "GBP")]


def test_several_books_need_book_and_roles_apply(alice: str, database: Database) -> None:
    ok("user", "add", "bob", "--password-stdin", input="builder-jobs1\n")
    alice_user = users.get_user(database, "alice")
    alice_book = books.list_books(database, alice_user.id)[0]
    books.share_book(Scope(database, alice_user.id, alice_book.id), "bob", Role.VIEWER)
    fails(run("account", "list", "--user", "bob"), "book:", "--book", "Alice's book",
          "bob's book")
    shared = as_json(ok("account", "list", "-u", "bob", "--book", "alice's BOOK", "--json"))
    assert {a["name"] for a in shared} == {"Girokonto", "US Visa"}
    assert as_json(ok("account", "list", "-u", "bob", "-b", f"#{alice_book.id}",
                      "--json")) == shared
    # a viewer may read but not write
    fails(run("tx", "add", "-u", "bob", "-b", "Alice's book", "--account", "Girokonto",
              "--amount", "-1", "--date", "2024-03-05"), "viewer")
    assert as_json(ok("tx", "list", "-u", "bob", "-b", "Alice's book", "--json"))["total"] == 0


def test_demo_creates_a_demo_login(db_url: str) -> None:
    result = ok("demo", "--transactions", "2000", "--seed", "7")
    assert "demo" in result.stdout
    assert "2000" in result.stdout
    assert "explore-fintrack" in result.stdout


def test_after_demo_data_the_next_user_is_the_administrator(db_url: str,
                                                            database: Database) -> None:
    ok("demo", "--transactions", "1000")
    assert not users.get_user(database, "demo").is_admin
    result = ok("user", "add", "ada", "--password-stdin", input="lovelace-1815\n")
    assert "(administrator)" in result.stdout
    assert users.get_user(database, "ada").is_admin


def test_a_command_starts_without_the_import_stack_or_alembic() -> None:
    """Cold start (issue 13): loading the ``fintrack`` command imports neither the statement
    import machinery (only ``fintrack import`` needs it), nor Alembic (only a migration),
    nor the XLSX writer (only an XLSX export)."""
    import subprocess
    import sys
    from pathlib import Path

    probe = ("import sys, fintrack_cli.main; "
             "print(sorted(m for m in ('fintrack_core.imports.service', 'alembic', "
             "'xlsxwriter') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "[]"


def test_the_command_line_loads_a_commands_machinery_only_when_it_runs() -> None:
    heavy = ("pandas", "numpy", "duckdb", "pyarrow", "fintrack_core.imports",
             "fintrack_core.prices", "fintrack_api", "yfinance")
    code = ("import sys, fintrack_cli.main; "
            f"print(sorted(m for m in {heavy!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, check=True).stdout
    assert loaded.strip() == "[]"
