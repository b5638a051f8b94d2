"""``fintrack account`` and ``fintrack tx``: the ledger from the command line.

Every command acts as ``--user`` in one of that user's books (``--book`` when they have
several), through the same service functions the web UI uses, so the role checks and the
validation are the ones the UI gets.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from fintrack_cli.common import (
    console,
    money_str,
    note,
    open_db,
    parse_date,
    parse_decimal,
    print_json,
    resolve_account,
    resolve_category,
    resolve_scope,
)
from fintrack_core.api import AccountType
from fintrack_core.budgets.alerts import collect_alerts
from fintrack_core.errors import ValidationError
from fintrack_core.filters import MAX_PAGE_SIZE, TransactionFilter
from fintrack_core.ledger.accounts import (
    AccountView,
    balances,
    create_account,
    list_accounts,
    update_account,
)
from fintrack_core.ledger.categories import list_categories
from fintrack_core.ledger.search import list_transactions
from fintrack_core.ledger.transactions import TransactionInput, add_transaction, split_tags
from fintrack_core.money import format_money

account_app = typer.Typer(help="Add and list the accounts of a book.", no_args_is_help=True)
tx_app = typer.Typer(help="Add and list transactions.", no_args_is_help=True)

UserOpt = Annotated[str | None, typer.Option(
    "--user", "-u", help="Act as this username (optional when there is only one user).")]
BookOpt = Annotated[str | None, typer.Option(
    "--book", "-b", help="Book name or id; needed only when the user has several books.")]
JsonOpt = Annotated[bool, typer.Option("--json",
                                       help="Print one JSON document instead of a table.")]


def _totals_line(amounts: dict[str, int]) -> str:
    """Per-currency sums, never added across currencies."""
    return " · ".join(format_money(v, c) for c, v in sorted(amounts.items())) or "0"


# --- accounts ------------------------------------------------------------------------------


@account_app.command("add")
def account_add(
    name: Annotated[str, typer.Argument(metavar="NAME",
                                        help="Account name, unique within the book.")],
    type_: Annotated[AccountType, typer.Option("--type", "-t", case_sensitive=False,
                                               help="Kind of account.")],
    currency: Annotated[str, typer.Option("--currency", "-c",
                                          help="ISO 4217 code, e.g. EUR (fixed once created).")],
    user: UserOpt = None,
    book: BookOpt = None,
    opening_balance: Annotated[str, typer.Option(
        help="Balance before the first recorded transaction, e.g. 1500.00 (negative for debt)."
    )] = "0",
    opened_on: Annotated[str | None, typer.Option(
        help="YYYY-MM-DD the opening balance applies from (default today).")] = None,
    institution: Annotated[str, typer.Option(help="Bank or broker.")] = "",
    number: Annotated[str, typer.Option(
        help="Account number or IBAN as in the bank's statements (routes multi-account "
             "files).")] = "",
) -> None:
    """Add an account to a book."""
    opening = parse_decimal(opening_balance, "opening_balance")
    opened = parse_date(opened_on, "opened_on")
    with open_db() as db:
        scope, book_view = resolve_scope(db, user, book)
        acc = create_account(scope, name, type_, currency, opening, opened, institution,
                             number)
        typer.echo(f"Added account #{acc.id} {acc.name!r} ({acc.type.value}, {acc.currency}) "
                   f"to book {book_view.name!r}: opening balance "
                   f"{money_str(acc.opening_balance, acc.currency)} {acc.currency} "
                   f"on {acc.opened_on.isoformat()}.")


def _account_json(acc: AccountView, balance: int) -> dict[str, Any]:
    return {"id": acc.id, "name": acc.name, "type": acc.type.value, "currency": acc.currency,
            "balance": money_str(balance, acc.currency),
            "opening_balance": money_str(acc.opening_balance, acc.currency),
            "opened_on": acc.opened_on.isoformat(),
            "closed_on": acc.closed_on.isoformat() if acc.closed_on else None,
            "institution": acc.institution, "number": acc.number}


@account_app.command("number")
def account_number(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The account.")],
    number: Annotated[str, typer.Argument(
        metavar="NUMBER", help="IBAN or account number as in its statements; '' clears it.")],
    user: UserOpt = None,
    book: BookOpt = None,
) -> None:
    """Set an account's number (IBAN), so statements naming it import into it."""
    with open_db() as db:
        scope, _ = resolve_scope(db, user, book)
        acc = update_account(scope, resolve_account(scope, name).id, number=number)
    typer.echo(f"Account {acc.name!r}: number {acc.number or '(none)'}.")


