"""``fintrack export`` and ``fintrack report``: files for spreadsheets and reports in a terminal.

    fintrack export transactions [--format csv|xlsx] [--from D] [--to D] [--account NAME ...]
                                 [--category PATH] [--tag T ...] [--text T] [--min A] [--max A]
                                 [--output FILE] [--user U] [--book B]
    fintrack report monthly [--month YYYY-MM] [--format table|json|csv] [--user U] [--book B]

Both read through the same report functions the web pages use (DuckDB over the book's copy),
so the numbers agree with the browser to the cent and a viewer can run them. CSV goes to
stdout unless ``--output`` is given; XLSX is binary and needs ``--output`` (binary on a
terminal is garbage, and a shell redirect that fails half-way leaves a broken file, which
``--output`` avoids by writing a temporary file and renaming it when complete).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Annotated, Any, BinaryIO, cast

import pandas as pd
import typer
from rich.table import Table

from fintrack_cli.common import (
    binary_stdout,
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
from fintrack_cli.ledger import BookOpt, UserOpt
from fintrack_core.errors import ValidationError
from fintrack_core.filters import TransactionFilter
from fintrack_core.money import format_money
from fintrack_core.reports.report_export import report_file
from fintrack_core.reports.summary import MonthlySummary, monthly_summary

export_app = typer.Typer(help="Export a book's data as CSV or XLSX (formula-safe).",
                         no_args_is_help=True)
report_app = typer.Typer(help="Reports in the terminal, or as JSON/CSV for scripts.",
                         no_args_is_help=True)

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


class ExportFormat(enum.StrEnum):
    csv = "csv"
    xlsx = "xlsx"


class ReportFormat(enum.StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def parse_month(value: str | None, field: str = "month") -> dt.date:
    """Strict ``YYYY-MM`` to the month's first day; None means the current month."""
    if value is None:
        return dt.date.today().replace(day=1)
    match = MONTH_RE.match(value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1:
        raise ValidationError(field, f"{value!r} is not a month in the form YYYY-MM "
                                     "(e.g. 2024-03)")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def _amount_bound(value: str | None, field: str) -> Any:
    if value is None:
        return None
    amount = parse_decimal(value, field)
    if amount < 0:
        raise ValidationError(field, f"{value!r}: give the size of the amount (0 or more); "
                                     "it matches money in and out alike")
    return amount


# --- export ----------------------------------------------------------------------------------


@export_app.command("transactions")
def export_transactions_command(
    fmt: Annotated[ExportFormat, typer.Option(
        "--format", "-f", case_sensitive=False, help="csv (UTF-8 with BOM) or xlsx.")
    ] = ExportFormat.csv,
    date_from: Annotated[str | None, typer.Option("--from", help="From YYYY-MM-DD.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Up to YYYY-MM-DD.")] = None,
    account: Annotated[list[str] | None, typer.Option(
        "--account", "-a", help="Only this account; repeat for several.")] = None,
    category: Annotated[str | None, typer.Option(
        help="Category name or path; includes its sub-categories.")] = None,
    tag: Annotated[list[str] | None, typer.Option(
        help="Only transactions with this tag; repeat for any of several.")] = None,
    text: Annotated[str | None, typer.Option(
        help="Text found in payee, description or notes.")] = None,
    min_amount: Annotated[str | None, typer.Option(
        "--min", help="Smallest size of an amount as recorded, e.g. 100.")] = None,
    max_amount: Annotated[str | None, typer.Option(
        "--max", help="Largest size of the amount as recorded (in its own currency).")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", dir_okay=False,
        help="File to write (replaced when complete); CSV goes to stdout without it.")] = None,
    user: UserOpt = None,
    book: BookOpt = None,
) -> None:
    """Export every matching transaction (no row limit): date, account, payee, description,
    category, amount, currency, amount_base, tags, transfer."""
    start, end = parse_date(date_from, "from"), parse_date(date_to, "to")
    if start and end and start > end:
        raise ValidationError("from", f"{start} is after --to {end}")
    low, high = _amount_bound(min_amount, "min"), _amount_bound(max_amount, "max")
    if low is not None and high is not None and low > high:
        raise ValidationError("min", f"{low} is more than --max {high}")
    if fmt is ExportFormat.xlsx and output is None:
        raise ValidationError("output", "XLSX is a binary file; give --output FILE.xlsx "
                                        "(or use --format csv to write to stdout)")
    # The export writers (and their XLSX library) load only for an export.
    from fintrack_core.reports.exports import write_file_atomically, write_transactions

    with open_db() as db:
        scope, _book = resolve_scope(db, user, book)
        acc_ids = tuple(dict.fromkeys(resolve_account(scope, a).id for a in account or ()))
        cat_ids = (resolve_category(scope, category).id,) if category is not None else ()
        flt = TransactionFilter(date_from=start, date_to=end, account_ids=acc_ids,
                           category_ids=cat_ids, tags=tuple(tag or ()), amount_min=low,
                           amount_max=high, text=text)
        if output is None:
            stdout: BinaryIO = binary_stdout()
            write_transactions(scope, flt, fmt.value, stdout)
            stdout.flush()
            return
        rows = 0

        def write(fh: BinaryIO) -> None:
            nonlocal rows
            rows = write_transactions(scope, flt, fmt.value, fh)

        try:
            write_file_atomically(output, write)
        except OSError as exc:
            raise ValidationError("output", f"cannot write {str(output)!r}: "
                                            f"{exc.strerror or exc}") from None
    note(f"Exported {rows} transaction{'s' if rows != 1 else ''} to {output}.")


# --- monthly report --------------------------------------------------------------------------



