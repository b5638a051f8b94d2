"""Import page: upload, preview, correct the mapping, confirm, undo — as owner and viewer."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fintrack_core.filters import TransactionFilter
from fintrack_core.imports.service import list_batches
from fintrack_core.ledger.search import list_transactions
from fintrack_ui.markdown import md
from tests.conftest import SmallBook
from tests.pages.conftest import OpenPage

PAGE = "pages/import_statements.py"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "statements"
STATEMENT = b"""Date,Description,Amount
2024-04-02,REWE Markt,-23.45
2024-04-03,Bakery,-4.10
2024-04-05,Salary April,2500.00
"""


def account_id(name: str) -> int:
    from sqlalchemy import select

    from fintrack_core.db.engine import Database
    from fintrack_core.db.models import Account

    db = Database(os.environ["FINTRACK_DATABASE_URL"])
    try:
        with db.read() as s:
            found = s.scalar(select(Account.id).where(Account.name == name))
            assert found is not None, name
            return int(found)
    finally:
        db.dispose()


def upload(at, name: str, data: bytes, mime: str = "text/csv"):  # type: ignore[no-untyped-def]
    into = at.multiselect(key="imp_accounts")
    if not into.value:  # nothing is preselected: the user names the account
        into.set_value([account_id("Girokonto")])
    at.file_uploader(key="imp_files").set_value([(name, data, mime)]).run()
    assert not at.exception, at.exception
    return at


def metric(at: AppTest, label: str) -> str:
    return str(next(m.value for m in at.metric if m.label == label))


def imported_payees(scope) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(r.payee or r.description for r in list_transactions(
        scope, TransactionFilter(text="")).rows if r.date.year == 2024 and r.date.month == 4)


def test_upload_shows_a_preview_and_imports_on_confirm(small_book: SmallBook,
                                                       as_owner: OpenPage) -> None:
    at = upload(as_owner(PAGE), "april.csv", STATEMENT)
    assert (metric(at, "New"), metric(at, "Duplicates"), metric(at, "Invalid")) == ("3", "0", "0")
    preview = at.dataframe[0].value
    assert list(preview["Description"]) == ["REWE Markt", "Bakery", "Salary April"]
    assert list(preview["Amount"]) == ["-€23.45", "-€4.10", "€2,500.00"]
    next(b for b in at.button if b.label.startswith("Import 3")).click().run()
    assert not at.exception
    assert at.success[0].value.startswith(md("Imported 3 transaction(s) from april.csv"))
    batches = list_batches(small_book.owner)
    assert (batches[0].filename, batches[0].imported) == ("april.csv", 3)


def test_the_same_file_again_is_all_duplicates(small_book: SmallBook, as_owner: OpenPage) -> None:
    at = upload(as_owner(PAGE), "april.csv", STATEMENT)
    next(b for b in at.button if b.label.startswith("Import 3")).click().run()
    at = upload(as_owner(PAGE), "april.csv", STATEMENT)
    assert (metric(at, "New"), metric(at, "Duplicates")) == ("0", "3")


def test_a_bank_file_is_recognised(small_book: SmallBook, as_owner: OpenPage) -> None:
    at = upload(as_owner(PAGE), "dkb.csv", (FIXTURES / "banks" / "dkb_giro.csv").read_bytes())
    assert "profile **dkb_giro**" in at.caption[0].value


def test_correcting_the_date_order_updates_the_preview(small_book: SmallBook,
                                                       as_owner: OpenPage) -> None:
    data = (FIXTURES / "quirks" / "dates_ambiguous.csv").read_bytes()
    at = upload(as_owner(PAGE), "ambiguous.csv", data)
    assert "date order cannot be told" in at.error[0].value
    order = next(s for s in at.selectbox if s.label == "Date order")
    order.set_value("dmy").run()
    assert not at.exception
    assert not at.error
    assert int(metric(at, "New")) > 0


def test_invalid_rows_block_the_import_until_skipped(small_book: SmallBook,
                                                     as_owner: OpenPage) -> None:
    bad = STATEMENT + b"2024-04-07,Broken,12.3.4\n"
    at = upload(as_owner(PAGE), "bad.csv", bad)
    assert metric(at, "Invalid") == "1"
    go = next(b for b in at.button if b.label.startswith("Import 3"))
    assert go.disabled
    at.checkbox(key="imp_skip").check().run()
    next(b for b in at.button if b.label.startswith("Import 3")).click().run()
    assert list_batches(small_book.owner)[0].imported == 3


def test_undo_removes_the_batch(small_book: SmallBook, as_owner: OpenPage) -> None:
    at = upload(as_owner(PAGE), "april.csv", STATEMENT)
    next(b for b in at.button if b.label.startswith("Import 3")).click().run()
    at.run()
    next(b for b in at.button if b.label == "Undo import").click().run()
    assert not at.exception
    assert at.success[0].value.endswith(md("3 transaction(s) removed."))
    assert list_batches(small_book.owner) == []


def test_viewer_sees_the_history_but_cannot_upload(small_book: SmallBook,
                                                   as_viewer: OpenPage) -> None:
    at = as_viewer(PAGE)
    assert at.info[0].value == "You have view-only access to this book."
    assert not at.get("file_uploader")
    assert not [b for b in at.button if b.label == "Undo import"]


# --- OFX, QFX and QIF through the page (issue 7, item 6) -----------------------------------


@pytest.mark.parametrize(("name", "path", "count"), [
    ("statement.ofx", "ofx/checking_ofx102_sgml.ofx", 8),
    ("statement.qfx", "ofx/checking_intuit.qfx", 4),
    ("statement.qif", "qif/checking_quicken.qif", 6),
])
def test_ofx_qfx_and_qif_files_preview_and_import(small_book: SmallBook, as_owner: OpenPage,
                                                  name: str,
                                                  path: str, count: int) -> None:
    at = as_owner(PAGE)
    at.multiselect(key="imp_accounts").set_value([small_book.card.id]).run()  # the USD card
    at = upload(at, name, (FIXTURES / path).read_bytes())
    assert not at.error, [e.value for e in at.error]
    assert (metric(at, "New"), metric(at, "Invalid")) == (str(count), "0")
    assert "format **" in at.caption[0].value
    assert "delimiter" not in at.caption[0].value
    next(b for b in at.button if b.label.startswith(f"Import {count}")).click().run()
    assert not at.exception, at.exception
    assert at.success[0].value.startswith(md(f"Imported {count} transaction(s) from {name}"))
    batch = list_batches(small_book.owner)[0]
    assert (batch.filename, batch.imported) == (name, count)


# --- choosing the account, an emptied uploader, old statements (issue 8) -------------------


def test_no_account_is_preselected_and_nothing_previews_until_one_is_chosen(
        small_book: SmallBook, as_owner: OpenPage) -> None:
    at = as_owner(PAGE)
    assert at.multiselect(key="imp_accounts").value == []
    at.file_uploader(key="imp_files").set_value([("april.csv", STATEMENT, "text/csv")]).run()
    assert not at.exception, at.exception
    assert at.warning[0].value == "Choose the account(s) to import into first."
    assert not [m for m in at.metric if m.label == "New"]


def test_after_an_import_the_uploader_is_empty_and_the_account_kept(small_book: SmallBook,
                                                                    as_owner: OpenPage) -> None:
    at = upload(as_owner(PAGE), "april.csv", STATEMENT)
    next(b for b in at.button if b.label.startswith("Import 3")).click().run()
    assert not at.exception, at.exception
    assert at.get("file_uploader")[0].value in (None, [])
    assert at.multiselect(key="imp_accounts").value == [small_book.checking.id]
    at.switch_page("pages/overview.py").run()
    at.switch_page(PAGE).run()
    assert at.multiselect(key="imp_accounts").value == [small_book.checking.id]  # remembered


def test_a_statement_older_than_the_account_is_warned_about(small_book: SmallBook,
                                                            as_owner: OpenPage) -> None:
    old = b"Date,Description,Amount\n2023-12-30,Old shop,-5.00\n"
    at = upload(as_owner(PAGE), "old.csv", old)
    assert md("1 row(s) are dated before 'Girokonto' was opened (2024-01-01)") in \
        " ".join(w.value for w in at.warning)


def test_an_import_that_crosses_a_budget_threshold_says_so(small_book: SmallBook,
                                                           as_owner: OpenPage) -> None:
    import datetime as dt

    from fintrack_core.budgets.inbox import list_alerts
    from fintrack_core.budgets.service import BudgetInput, add_budget
    from fintrack_core.rules import service as rules
    from fintrack_core.rules.spec import Action, Condition, RuleSpec

    groceries = small_book.categories["Groceries"]
    rules.create_rule(small_book.owner, RuleSpec("REWE", (Condition("description", "contains",
                                                                    "rewe"),),
                                                 (Action("set_category", groceries),)))
    add_budget(small_book.owner, BudgetInput(groceries, "25", starts_on=dt.date(2024, 4, 1)))
    at = upload(as_owner(PAGE), "april.csv", STATEMENT)  # REWE 23.45 of 25.00: 93.8 %
    next(b for b in at.button if b.label.startswith("Import 3")).click().run()
    assert not at.exception, at.exception
    [alert] = list_alerts(small_book.owner)
    assert alert.message.startswith("Food → Groceries: 80 % of its budget reached (€23.45 of "
                                    "€25.00, 1 Apr – 30 Apr 2024)")
    assert [w.value for w in at.warning] == [md(alert.message)]
