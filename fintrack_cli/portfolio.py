"""``fintrack portfolio``: what the investments are worth (show), how they did over a period
(performance, with the sentences that explain the two returns) and the realised gains of a
year (gains, optionally exported for a tax adviser).

Each command is one ``fintrack_core.portfolio`` call as ``--user`` in one of their books.
Amounts in ``--json`` are decimal strings rounded to their currency's minor unit, each
beside its currency; a figure that could not be computed (no price, no exchange rate) is
``null`` and the reason is in ``missing``, never a 0.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from fintrack_cli.common import (
    console,
    note,
    open_db,
    parse_date,
    print_json,
    resolve_scope,
)
from fintrack_cli.ledger import BookOpt, JsonOpt, UserOpt
from fintrack_core.errors import ValidationError
from fintrack_core.portfolio.alerts import (
    UNSET,
    AlertSettings,
    list_portfolio_alerts,
    update_alert_settings,
)
from fintrack_core.portfolio.base_currency import round_amount
from fintrack_core.portfolio.gains import GainsReport, export_realised_gains, realised_gains
from fintrack_core.portfolio.performance import Performance, performance
from fintrack_core.portfolio.valuation import Valuation, valuation

portfolio_app = typer.Typer(help="The investment portfolio: value, performance, realised "
                                 "gains.", no_args_is_help=True)


def amount(value: Decimal | None, currency: str) -> str | None:
    """An exact amount as the decimal string of JSON, rounded to the currency's minor unit."""
    return None if value is None else str(round_amount(value, currency))


def pct(value: Decimal | float | None) -> str | None:
    """A share (0.05) as a per cent string with two decimals ("5.00"), or None."""
    if value is None:
        return None
    return f"{Decimal(str(value)) * 100:.2f}"


def valuation_json(v: Valuation) -> dict[str, Any]:
    base = v.base_currency
    return {
        "on": v.on.isoformat(), "currency": base, "total_value": amount(v.total_value, base),
        "cost": amount(v.cost, base), "gain": amount(v.gain, base), "gain_pct": pct(v.gain_pct),
        "day_change": amount(v.day_change, base), "day_change_pct": pct(v.day_change_pct),
        "holdings": [{
            "account": h.account, "symbol": h.symbol, "name": h.name, "kind": h.kind.value,
            "quantity": str(h.quantity), "asset_currency": h.currency,
            "price": None if h.price is None else str(h.price.close),
            "price_date": None if h.price is None else h.price.date.isoformat(),
            "price_age_days": h.price_age_days, "stale": h.stale,
            "value": amount(h.value, h.currency), "cost": amount(h.cost, h.currency),
            "gain": amount(h.gain, h.currency), "gain_pct": pct(h.gain_pct),
            "value_base": amount(h.value_base, base), "gain_base": amount(h.gain_base, base),
        } for h in v.holdings],
        "cash": [{"account": c.account, "amount": amount(c.amount, c.currency),
                  "currency": c.currency, "amount_base": amount(c.amount_base, base)}
                 for c in v.cash],
        "by_kind": {s.label: amount(s.value_base, base) for s in v.by_kind},
        "missing": list(v.missing),
    }


def performance_json(p: Performance) -> dict[str, Any]:
    base = p.base_currency
    return {"period": p.period, "start": p.start.isoformat(), "end": p.end.isoformat(),
            "currency": base, "start_value": amount(p.start_value, base),
            "end_value": amount(p.end_value, base), "net_flows": amount(p.net_flows, base),
            "gain": amount(p.gain, base), "twr_pct": pct(p.twr),
            "twr_yearly_pct": pct(p.twr_yearly), "xirr_pct": pct(p.xirr),
            "xirr_period_pct": pct(p.xirr_period), "twr_text": p.twr_text,
            "xirr_text": p.xirr_text, "difference_text": p.difference_text,
            "missing": list(p.missing), "notes": list(p.notes)}


def gains_json(r: GainsReport, year: int | None) -> dict[str, Any]:
    base = r.base_currency
    return {
        "year": year, "base_currency": base,
        "rows": [{"account": g.account, "symbol": g.symbol, "acquired": g.acquired.isoformat(),
                  "sold": g.sold.isoformat(), "quantity": str(g.quantity),
                  "currency": g.currency, "cost": amount(g.cost, g.currency),
                  "proceeds": amount(g.proceeds, g.currency), "gain": amount(g.gain, g.currency),
                  "holding_days": g.holding_days, "long_term": g.long_term,
                  "cost_base": amount(g.cost_base, base),
                  "proceeds_base": amount(g.proceeds_base, base),
                  "gain_base": amount(g.gain_base, base)} for g in r.rows],
        "totals": {ccy: amount(v, ccy) for ccy, v in sorted(r.totals.items())},
        "total_base": amount(r.total_base, base), "missing": list(r.missing)}