def _records(df: pd.DataFrame, money: list[str], currency: str) -> list[dict[str, Any]]:
    """Rows as JSON objects: money as exact decimal strings, ids as ints or null."""
    out = []
    for row in df.to_dict("records"):
        rec: dict[str, Any] = {}
        for key, value in row.items():
            key = str(key)  # column names are text
            if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
                rec[key] = None
            elif key in money:
                rec[key] = money_str(int(value), currency)
            elif isinstance(value, dt.date):
                rec[key] = value.isoformat()
            elif hasattr(value, "item"):  # numpy scalar
                rec[key] = value.item()
            else:
                rec[key] = value
        out.append(rec)
    return out


def _summary_json(s: MonthlySummary, book_id: int, book_name: str,
                  compare_months: int) -> dict[str, Any]:
    base = s.base_currency
    biggest = [{"id": int(r.id), "date": r.date.isoformat(), "account": r.account,
                "payee": r.payee, "description": r.description, "category": r.category,
                "amount": money_str(int(r.amount), r.currency), "currency": r.currency,
                "amount_base": money_str(int(r.amount_base), base)}
               for r in cast(Iterable[Any], s.biggest.itertuples())]  # stubs: any scalar
    return {
        "book": {"id": book_id, "name": book_name},
        "month": s.month.strftime("%Y-%m"),
        "base_currency": base,
        "income": money_str(s.income, base),
        "expenses": money_str(s.expenses, base),
        "net": money_str(s.net, base),
        "savings_rate": None if s.savings_rate is None else str(s.savings_rate),
        "by_category": _records(s.by_category, ["own", "total"], base),
        "biggest": biggest,
        "compare_months": compare_months,
        "vs_average": _records(s.vs_average, ["this_month", "average_previous", "change"],
                               base),
        "unconverted": {c: money_str(v, c) for c, v in sorted(s.unconverted.items())},
    }


def _percent(rate: Decimal | None) -> str:
    """0.5955 -> '59.6 %' (half-even, like every other rounding here)."""
    if rate is None:
        return "—"
    return f"{(rate * 100).quantize(Decimal('0.1'), ROUND_HALF_EVEN)} %"


def _print_summary(s: MonthlySummary, book_name: str, compare_months: int) -> None:
    base = s.base_currency
    out = console()

    def money(minor: Any) -> str:
        return format_money(int(minor), base)

    out.print(f"{book_name}: {s.month.strftime('%B %Y')} (amounts in {base})")
    head = Table(show_header=False)
    head.add_column("What")
    head.add_column("Amount", justify="right")
    head.add_row("Income", money(s.income))
    head.add_row("Expenses", money(s.expenses))
    head.add_row("Net", money(s.net))
    head.add_row("Savings rate", _percent(s.savings_rate))
    out.print(head)
    if s.unconverted:
        missing = ", ".join(format_money(v, c) for c, v in sorted(s.unconverted.items()))
        out.print(f"Not in the totals (no exchange rate to {base}): {missing}")

    cats = Table(title="By category")
    cats.add_column("Category")
    cats.add_column("Kind")
    cats.add_column("Total", justify="right")
    cats.add_column("Directly", justify="right")
    r: Any  # a summary row; pandas-stubs type each field as any scalar
    for r in s.by_category.itertuples():
        cats.add_row("  " * int(r.depth) + str(r.name), str(r.kind), money(r.total),
                     money(r.own) if int(r.own) not in (0, int(r.total)) else "")
    if s.by_category.empty:
        cats.add_row("No income or expenses this month", "", "", "")
    out.print(cats)

    big = Table(title="Biggest expenses")
    for col in ("Date", "Account", "Payee", "Category"):
        big.add_column(col)
    big.add_column("Amount", justify="right")
    big.add_column(base, justify="right")
    for r in s.biggest.itertuples():
        big.add_row(r.date.isoformat(), str(r.account), str(r.payee or r.description),
                    str(r.category), format_money(int(r.amount), str(r.currency)),
                    money(r.amount_base))
    if not s.biggest.empty:
        out.print(big)

    avg = Table(title=f"Spending against the average of the previous {compare_months} months")
    avg.add_column("Category")
    for col in ("This month", "Average", "Change"):
        avg.add_column(col, justify="right")
    for r in s.vs_average.itertuples():
        avg.add_row(str(r.path), money(r.this_month), money(r.average_previous),
                    money(r.change))
    if not s.vs_average.empty:
        out.print(avg)


@report_app.command("monthly")
def report_monthly(
    month: Annotated[str | None, typer.Option(
        "--month", "-m", help="YYYY-MM (default: the current month).")] = None,
    fmt: Annotated[ReportFormat, typer.Option(
        "--format", "-f", case_sensitive=False,
        help="table (for people), json (one object, money as decimal strings) or csv "
             "(the category breakdown).")] = ReportFormat.table,
    compare_months: Annotated[int, typer.Option(
        min=1, max=36, help="Previous months the spending is compared with.")] = 3,
    user: UserOpt = None,
    book: BookOpt = None,
) -> None:
    """One month: income, expenses, net, savings rate, categories and the biggest expenses."""
    first = parse_month(month)
    with open_db() as db:
        scope, book_view = resolve_scope(db, user, book)
        summary = monthly_summary(scope, first, compare_months=compare_months)
    if fmt is ReportFormat.json:
        print_json(_summary_json(summary, book_view.id, book_view.name, compare_months))
    elif fmt is ReportFormat.csv:
        stdout = binary_stdout()  # the same file as the page's download
        stdout.write(report_file({"categories": summary.by_category}, "csv",
                                 summary.base_currency))
        stdout.flush()
    else:
        _print_summary(summary, book_view.name, compare_months)
