"""Hostile names never render as Markdown, on any page (issue 7, item 13).

A display, book, account, category or payee name such as ``![x](https://tracker.example/p.png)``
made every member's browser fetch that URL, and ``**bold**`` rendered. Every Markdown body on
every page must hold such a name only in its escaped form (``fintrack_ui.markdown.md``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest

from fintrack_core.access import Scope
from fintrack_core.budgets.service import BudgetInput, add_budget
from fintrack_core.imports.book_profiles import import_profile
from fintrack_core.ledger import accounts, books, categories, users
from fintrack_core.ledger import transactions as tx
from fintrack_ui.markdown import md
from tests.pages.conftest import log_in

HOSTILE = "![x](https://tracker.example/p.png) **bold** :red[r] <img src=x> [l](http://e.x)"
# Each hostile token unescaped (its first special character not preceded by a backslash).
RAW = [re.compile(p) for p in (r"(?<!\\)!(?<!\\)\[", r"(?<!\\)\*(?<!\\)\*bold",
                                r"(?<!\\):red(?<!\\)\[", r"(?<!\\)<img",
                                r"(?<!\\)\](?<!\\)\(http")]
PAGES = ["pages/overview.py", "pages/transactions.py", "pages/import_statements.py",
         "pages/accounts.py", "pages/categories.py", "pages/rules.py",
         "pages/report_monthly.py", "pages/report_trends.py", "pages/report_categories.py",
         "pages/report_cashflow.py", "pages/report_networth.py", "pages/report_explore.py",
         "pages/settings.py", "pages/admin.py", "pages/budgets.py"]
# Elements whose body or label Streamlit renders as Markdown.
BODIES = ["markdown", "caption", "title", "header", "subheader", "success", "info", "warning",
          "error", "latex"]
LABELS = ["button", "checkbox", "toggle", "metric", "expander", "tab", "radio", "selectbox",
          "multiselect", "text_input", "number_input", "date_input", "text_area"]


def rendered_markdown(at) -> Iterator[str]:  # type: ignore[no-untyped-def]
    for kind in BODIES:
        for el in at.get(kind):
            yield str(el.value)
    for kind in LABELS:
        for el in at.get(kind):
            if getattr(el, "label", None):
                yield str(el.label)


@pytest.fixture
def hostile_book(db) -> Scope:  # type: ignore[no-untyped-def]
    user = users.create_user(db, "mallory", "hostile-names-9", HOSTILE, base_currency="EUR")
    scope = Scope(db, user.id, books.list_books(db, user.id)[0].id)
    books.update_book(scope, name=HOSTILE)
    account = accounts.create_account(scope, HOSTILE, "checking", "EUR", "100",
                                      dt.date(2024, 1, 1))
    cat = categories.create_category(scope, HOSTILE, "expense")
    tx.add_transaction(scope, tx.TransactionInput(account.id, dt.date(2024, 3, 5), "-12.34",
                                                  HOSTILE, HOSTILE, cat.id))
    # A bank profile loaded from someone's file: its label and header are anyone's text.
    import_profile(scope, f'name = "hostile_bank"\nlabel = "{HOSTILE}"\n[match]\n'
                          f'header = ["{HOSTILE}", "Amount"]\n[mapping]\n'
                          f'date = "{HOSTILE}"\namount = "Amount"\n', "hostile.toml")
    # A budget on the hostile category, crossed today: its alert names the category too.
    add_budget(scope, BudgetInput(cat.id, "10"))
    tx.add_transaction(scope, tx.TransactionInput(account.id, dt.date.today(), "-9.00",
                                                  HOSTILE, HOSTILE, cat.id))
    return scope


def test_md_escapes_every_markdown_start() -> None:
    assert md(HOSTILE) == (r"\!\[x\]\(https\://tracker\.example/p\.png\) \*\*bold\*\* "
                           r"\:red\[r\] \<img src\=x\> \[l\]\(http\://e\.x\)")
    assert md("a\nb\r\nc\x1b[31m") == r"a b c\[31m"
    assert md("$x$ `code` # h ~~s~~ | t |") == r"\$x\$ \`code\` \# h \~\~s\~\~ \| t \|"


@pytest.mark.parametrize("page", PAGES)
def test_no_page_renders_a_hostile_name_as_markdown(hostile_book: Scope, page: str) -> None:
    at = log_in("mallory", "hostile-names-9").switch_page(page).run()
    assert not at.exception, at.exception
    bodies = list(rendered_markdown(at))
    for body in bodies:
        for raw in RAW:
            assert not raw.search(body), (page, body)
    assert any(md(HOSTILE) in body for body in bodies), page  # shown, escaped (the sidebar)
