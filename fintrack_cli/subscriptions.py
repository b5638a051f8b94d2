"""``fintrack subscriptions`` and ``fintrack forecast``: recurring payments and where the
balances go, from the terminal.

    fintrack subscriptions list [--all] [--json]
    fintrack subscriptions confirm KEY [--name N] [--amount A] [--cadence C] [--next D]
    fintrack subscriptions dismiss KEY
    fintrack forecast [--days 90] [--json]

The series key (printed by ``list``) names a series across runs. Cadences and amounts are
checked by the core, so a bad one gets the same message as in the browser.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer
from rich.table import Table

from fintrack_cli.common import (
    console,
    money_str,
    open_db,
    parse_date,
    parse_decimal,
    print_json,
    resolve_scope,
)
from fintrack_cli.ledger import BookOpt, JsonOpt, UserOpt
from fintrack_core.budgets.forecast import forecast
from fintrack_core.budgets.subscriptions import (
    SeriesView,
    alerts_of,
    confirm_series,
    dismiss_series,
    list_subscriptions,
)
from fintrack_core.ledger.accounts import list_accounts
from fintrack_core.money import format_money

subs_app = typer.Typer(help="Recurring payments found in the history: list, confirm, dismiss.",
                       no_args_is_help=True)

KeyArg = Annotated[str, typer.Argument(metavar="KEY",
                                       help="The series key, as `subscriptions list` shows.")]


def _series_json(v: SeriesView, accounts: dict[int, str], today: dt.date) -> dict[str, Any]:
    s, currency = v.series, v.series.currency
    change = v.price_change
    return {"key": s.key, "name": v.name, "payee": s.payee, "status": v.status,
            "account": accounts.get(s.account_id), "currency": currency,
            "cadence": v.cadence, "amount": money_str(v.amount_minor, currency),
            "monthly": money_str(v.monthly_minor, currency),
            "next_date": v.next_date.isoformat(), "first_date": s.first_date.isoformat(),
            "last_date": s.last_date.isoformat(), "occurrences": s.occurrences,
            "missed": v.status != "dismissed" and v.missed(today),
            "price_change": None if change is None else {
                "from": money_str(change[0], currency), "to": money_str(change[1], currency),
                "on": change[2].isoformat()}}


@subs_app.command("list")
def subs_list(
    show_all: Annotated[bool, typer.Option("--all", help="Include dismissed series.")] = False,
    user: UserOpt = None,
    book: BookOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List the recurring series, biggest monthly amount first, with their totals."""
    today = dt.date.today()
    with open_db() as db:
        scope, book_view = resolve_scope(db, user, book)
        subs = list_subscriptions(scope, include_dismissed=show_all)
        accounts = {a.id: a.name for a in list_accounts(scope)}
    alerts = alerts_of(subs.series, today)
    if as_json:
        print_json({
            "book": {"id": book_view.id, "name": book_view.name},
            "series": [_series_json(v, accounts, today) for v in subs.series],
            "monthly": {c: money_str(m, c) for c, m in sorted(subs.monthly.items())},
            "yearly": {c: money_str(m, c) for c, m in sorted(subs.yearly.items())},
            "alerts": [{"kind": a.kind, "key": a.view.series.key, "name": a.view.name}
                       for a in alerts]})
        return
    if not subs.series:
        typer.echo("No recurring series found.")
        return
    table = Table(title=f"{book_view.name} (#{book_view.id}): recurring series")
    for col in ("Name", "Account", "Cadence"):
        table.add_column(col)
    table.add_column("Amount", justify="right")
    table.add_column("Per month", justify="right")
    for col in ("Next", "Status", "Note", "Key"):
        table.add_column(col)
    flagged = {(a.view.series.key, a.kind) for a in alerts}
    for v in subs.series:
        c, change = v.series.currency, v.price_change
        notes = ["MISSED"] if (v.series.key, "missed") in flagged else []
        if change is not None:
            notes.append(f"was {format_money(change[0], c)} until {change[2].isoformat()}")
        table.add_row(v.name, accounts.get(v.series.account_id, ""), v.cadence,
                      format_money(v.amount_minor, c), format_money(v.monthly_minor, c),
                      v.next_date.isoformat(), v.status, "; ".join(notes), v.series.key)
    table.caption = "Per month: " + " · ".join(
        f"{format_money(m, c)} ({format_money(subs.yearly[c], c)} a year)"
        for c, m in sorted(subs.monthly.items()))
    console().print(table)


