"""How subscriptions, bills and the forecast read: tables, alert lines and the forecast chart."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd

from fintrack_core.budgets.forecast import Forecast, LowPoint
from fintrack_core.budgets.inbox import AlertView
from fintrack_core.budgets.periods import Span
from fintrack_core.budgets.recurring import Series
from fintrack_core.budgets.subscriptions import SeriesView, SubscriptionAlert, Subscriptions
from fintrack_ui.alert_list import alert_line
from fintrack_ui.charts import THEME, forecast_lines
from fintrack_ui.subscriptions_view import (
    alert_text,
    bills_table,
    events_table,
    lows_table,
    price_note,
    series_table,
    totals_text,
)

D = dt.date
SPOTIFY = Series("1|spotify|monthly|2024-01-12", 1, "Spotify AB", "EUR", "monthly", -1299,
                 -1099, D(2024, 4, 12), D(2024, 1, 12), D(2024, 4, 12), D(2024, 5, 12), 4, None)
RENT = Series("1|landlord|monthly|2024-01-02", 1, "Landlord", "EUR", "monthly", -85000, None,
              None, D(2024, 1, 2), D(2024, 4, 2), D(2024, 5, 2), 4, None)


def view(series: Series, status: str = "detected", name: str | None = None) -> SeriesView:
    return SeriesView(series, status, name or series.payee, series.amount_minor,
                      series.cadence, series.next_date)


def test_the_series_table_says_cadence_in_words_and_notes_price_change_and_lateness() -> None:
    table = series_table([view(SPOTIFY), view(RENT, "confirmed", "Rent")], {1: "Girokonto"},
                         "en_US", today=D(2024, 5, 19))
    spotify, rent = table.to_dict("records")
    assert (spotify["Cadence"], spotify["Amount"], spotify["Per month"]) == (
        "every month", "-€12.99", "-€12.99")
    assert spotify["Note"] == "missed; price changed from -€10.99 to -€12.99 on Apr 12, 2024"
    assert (rent["Name"], rent["Account"], rent["Status"], rent["Note"]) == (
        "Rent", "Girokonto", "confirmed schedule", "missed")
    assert series_table([view(RENT)], {}, "en_US", D(2024, 5, 8)).loc[0, "Note"] == ""


def test_amounts_and_dates_follow_the_users_locale() -> None:
    assert price_note(view(SPOTIFY), "de_DE") == (
        "price changed from -10,99\xa0€ to -12,99\xa0€ on 12.04.2024")
    assert price_note(view(RENT), "de_DE") == ""
    salary = dataclasses.replace(RENT, key="salary", payee="ACME", amount_minor=250000)
    subs = Subscriptions([view(SPOTIFY), view(salary), view(RENT, "dismissed")],
                         {"EUR": 248701}, {"EUR": 2984412})
    # Payments and income apart (not their net); the dismissed rent counts for nothing.
    assert totals_text(subs, "de_DE") == [("EUR", "-12,99\xa0€", "-155,88\xa0€",
                                           "2.500,00\xa0€")]
    bills = bills_table([view(RENT)], "en_US")
    assert bills.to_dict("records") == [{"Name": "Landlord", "Date": D(2024, 5, 2),
                                         "Amount": "-€850.00"}]


def test_alert_lines_escape_the_name_a_bank_file_wrote() -> None:
    late = SubscriptionAlert("missed", view(SPOTIFY, name="**Evil** [x](http://e.vil)"))
    text = alert_text(late, "en_US")
    assert text.startswith(r"**\*\*Evil\*\* \[x\]\(http\://e\.vil\)**: the payment of")
    assert "expected on May 12, 2024 has not arrived" in text.replace("\\", "")
    changed = alert_text(SubscriptionAlert("price_change", view(SPOTIFY)), "en_US")
    assert changed.replace("\\", "") == ("**Spotify AB**: price changed from -€10.99 to -€12.99 "
                                         "on Apr 12, 2024.")


def _forecast() -> Forecast:
    days = [D(2024, 4, 15), D(2024, 4, 16), D(2024, 4, 17)]
    daily = pd.DataFrame({"date": days, 1: [10000, -5000, 20000], 2: [3000, 3000, 3000],
                          "total": [12727, -2273, 22727]})
    events = pd.DataFrame({"date": [D(2024, 4, 16), D(2024, 4, 17)], "account_id": [1, 1],
                           "amount_minor": [-15000, 25000], "source": ["scheduled", "ACME"]})
    lows = [LowPoint("Girokonto", "EUR", -5000, days[1]),
            LowPoint("US Visa", "USD", 3000, days[0]), LowPoint("Total", "EUR", -2273, days[1])]
    return Forecast(days[0], 2, "EUR", daily, events, lows, [lows[0]])


ACCOUNTS = {1: ("Girokonto", "EUR"), 2: ("US Visa", "USD")}


def test_the_forecast_chart_has_a_line_per_account_the_total_and_the_low_point() -> None:
    fc = _forecast()
    fig = forecast_lines(fc.daily, ACCOUNTS, "EUR", (D(2024, 4, 16), -2273), "de_DE")
    assert fig.layout.template == THEME
    assert [t.name for t in fig.data] == ["Girokonto (EUR)", "US Visa (USD)", "Total (EUR)",
                                          "Low point"]
    giro, visa, total, low = fig.data
    assert list(giro.y) == [100.0, -50.0, 200.0]
    assert visa.hovertext[0] == "15.04.2024: 30,00\xa0$"
    assert total.line.width == 3
    assert list(low.y) == [-22.73]
    assert low.text[0] == "Lowest: -22,73\xa0€ on 16.04.2024"


def test_the_forecast_tables_name_accounts_and_sources() -> None:
    fc = _forecast()
    assert events_table(fc, ACCOUNTS, "en_US").to_dict("records") == [
        {"Date": D(2024, 4, 16), "Account": "Girokonto", "What": "scheduled transactions",
         "Amount": "-€150.00"},
        {"Date": D(2024, 4, 17), "Account": "Girokonto", "What": "ACME", "Amount": "€250.00"}]
    assert list(lows_table(fc, "en_US")["Lowest"]) == ["-€50.00", "$30.00", "-€22.73"]


def test_a_budget_alert_line_says_its_time_is_utc() -> None:
    """Times are stored in UTC and the book has no time zone: the line says which clock."""
    alert = AlertView(7, 3, "Food", 80, Span(D(2024, 4, 1), D(2024, 4, 30)), 24500, 30000,
                      "EUR", dt.datetime(2024, 4, 20, 18, 5, tzinfo=dt.UTC).replace(tzinfo=None),
                      False, False, False)  # stored naive, in UTC
    line = alert_line(alert)
    assert line.startswith("**New · ")
    assert line.endswith("** · 20 Apr 2024 18:05 UTC")