def _show_missing(missing: tuple[str, ...]) -> None:
    for line in missing:
        note(f"Missing: {line}")


def _money(value: Decimal | None, currency: str) -> str:
    return "—" if value is None else f"{round_amount(value, currency):,} {currency}"


@portfolio_app.command("show")
def portfolio_show(
    on: Annotated[str | None, typer.Option(
        "--on", help="Value on this day, YYYY-MM-DD (default: today).")] = None,
    user: UserOpt = None,
    book: BookOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The holdings at their latest prices (with each price's age), the cash and the totals."""
    day = parse_date(on, "on")
    with open_db() as db:
        scope, _ = resolve_scope(db, user, book)
        v = valuation(scope, day)
    if as_json:
        print_json(valuation_json(v))
        return
    base = v.base_currency
    table = Table(title=f"Portfolio on {v.on.isoformat()}")
    for col in ("Account", "Asset", "Quantity", "Price", "Price date", "Value", "Gain", "Gain %"):
        table.add_column(col, justify="left" if col in ("Account", "Asset") else "right")
    for h in v.holdings:
        stale = " (stale)" if h.stale and h.price is not None else ""
        table.add_row(h.account, h.symbol, str(h.quantity),
                      "—" if h.price is None else f"{h.price.close} {h.price.currency}",
                      "no price" if h.price is None else h.price.date.isoformat() + stale,
                      _money(h.value_base, base), _money(h.gain_base, base),
                      "" if h.gain_pct is None else f"{pct(h.gain_pct)} %")
    for c in v.cash:
        table.add_row(c.account, "cash", "", "", "", _money(c.amount_base, base), "", "")
    console().print(table)
    gain = "" if v.gain_pct is None else f" ({pct(v.gain_pct)} %)"
    typer.echo(f"Total value {_money(v.total_value, base)}; unrealised gain "
               f"{_money(v.gain, base)}{gain}; today {_money(v.day_change, base)}.")
    _show_missing(v.missing)


PERIOD_HELP = "1M, YTD, 1Y, 5Y, max, or custom (with --from and --to)."


@portfolio_app.command("performance")
def portfolio_performance(
    period: Annotated[str, typer.Option(help=PERIOD_HELP)] = "1Y",
    start: Annotated[str | None, typer.Option("--from", help="Custom start, YYYY-MM-DD.")
                     ] = None,
    end: Annotated[str | None, typer.Option("--to", help="Custom end, YYYY-MM-DD.")] = None,
    user: UserOpt = None,
    book: BookOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Time-weighted and money-weighted return over a period, each with what it means."""
    first, last = parse_date(start, "from"), parse_date(end, "to")
    with open_db() as db:
        scope, _ = resolve_scope(db, user, book)
        p = performance(scope, period, first, last)
    if as_json:
        print_json(performance_json(p))
        return
    base = p.base_currency
    typer.echo(f"{p.period}: {p.start.isoformat()} to {p.end.isoformat()}")
    typer.echo(f"Value {_money(p.start_value, base)} → {_money(p.end_value, base)}; "
               f"net deposits {_money(p.net_flows, base)}; gain {_money(p.gain, base)}.")
    twr = "—" if p.twr is None else f"{pct(p.twr)} %"
    xirr = "—" if p.xirr is None else f"{pct(p.xirr)} % a year"
    typer.echo(f"Time-weighted return: {twr}. {p.twr_text}")
    typer.echo(f"Money-weighted return (XIRR): {xirr}. {p.xirr_text}")
    if p.difference_text:
        typer.echo(p.difference_text)
    for line in p.notes:
        note(line)
    _show_missing(p.missing)


EXPORT_FORMATS = {".csv": "csv", ".xlsx": "xlsx"}


@portfolio_app.command("gains")
def portfolio_gains(
    year: Annotated[int | None, typer.Option(help="Sales of this year (default: all).")
                    ] = None,
    export: Annotated[Path | None, typer.Option(
        "--export", metavar="FILE.csv|FILE.xlsx", dir_okay=False,
        help="Write the year's report for a tax adviser (needs --year).")] = None,
    user: UserOpt = None,
    book: BookOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Realised gains: every sale matched to its lots, in the asset's and the base currency."""
    fmt = None
    if export is not None:
        fmt = EXPORT_FORMATS.get(export.suffix.lower())
        if fmt is None:
            raise ValidationError("export", f"{str(export)!r} must end in .csv or .xlsx")
        if year is None:
            raise ValidationError("year", "--export needs --year (one tax year per file)")
    with open_db() as db:
        scope, _ = resolve_scope(db, user, book)
        report = realised_gains(scope, year)
        data = export_realised_gains(scope, year, fmt) if fmt and year is not None else None
    if data is not None and export is not None:
        try:
            export.write_bytes(data)
        except OSError as exc:
            raise ValidationError("export", f"cannot write {str(export)!r}: "
                                            f"{exc.strerror or exc}") from None
        note(f"Wrote {len(report.rows)} rows to {export}.")
    if as_json:
        print_json(gains_json(report, year))
        return
    base = report.base_currency
    if not report.rows:
        typer.echo("No sales" + (f" in {year}." if year else "."))
        return
    table = Table(title=f"Realised gains {year}" if year else "Realised gains")
    for col in ("Sold", "Account", "Asset", "Quantity", "Acquired", "Days", "Cost", "Proceeds",
                "Gain", f"Gain {base}"):
        table.add_column(col, justify="left" if col in ("Account", "Asset") else "right")
    for g in report.rows:
        table.add_row(g.sold.isoformat(), g.account, g.symbol, str(g.quantity),
                      g.acquired.isoformat(), str(g.holding_days), _money(g.cost, g.currency),
                      _money(g.proceeds, g.currency), _money(g.gain, g.currency),
                      _money(g.gain_base, base))
    console().print(table)
    typer.echo(f"Total realised gain: {_money(report.total_base, base)}.")
    _show_missing(report.missing)


def settings_json(a: AlertSettings) -> dict[str, Any]:
    return {"currency": a.currency,
            "day_move_pct": None if a.day_move_pct is None else str(a.day_move_pct),
            "value": amount(a.value, a.currency), "gain": amount(a.gain, a.currency)}


def _setting(text: str | None) -> object:
    """Not given: unchanged; "off": turned off; else the number, checked by the core."""
    if text is None:
        return UNSET
    return None if text.strip().lower() == "off" else text


@portfolio_app.command("alert-settings")
def portfolio_alert_settings(
    day_move: Annotated[str | None, typer.Option(
        help="Alert when an asset moves at least this % in a day ('off' to stop).")] = None,
    value: Annotated[str | None, typer.Option(
        help="Alert when the portfolio crosses this value, base currency ('off').")] = None,
    gain: Annotated[str | None, typer.Option(
        help="Alert on a sale realising a gain or loss of at least this much ('off').")
                    ] = None,
    user: UserOpt = None,
    book: BookOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Your own portfolio alerts for the book (viewers may set theirs); prints them."""
    with open_db() as db:
        scope, _ = resolve_scope(db, user, book)
        a = update_alert_settings(scope, day_move_pct=_setting(day_move),
                                  value=_setting(value), gain=_setting(gain))
    if as_json:
        print_json(settings_json(a))
        return
    move = "off" if a.day_move_pct is None else f"{a.day_move_pct} %"
    mark = "off" if a.value is None else _money(a.value, a.currency)
    big = "off" if a.gain is None else _money(a.gain, a.currency)
    typer.echo(f"Day move: {move}; value mark: {mark}; realised gain or loss: {big}.")


@portfolio_app.command("alerts")
def portfolio_alerts(
    unread: Annotated[bool, typer.Option("--unread", help="Only those not read yet.")] = False,
    user: UserOpt = None,
    book: BookOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Your portfolio alerts for the book, newest first."""
    with open_db() as db:
        scope, _ = resolve_scope(db, user, book)
        alerts = list_portfolio_alerts(scope, unread_only=unread)
    if as_json:
        print_json([{"id": a.id, "kind": a.kind, "day": a.day.isoformat(),
                     "message": a.message, "fired_at": a.fired_at.isoformat(),
                     "read": a.read} for a in alerts])
        return
    if not alerts:
        typer.echo("No portfolio alerts.")
        return
    for a in alerts:
        typer.echo(f"{'' if a.read else '[new] '}{a.day.isoformat()} {a.message}")