@subs_app.command("confirm")
def subs_confirm(
    key: KeyArg,
    name: Annotated[str | None, typer.Option(help="Your name for it.")] = None,
    amount: Annotated[str | None, typer.Option(
        help="Signed amount in the account's currency (--amount=-12.99).")] = None,
    cadence: Annotated[str | None, typer.Option(
        help="weekly, biweekly, monthly, quarterly or yearly.")] = None,
    next_date: Annotated[str | None, typer.Option(
        "--next", help="Next payment, YYYY-MM-DD (after the last one).")] = None,
    user: UserOpt = None,
    book: BookOpt = None,
) -> None:
    """Keep a series as a schedule, optionally corrected."""
    value = None if amount is None else str(parse_decimal(amount, "amount"))
    day = parse_date(next_date, "next_date")
    with open_db() as db:
        scope, _ = resolve_scope(db, user, book)
        confirm_series(scope, key, name=name, amount=value, cadence=cadence, next_date=day)
    typer.echo(f"Series {key!r} confirmed as a schedule.")


@subs_app.command("dismiss")
def subs_dismiss(key: KeyArg, user: UserOpt = None, book: BookOpt = None) -> None:
    """Hide a series for good (it is no longer forecast or counted)."""
    with open_db() as db:
        scope, _ = resolve_scope(db, user, book)
        dismiss_series(scope, key)
    typer.echo(f"Series {key!r} dismissed.")


def forecast_command(
    days: Annotated[int, typer.Option(help="Horizon in days (1 to 366).")] = 90,
    user: UserOpt = None,
    book: BookOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Forecast each open account's balance: low points, accounts going below zero, and the
    expected payments used."""
    with open_db() as db:
        scope, book_view = resolve_scope(db, user, book)
        fc = forecast(scope, days)
        accounts = {a.id: a for a in list_accounts(scope)}
    base = fc.base_currency
    last = fc.daily.iloc[-1]
    ends = [(a.name, a.currency, int(last[i])) for i, a in accounts.items()
            if i in fc.daily.columns]
    events = [(d, accounts[int(a)].name, str(src), int(m), accounts[int(a)].currency)
              for d, a, m, src in fc.events[["date", "account_id", "amount_minor",
                                             "source"]].itertuples(index=False)]
    if as_json:
        print_json({
            "book": {"id": book_view.id, "name": book_view.name}, "today": fc.today.isoformat(),
            "days": fc.days, "base_currency": base,
            "end_balances": [{"account": n, "currency": c, "balance": money_str(b, c)}
                             for n, c, b in ends],
            "end_total": money_str(int(last["total"]), base),
            "lows": [{"account": p.account, "currency": p.currency,
                      "balance": money_str(p.balance_minor, p.currency),
                      "date": p.date.isoformat()} for p in fc.lows],
            "below_zero": [p.account for p in fc.below_zero],
            "without_rate": fc.without_rate,
            "events": [{"date": d.isoformat(), "account": n, "source": s,
                        "amount": money_str(m, c)} for d, n, s, m, c in events]})
        return
    table = Table(title=f"{book_view.name}: forecast for {fc.days} days from {fc.today}")
    table.add_column("Account")
    table.add_column(f"In {fc.days} days", justify="right")
    table.add_column("Lowest", justify="right")
    table.add_column("On")
    lows = {p.account: p for p in fc.lows}
    for n, c, b in ends:
        table.add_row(n, format_money(b, c), format_money(lows[n].balance_minor, c),
                      lows[n].date.isoformat())
    total = lows["Total"]
    table.add_row(f"Total ({base})", format_money(int(last["total"]), base),
                  format_money(total.balance_minor, base), total.date.isoformat())
    table.caption = f"{len(events)} expected payments used (--json lists them)."
    console().print(table)
    for p in fc.below_zero:
        typer.secho(f"Warning: {p.account} is forecast below zero: "
                    f"{format_money(p.balance_minor, p.currency)} on {p.date}.",
                    fg=typer.colors.YELLOW)
    if fc.without_rate:
        typer.secho(f"No exchange rate to {base} for: {', '.join(fc.without_rate)}; left out "
                    "of the total.", fg=typer.colors.YELLOW)
