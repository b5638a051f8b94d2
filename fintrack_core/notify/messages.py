"""The text of each notification: budget alerts, subscription alerts and the weekly report.

Why one module: the subject, the plain text and the HTML of a message are written from the
same figures in one place, so the two parts never disagree. Every value from the book (payee,
category, description) goes through ``html.escape`` in the HTML part: a payee named
``<script>`` is shown as text. Amounts use ``format_money`` in the user's locale.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape

from fintrack_core.budgets.inbox import AlertView
from fintrack_core.budgets.status import BudgetStatus
from fintrack_core.budgets.subscriptions import SeriesView
from fintrack_core.money import format_money
from fintrack_core.portfolio.alerts import PortfolioAlertView
from fintrack_core.reports.weekly import WeekFigures


@dataclass(frozen=True, slots=True)
class Mail:
    subject: str
    text: str
    html: str = ""


def budget_alert_mail(book: str, alert: AlertView, locale: str) -> Mail:
    spent = format_money(alert.spent_minor, alert.currency, locale)
    limit = format_money(alert.limit_minor, alert.currency, locale)
    text = (f"{alert.category}: {alert.threshold} % of its budget reached.\n"
            f"Spent {spent} of {limit} from {alert.span.start} to {alert.span.end}.\n\n"
            f"Book: {book}\n")
    return Mail(f"[FinTrack] {alert.category}: {alert.threshold} % of the budget reached", text)


def missed_payment_mail(book: str, series: SeriesView, locale: str) -> Mail:
    amount = format_money(abs(series.amount_minor), series.series.currency, locale)
    text = (f"The {series.cadence} payment to {series.name} ({amount}) was expected on "
            f"{series.next_date} and has not arrived.\n\nBook: {book}\n")
    return Mail(f"[FinTrack] Missed payment: {series.name}", text)


def price_change_mail(book: str, series: SeriesView, locale: str) -> Mail:
    change = series.price_change
    assert change is not None
    old, new, since = change
    ccy = series.series.currency
    text = (f"{series.name} now costs {format_money(abs(new), ccy, locale)} instead of "
            f"{format_money(abs(old), ccy, locale)} (since {since}).\n\nBook: {book}\n")
    return Mail(f"[FinTrack] Price change: {series.name}", text)


def portfolio_alert_mail(book: str, alert: PortfolioAlertView) -> Mail:
    """A portfolio alert (its message already has the figures, in the book's currency)."""
    subject = {"day_move": "Price move", "value": "Portfolio value",
               "realised": "Realised gain or loss"}.get(alert.kind, "Portfolio")
    return Mail(f"[FinTrack] {subject}: {alert.message}"[:300],
                f"{alert.message}.\n\nBook: {book}\n")


def _pct(status: BudgetStatus) -> str:
    used = status.percent_used
    return "—" if used is None else f"{used} %"


def weekly_mail(book: str, week: WeekFigures, budgets: list[BudgetStatus],
                upcoming: list[SeriesView], locale: str) -> Mail:
    """The weekly report: a plain-text part and an HTML part with the same figures."""
    ccy = week.currency

    def m(minor: int, currency: str = ccy) -> str:
        return format_money(minor, currency, locale)

    subject = f"[FinTrack] {book}: your week {week.first} to {week.last}"
    lines = [f"FinTrack weekly report for {book}, {week.first} to {week.last}", "",
             f"Spent {m(week.total_minor)} (average of the 4 weeks before: "
             f"{m(week.average_total_minor)})"]
    missing = [m(amount, currency) for currency, amount in week.unconverted.items()]
    if missing:
        lines.append(f"Not in these figures (no exchange rate to {ccy}): {', '.join(missing)}")
    lines += ["", "Spending by category:"]
    lines += [f"  {c.category}: {m(c.spent_minor)} (average {m(c.average_minor)})"
              for c in week.categories] or ["  nothing spent"]
    lines += ["", "Budgets:"]
    lines += [f"  {b.budget.category}: {m(b.spent_minor)} of {m(b.limit_minor)} ({_pct(b)})"
              for b in budgets] or ["  no budgets"]
    lines += ["", "Largest expenses:"]
    lines += [f"  {t.date} {t.payee}: {m(-t.amount_minor)}" for t in week.largest] or ["  none"]
    lines += ["", "New payees:"]
    lines += [f"  {t.date} {t.payee}: {m(-t.amount_minor)}" for t in week.new_payees] or [
        "  none"]
    lines += ["", "Upcoming payments:"]
    lines += [f"  {s.next_date} {s.name}: {m(abs(s.amount_minor), s.series.currency)}"
              for s in upcoming] or ["  none in the next 7 days"]
    text = "\n".join(lines) + "\n"

    def rows(cells: list[list[str]]) -> str:
        return "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>"
                       for row in cells)

    def table(head: list[str], cells: list[list[str]], empty: str) -> str:
        if not cells:
            return f"<p>{escape(empty)}</p>"
        th = "".join(f"<th align='left'>{escape(h)}</th>" for h in head)
        return f"<table cellpadding='4'><tr>{th}</tr>{rows(cells)}</table>"

    html = "".join([
        "<!DOCTYPE html><html><body style='font-family:sans-serif'>",
        f"<h2>{escape(book)}: {week.first} to {week.last}</h2>",
        f"<p>Spent <b>{escape(m(week.total_minor))}</b> (average of the 4 weeks before: "
        f"{escape(m(week.average_total_minor))})</p>",
        (f"<p>Not in these figures (no exchange rate to {escape(ccy)}): "
         f"{escape(', '.join(missing))}</p>" if missing else ""),
        "<h3>Spending by category</h3>",
        table(["Category", "This week", "Average week"],
              [[c.category, m(c.spent_minor), m(c.average_minor)] for c in week.categories],
              "Nothing spent."),
        "<h3>Budgets</h3>",
        table(["Budget", "Spent", "Limit", "Used"],
              [[b.budget.category, m(b.spent_minor), m(b.limit_minor), _pct(b)]
               for b in budgets], "No budgets."),
        "<h3>Largest expenses</h3>",
        table(["Date", "Payee", "Amount"],
              [[str(t.date), t.payee, m(-t.amount_minor)] for t in week.largest], "None."),
        "<h3>New payees</h3>",
        table(["Date", "Payee", "Amount"],
              [[str(t.date), t.payee, m(-t.amount_minor)] for t in week.new_payees], "None."),
        "<h3>Upcoming payments</h3>",
        table(["Date", "Payment", "Amount"],
              [[str(s.next_date), s.name, m(abs(s.amount_minor), s.series.currency)]
               for s in upcoming], "None in the next 7 days."),
        "</body></html>",
    ])
    return Mail(subject, text, html)


def week_of(day: dt.date) -> dt.date:
    """The first day of the report sent on ``day``: the seven days before it."""
    return day - dt.timedelta(days=7)
