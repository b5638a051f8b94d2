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
    assert "3 rows read: 0 new, 3 duplicates, 0 skipped, 0 invalid" in [
        c.value.replace("\\", "") for c in at.caption]


def test_a_bank_file_is_recognised(small_book: SmallBook, as_owner: OpenPage) -> None:
    at = upload(as_owner(PAGE), "dkb.csv", (FIXTURES / "banks" / "dkb_giro.csv").read_bytes())
    # The label and name are Markdown-escaped (a loaded profile's label is anyone's text).
    assert (r"recognised as **DKB \(Girokonto, DE\)** (built-in profile dkb\_giro)"
            in at.caption[0].value)


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


# --- CAMT, MT940 and files with several accounts (issue 9) ---------------------------------


@pytest.mark.parametrize(("name", "path", "count"), [
    ("abnamro.sta", "mt940/abnamro_nl.sta", 4),
    ("intraday.xml", "camt/de_camt052_v06_intraday.xml", 2),
])
def test_mt940_and_camt_files_preview_and_import(small_book: SmallBook, as_owner: OpenPage,
                                                 name: str, path: str, count: int) -> None:
    at = upload(as_owner(PAGE), name, (FIXTURES / path).read_bytes(), "application/xml")
    assert not at.error, [e.value for e in at.error]
    assert (metric(at, "New"), metric(at, "Invalid")) == (str(count), "0")
    next(b for b in at.button if b.label.startswith(f"Import {count}")).click().run()
    assert not at.exception, at.exception
    assert list_batches(small_book.owner)[0].imported == count


def test_a_pending_entry_is_listed_as_skipped(small_book: SmallBook, as_owner: OpenPage) -> None:
    data = (FIXTURES / "camt" / "de_camt052_v06_intraday.xml").read_bytes()
    at = upload(as_owner(PAGE), "intraday.xml", data, "application/xml")
    assert "1 row(s) left out, each with its reason" in [e.label for e in at.expander]
    skipped = next(d.value for d in at.dataframe if "Reason" in d.value.columns)
    assert list(skipped["Reason"]) == [
        "pending (Sts PDNG): not booked yet, imported once the bank books it"]


def test_accounts_of_a_file_are_matched_once_by_the_user_then_by_number(
        small_book: SmallBook, as_owner: OpenPage) -> None:
    data = (FIXTURES / "camt" / "nl_camt053_v08_two_accounts.xml").read_bytes()
    at = as_owner(PAGE)
    at.multiselect(key="imp_accounts").set_value([small_book.checking.id,
                                                  small_book.savings.id]).run()
    at = upload(at, "april.xml", data, "application/xml")
    assert [e.value for e in at.error] == [
        md(f"Account {ref} in the file matches none of the chosen accounts, so nothing can be "
           "imported yet. Which account is it?")
        for ref in ("NL91ABNA0417164300", "NL02ABNA0123456789")]
    assert next(b for b in at.button if b.label.startswith("Import ")).disabled
    at.selectbox(key=next(s.key for s in at.selectbox if s.label.endswith("NL02ABNA0123456789"))
                 ).set_value(small_book.savings.id)
    for ref in ("NL91ABNA0417164300", "NL02ABNA0123456789"):  # each click reruns the page
        next(b for b in at.button if b.key and b.key.endswith(ref)).click().run()
        assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert "Into **Girokonto** 4 · **Tagesgeld** 2" in [c.value for c in at.caption]
    next(b for b in at.button if b.label.startswith("Import 6")).click().run()
    assert list_batches(small_book.owner)[0].imported == 6


# --- evidence: the running balance, signs that fit the account, rows left out (issue 9) ----


def card_upload(at: AppTest, small_book: SmallBook, name: str, data: bytes) -> AppTest:
    at.multiselect(key="imp_accounts").set_value([small_book.card.id]).run()  # the USD card
    uploaded: AppTest = upload(at, name, data)
    return uploaded


