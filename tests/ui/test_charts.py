"""Plotly builders: one theme, amounts in the user's locale on hover and on the Sankey."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from fintrack_ui.charts import (
    THEME,
    category_sunburst,
    income_expense_bars,
    period_text,
    pivot_heatmap,
    sankey,
)

MONTHLY = pd.DataFrame({"month": [dt.date(2024, 12, 1), dt.date(2025, 1, 1)],
                        "income": [300000, 310000], "expenses": [-123456, -200000],
                        "net": [176544, 110000]})


def test_every_chart_wears_the_one_theme_and_the_locales_separators() -> None:
    fig = income_expense_bars(MONTHLY, "EUR", "de_DE")
    assert fig.layout.template == THEME
    assert fig.layout.separators == ",."
    assert income_expense_bars(MONTHLY, "EUR", "en_US").layout.separators == ".,"


def test_hover_shows_the_month_and_the_amount_in_the_users_locale() -> None:
    fig = income_expense_bars(MONTHLY, "EUR", "de_DE")
    expenses = next(t for t in fig.data if t.name == "Expenses")
    assert expenses.hovertext[0] == "Dez. 2024: 1.234,56\xa0€"
    assert "%{hovertext}" in expenses.hovertemplate


def test_sankey_nodes_carry_their_amounts_and_the_title_its_period() -> None:
    nodes = pd.DataFrame({"node": ["i:1", "book", "e:2", "savings"],
                          "label": ["Salary", "Book", "Rent", "Saved"]})
    links = pd.DataFrame({"source": ["i:1", "book", "book"], "target": ["book", "e:2", "savings"],
                          "value": [300000, 115000, 185000], "category_id": [1, 2, None]})
    period = period_text(dt.date(2025, 1, 1), dt.date(2025, 3, 31), "en_US")
    fig = sankey(nodes, links, "EUR", "en_US", title=f"Cash flow · {period}")
    assert list(fig.data[0].node.label) == ["Salary · €3,000.00", "Book · €3,000.00",
                                            "Rent · €1,150.00", "Saved · €1,850.00"]
    assert fig.layout.title.text == "Cash flow · Jan 1, 2025 – Mar 31, 2025"
    assert period_text(None, None, "en_US") == "all dates"


def test_sunburst_labels_only_slices_big_enough_to_read() -> None:
    tree = pd.DataFrame({"category_id": [1, 2, 3], "parent_id": [None, None, 1],
                         "name": ["Housing", "Stamps", "Rent"], "total": [-99000, -1000, -90000],
                         "color": ["#111111", "#222222", "#333333"]})
    fig = category_sunburst(tree, "EUR", "en_US")
    assert list(fig.data[0].text) == ["Housing", "", "Rent"]  # Stamps: 1 % of the whole
    assert fig.data[0].insidetextorientation == "radial"


def test_pivot_heatmap_names_months_and_hovers_formatted_money() -> None:
    table = pd.DataFrame([[-450, -3420]], index=pd.Index(["Bank fees"], name="category"),
                         columns=pd.Index([dt.date(2024, 12, 1), dt.date(2025, 1, 1)],
                                          name="month"))
    fig = pivot_heatmap(table, "EUR", "Sum", locale="en_US")
    assert list(fig.data[0].x) == ["Dec 2024", "Jan 2025"]
    assert fig.data[0].text[0][1] == "-€34.20"