@account_app.command("list")
def account_list(
    user: UserOpt = None,
    book: BookOpt = None,
    as_of: Annotated[str | None, typer.Option(
        help="Balances at the end of this YYYY-MM-DD (default today).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List a book's accounts with their balances (opening balance plus transactions)."""
    day = parse_date(as_of, "as_of")
    with open_db() as db:
        scope, book_view = resolve_scope(db, user, book)
        accounts = list_accounts(scope)
        bals = balances(scope, day)
    if as_json:
        print_json([_account_json(a, bals.get(a.id, 0)) for a in accounts])
        return
    if not accounts:
        typer.echo(f"No accounts in book {book_view.name!r} yet (fintrack account add).")
        return
    table = Table(title=f"{book_view.name} (#{book_view.id})")
    for col in ("Account", "Type", "Currency", "Institution", "Opened"):
        table.add_column(col)
    table.add_column("Balance", justify="right")
    totals: dict[str, int] = {}
    for acc in accounts:
        bal = bals.get(acc.id, 0)
        totals[acc.currency] = totals.get(acc.currency, 0) + bal
        closed = f" (closed {acc.closed_on})" if acc.closed_on else ""
        table.add_row(acc.name + closed, acc.type.value, acc.currency, acc.institution,
                      acc.opened_on.isoformat(), format_money(bal, acc.currency))
    table.caption = f"Total per currency: {_totals_line(totals)}"
    console().print(table)


# --- transactions --------------------------------------------------------------------------


@tx_app.command("add")
def tx_add(
    account: Annotated[str, typer.Option("--account", "-a", help="Account name.")],
    amount: Annotated[str, typer.Option(
        help="Decimal in the account's currency; negative is money out (--amount=-12.50).")],
    date: Annotated[str, typer.Option("--date", "-d", help="YYYY-MM-DD.")],
    user: UserOpt = None,
    book: BookOpt = None,
    payee: Annotated[str, typer.Option(help="Who was paid or who paid.")] = "",
    description: Annotated[str, typer.Option(help="Free text, e.g. the bank's memo.")] = "",
    category: Annotated[str | None, typer.Option(
        help='Category name or path: "Groceries", "Food/Groceries", "Car/Fuel".')] = None,
    tags: Annotated[str, typer.Option(help="Comma-separated tags, e.g. home,weekly.")] = "",
    notes: Annotated[str, typer.Option(help="Private notes.")] = "",
    scheduled: Annotated[bool, typer.Option(
        "--scheduled", help="A planned transaction; required for future dates.")] = False,
) -> None:
    """Record one transaction."""
    value = parse_decimal(amount, "amount")
    day = parse_date(date, "date")
    assert day is not None  # a required option
    with open_db() as db:
        scope, _book = resolve_scope(db, user, book)
        acc = resolve_account(scope, account)
        cat = resolve_category(scope, category) if category is not None else None
        with collect_alerts() as events:
            t = add_transaction(scope, TransactionInput(
                acc.id, day, value, payee=payee, description=description,
                category_id=cat.id if cat else None, notes=notes, tags=tags,
                scheduled=scheduled))
    extra = "".join([f" {t.payee}" if t.payee else "", f" [{cat.path}]" if cat else "",
                     " (scheduled)" if t.scheduled else ""])
    typer.echo(f"Added transaction #{t.id}: {t.date.isoformat()} {acc.name} "
               f"{money_str(t.amount_minor, t.currency)} {t.currency}{extra}")
    for event in events:  # the budget thresholds this transaction crossed
        note(f"Budget alert: {event.message}")


@tx_app.command("list")
def tx_list(
    user: UserOpt = None,
    book: BookOpt = None,
    account: Annotated[str | None, typer.Option("--account", "-a",
                                                help="Only this account.")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="From YYYY-MM-DD.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Up to YYYY-MM-DD.")] = None,
    category: Annotated[str | None, typer.Option(
        help="Category name or path; includes its sub-categories.")] = None,
    text: Annotated[str | None, typer.Option(
        help="Text found in payee, description or notes.")] = None,
    tag: Annotated[str | None, typer.Option(help="Only transactions with this tag.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=MAX_PAGE_SIZE,
                                       help="Newest N matching transactions.")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """List transactions, newest first, with the count and sums of everything that matched."""
    start, end = parse_date(date_from, "from"), parse_date(date_to, "to")
    if start and end and start > end:
        raise ValidationError("from", f"{start} is after --to {end}")
    with open_db() as db:
        scope, book_view = resolve_scope(db, user, book)
        cats = list_categories(scope)
        acc_ids = (resolve_account(scope, account).id,) if account is not None else ()
        cat_ids = (resolve_category(scope, category, cats).id,) if category is not None else ()
        page = list_transactions(scope, TransactionFilter(
            date_from=start, date_to=end, account_ids=acc_ids, category_ids=cat_ids, text=text,
            tags=(tag,) if tag else (), include_scheduled=True), page_size=limit)
    paths = {c.id: c.path for c in cats}
    if as_json:
        print_json({
            "book": {"id": book_view.id, "name": book_view.name},
            "total": page.total, "shown": len(page.rows),
            "sums": {c: money_str(v, c) for c, v in sorted(page.sums.items())},
            "transactions": [{
                "id": r.id, "date": r.date.isoformat(), "account_id": r.account_id,
                "account": r.account, "amount": money_str(r.amount_minor, r.currency),
                "currency": r.currency, "payee": r.payee, "description": r.description,
                "category_id": r.category_id,
                "category": paths.get(r.category_id) if r.category_id else None,
                "tags": split_tags(r.tags), "notes": r.notes, "transfer_id": r.transfer_id,
                "scheduled": r.scheduled} for r in page.rows],
        })
        return
    if not page.rows:
        typer.echo("No transactions match.")
        return
    table = Table(title=f"{book_view.name} (#{book_view.id})")
    for col in ("Id", "Date", "Account"):
        table.add_column(col)
    table.add_column("Amount", justify="right")
    for col in ("Payee", "Description", "Category", "Tags"):
        table.add_column(col)
    for r in page.rows:
        date_text = r.date.isoformat() + (" (sched.)" if r.scheduled else "")
        table.add_row(str(r.id), date_text, r.account, format_money(r.amount_minor, r.currency),
                      r.payee, r.description, paths.get(r.category_id or -1, ""),
                      ", ".join(split_tags(r.tags)))
    table.caption = (f"Showing {len(page.rows)} of {page.total}; "
                     f"sum of all matching: {_totals_line(page.sums)}")
    console().print(table)