def test_the_running_balance_verdict_is_shown(small_book: SmallBook, as_owner: OpenPage
                                              ) -> None:
    data = (FIXTURES / "banks" / "chase_checking.csv").read_bytes()  # Balance, newest first
    at = as_owner(PAGE)
    at.multiselect(key="imp_accounts").set_value([small_book.card.id]).run()
    at = upload(at, "chase.csv", data)
    assert md("✓ agrees with the bank's running balance on all 17 rows (rows newest first)") \
        in [s.value for s in at.success]


def test_a_card_file_with_positive_charges_is_flipped_and_one_click_keeps_its_signs(
        small_book: SmallBook, as_owner: OpenPage) -> None:
    data = (FIXTURES / "generic" / "us_card_charges_positive.csv").read_bytes()
    at = card_upload(as_owner(PAGE), small_book, "card.csv", data)
    assert any(i.value.startswith(md("Signs flipped: in a credit card account charges are "
                                     "money out")) for i in at.info)
    assert list(at.dataframe[0].value["Amount"])[:3] == ["-$54.18", "-$41.07", "$612.40"]
    next(b for b in at.button if b.label == "Keep the file's signs").click().run()
    assert not at.exception, at.exception
    assert list(at.dataframe[0].value["Amount"])[:3] == ["$54.18", "$41.07", "-$612.40"]
    assert md("Signs kept as written in the file, as you chose.") in [i.value for i in at.info]


def test_weak_sign_evidence_asks_with_two_buttons_and_blocks_the_import(
        small_book: SmallBook, as_owner: OpenPage) -> None:
    data = b"Date,Description,Amount\n2024-05-02,DELI,12.50\n2024-05-06,STORE,48.00\n"
    at = card_upload(as_owner(PAGE), small_book, "weak.csv", data)
    assert any("Nothing is imported until you answer." in w.value for w in at.warning)
    assert next(b for b in at.button if b.label.startswith("Import 2")).disabled
    next(b for b in at.button if b.label == "Flip the signs (charges negative)").click().run()
    assert not at.exception, at.exception
    go = next(b for b in at.button if b.label.startswith("Import 2"))
    assert not go.disabled
    go.click().run()
    assert not at.exception, at.exception
    batch = list_batches(small_book.owner)[0]
    assert (batch.filename, batch.imported) == ("weak.csv", 2)


def test_rows_left_out_are_listed_with_their_reason(small_book: SmallBook, as_owner: OpenPage
                                                    ) -> None:
    data = (b"Date,Description,Amount,Status\n2024-04-02,Shop,-5.00,Completed\n"
            b"2024-04-03,Cafe,-3.20,Pending\n")
    at = upload(as_owner(PAGE), "states.csv", data)
    assert at.expander[0].label == "1 row(s) left out, each with its reason"
    frame = next(d.value for d in at.dataframe if "Reason" in d.value.columns)
    assert list(frame["Line"]) == [3]
    assert list(frame["Reason"]) == ["status 'Pending' — pending: not completed yet (it comes "
                                     "with a later export once it is)"]


def test_the_evidence_that_decided_the_date_order_is_named(small_book: SmallBook,
                                                          as_owner: OpenPage) -> None:
    data = (FIXTURES / "generic" / "ie_bank_ambiguous_dates_value_date.csv").read_bytes()
    at = upload(as_owner(PAGE), "ie.csv", data)
    assert not at.error, [e.value for e in at.error]
    assert md("Dates read day-first (dmy), decided by the 'Value Date' column, whose dates "
              "only read day-first.") in [i.value for i in at.info]
    assert metric(at, "New") == "9"


def test_a_card_file_is_dated_by_its_transaction_date_and_the_posting_date_can_be_chosen(
        small_book: SmallBook, as_owner: OpenPage) -> None:
    data = (FIXTURES / "generic" / "us_card_charges_positive.csv").read_bytes()
    at = card_upload(as_owner(PAGE), small_book, "card.csv", data)
    assert any("2024-03-02 to 2024-03-30" in c.value for c in at.caption)
    next(s for s in at.selectbox if s.label == "Date column").set_value("Post Date").run()
    assert not at.exception, at.exception
    assert any("2024-03-04 to 2024-04-01" in c.value for c in at.caption)


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
