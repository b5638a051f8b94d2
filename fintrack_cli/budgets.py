"""``fintrack budget``: add, list, check and delete budgets, and read the alert list.

Each command is one core call (``fintrack_core.budgets``) as ``--user`` in one of their
books, so the rules, role checks and messages are the ones the Budgets page gets. Amounts in
``--json`` are exact decimal strings, as everywhere in the CLI.
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
    resolve_category,
    resolve_scope,
)
from fintrack_cli.ledger import BookOpt, JsonOpt, UserOpt
from fintrack_core.budgets.inbox import AlertView, list_alerts
from fintrack_core.budgets.periods import PeriodKind
from fintrack_core.budgets.service import (
    BudgetInput,
    BudgetView,
    add_budget,
    check_thresholds,
    delete_budget,
    list_budgets,
)
from fintrack_core.budgets.status import BudgetStatus, budget_status
from fintrack_core.money import format_money

budget_app = typer.Typer(help="Budgets per expense category: add, list, status, alerts.",
                         no_args_is_help=True)


def budget_json(b: BudgetView) -> dict[str, Any]:
    return {"id": b.id, "category": b.category, "amount": money_str(b.amount_minor, b.currency),
            "currency": b.currency, "period": b.period.value, "start_day": b.start_day,
            "starts_on": b.starts_on.isoformat(),
            "ends_on": b.ends_on.isoformat() if b.ends_on else None, "rollover": b.rollover,
            "thresholds": list(b.thresholds)}


def status_json(s: BudgetStatus) -> dict[str, Any]:
    cur = s.budget.currency
    return {"budget_id": s.budget.id, "category": s.budget.category,
            "period_start": s.span.start.isoformat(), "period_end": s.span.end.isoformat(),
            "spent": money_str(s.spent_minor, cur), "limit": money_str(s.limit_minor, cur),
            "carried": money_str(s.carried_minor, cur),
            "remaining": money_str(s.remaining_minor, cur),
            "percent_used": None if s.percent_used is None else str(s.percent_used),
            "days_left": s.days_left, "safe_per_day": money_str(s.safe_per_day_minor, cur),
            "projected": money_str(s.projected_minor, cur), "level": s.level,
            "crossed": list(s.crossed), "currency": cur,
            "unconverted": {c: money_str(v, c) for c, v in sorted(s.unconverted.items())}}


def alert_json(a: AlertView) -> dict[str, Any]:
    return {"id": a.id, "budget_id": a.budget_id, "category": a.category,
            "threshold": a.threshold, "period_start": a.span.start.isoformat(),
            "period_end": a.span.end.isoformat(), "spent": money_str(a.spent_minor, a.currency),
            "limit": money_str(a.limit_minor, a.currency), "currency": a.currency,
            "fired_at": a.fired_at.isoformat(), "read": a.read, "resolved": a.resolved,
            "dismissed": a.dismissed, "message": a.message}


@budget_app.command("add")
def budget_add(
    category: Annotated[str, typer.Option(
        help='Expense category name or path: "Groceries", "Food/Groceries".')],
    amount: Annotated[str, typer.Option(help="Per period, in the book's base currency.")],
    period: Annotated[PeriodKind, typer.Option(case_sensitive=False,
                                               help="How often the budget starts again.")
                      ] = PeriodKind.MONTHLY,
    start_day: Annotated[int | None, typer.Option(
        help="monthly: day of the month (1-31, e.g. 25; default 1); weekly: weekday "
             "(0 = Monday, the default); yearly: month (1-12; default 1).")] = None,
    start: Annotated[str | None, typer.Option(
        help="First day YYYY-MM-DD (default: the start of the current period).")] = None,
    end: Annotated[str | None, typer.Option(
        help="Last day YYYY-MM-DD (required for custom periods).")] = None,
    rollover: Annotated[bool, typer.Option(
        "--rollover", help="Carry what is left (or overspent) into the next period.")] = False,
    thresholds: Annotated[str, typer.Option(
        help="Alert at these per cents of the budget, e.g. 80,100.")] = "80,100",
    user: UserOpt = None,
    book: BookOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a budget to an expense category."""
    value = parse_decimal(amount, "amount")
    first, last = parse_date(start, "start"), parse_date(end, "end")
    levels = check_thresholds(thresholds)
    with open_db() as db:
        scope, _ = resolve_scope(db, user, book)
        cat = resolve_category(scope, category)
        day = start_day if start_day is not None else (0 if period is PeriodKind.WEEKLY else 1)
        b = add_budget(scope, BudgetInput(cat.id, value, period, day, first, last, rollover,
                                          levels))
    if as_json:
        print_json(budget_json(b))
        return
    typer.echo(f"Added budget #{b.id} {b.category}: {money_str(b.amount_minor, b.currency)} "
               f"{b.currency} {b.period.value} from {b.starts_on.isoformat()}.")


@budget_app.command("list")
def budget_list(user: UserOpt = None, book: BookOpt = None, as_json: JsonOpt = False) -> None:
    """List the book's budgets."""
    with open_db() as db:
        scope, book_view = resolve_scope(db, user, book)
        budgets = list_budgets(scope)
    if as_json:
        print_json([budget_json(b) for b in budgets])
        return
    if not budgets:
        typer.echo(f"No budgets in book {book_view.name!r} yet (fintrack budget add).")
        return
    table = Table(title=f"Budgets of {book_view.name}")
    for col in ("Id", "Category", "Period", "Start day", "From", "To", "Rollover", "Alerts at"):
        table.add_column(col)
    table.add_column("Amount", justify="right")
    for b in budgets:
        table.add_row(str(b.id), b.category, b.period.value,
                      "" if b.period is PeriodKind.CUSTOM else str(b.start_day),
                      b.starts_on.isoformat(), b.ends_on.isoformat() if b.ends_on else "",
                      "yes" if b.rollover else "", ",".join(str(t) for t in b.thresholds),
                      format_money(b.amount_minor, b.currency))
    console().print(table)


@budget_app.command("status")
def budget_status_command(
    as_of: Annotated[str | None, typer.Option(help="The day YYYY-MM-DD (default today).")
                     ] = None,
    user: UserOpt = None,
    book: BookOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """How each budget stands in its period containing the day: spent, left, pace."""
    day = parse_date(as_of, "as_of")
    with open_db() as db:
        scope, book_view = resolve_scope(db, user, book)
        statuses = budget_status(scope, day)
    if as_json:
        print_json([status_json(s) for s in statuses])
        return
    if not statuses:
        typer.echo("No budget applies on that day.")
        return
    table = Table(title=f"Budgets of {book_view.name}")
    table.add_column("Category")
    table.add_column("Period")
    for col in ("Spent", "Limit", "Left", "Used", "Days left", "Per day", "Projected"):
        table.add_column(col, justify="right")
    table.add_column("Level")
    for s in statuses:
        cur = s.budget.currency
        used = "—" if s.percent_used is None else f"{s.percent_used} %"
        table.add_row(s.budget.category, f"{s.span.start} – {s.span.end}",
                      format_money(s.spent_minor, cur), format_money(s.limit_minor, cur),
                      format_money(s.remaining_minor, cur), used, str(s.days_left),
                      format_money(s.safe_per_day_minor, cur),
                      format_money(s.projected_minor, cur), s.level)
    console().print(table)
    for s in statuses:
        if s.unconverted:
            missing = ", ".join(format_money(v, c) for c, v in sorted(s.unconverted.items()))
            note(f"{s.budget.category}: no exchange rate for {missing}; left out of its figures.")


@budget_app.command("delete")
def budget_delete(
    budget_id: Annotated[int, typer.Argument(metavar="ID", help="From `fintrack budget list`.")],
    user: UserOpt = None,
    book: BookOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Delete a budget and its alert history."""
    with open_db() as db:
        scope, _ = resolve_scope(db, user, book)
        delete_budget(scope, budget_id)
    if as_json:
        print_json({"deleted": budget_id})
        return
    typer.echo(f"Deleted budget #{budget_id}.")


@budget_app.command("alerts")
def budget_alerts(
    all_: Annotated[bool, typer.Option("--all", help="Dismissed alerts too.")] = False,
    user: UserOpt = None,
    book: BookOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The budget alerts, newest first (dismissed ones only with --all)."""
    with open_db() as db:
        scope, _ = resolve_scope(db, user, book)
        alerts = list_alerts(scope, include_dismissed=all_, limit=500)
    if as_json:
        print_json([alert_json(a) for a in alerts])
        return
    if not alerts:
        typer.echo("No budget alerts.")
        return
    for a in alerts:
        flags = "" if a.read else "[new] "
        flags += "[dismissed] " if a.dismissed else ""
        typer.echo(f"#{a.id} {a.fired_at:%Y-%m-%d %H:%M} {flags}{a.message}")
