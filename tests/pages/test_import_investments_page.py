"""Import page with an investment file: the preview lists trades (kind, symbol, quantity,
price, fees, cash) instead of a statement table, the import writes them, and a viewer sees
no import controls."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fintrack_core.imports.service import list_batches
from fintrack_core.ledger import accounts
from fintrack_core.portfolio import trades
from fintrack_ui.markdown import md
from tests.conftest import SmallBook
from tests.pages.conftest import OpenPage
from tests.pages.test_import_page import PAGE, metric

BROKERS = Path(__file__).resolve().parents[1] / "fixtures" / "brokers"


def test_an_ofx_investment_statement_previews_its_trades_and_imports(
        small_book: SmallBook, as_owner: OpenPage) -> None:
    fidelity = accounts.create_account(small_book.owner, "Fidelity", "investment", "USD", "0",
                                       dt.date(2024, 1, 1))
    at = as_owner(PAGE)
    at.multiselect(key="imp_accounts").set_value([fidelity.id])
    data = (BROKERS / "fidelity_invstmt_v2.ofx").read_bytes()
    at.file_uploader(key="imp_files").set_value(
        [("fidelity.ofx", data, "application/x-ofx")]).run()
    assert not at.exception, at.exception
    assert (metric(at, "New"), metric(at, "Rows read")) == ("10", "10")
    table = at.dataframe[0].value
    assert list(table.columns) == ["Line", "Date", "Kind", "Symbol", "Quantity", "Price",
                                   "Fees", "Cash"]
    assert table.iloc[1].to_dict() == {
        "Line": 27, "Date": dt.date(2024, 1, 5), "Kind": "buy", "Symbol": "AAPL",
        "Quantity": "10", "Price": "185.5", "Fees": "4.95", "Cash": "-1859.95"}
    assert [i.value for i in at.info] == [md("New assets: AAPL, VTSAX, VTI")]
    next(b for b in at.button if b.label.startswith("Import 10 row(s)")).click().run()
    assert not at.exception, at.exception
    assert len(trades.list_trades(small_book.owner)) == 8
    assert list_batches(small_book.owner)[0].filename == "fidelity.ofx"


def test_a_difference_from_the_stated_positions_is_shown(small_book: SmallBook,
                                                        as_owner: OpenPage) -> None:
    depot = accounts.create_account(small_book.owner, "Depot", "investment", "EUR", "0",
                                    dt.date(2024, 1, 1))
    at = as_owner(PAGE)
    at.multiselect(key="imp_accounts").set_value([depot.id])
    data = (BROKERS / "boursedirect_invstmt_v1.ofx").read_bytes()
    at.file_uploader(key="imp_files").set_value(
        [("bourse.ofx", data, "application/x-ofx")]).run()
    assert not at.exception, at.exception
    warnings = [w.value for w in at.warning]
    assert md("Statement says 12 VWCE, trades give 10 (line 107).") in warnings
    assert metric(at, "Invalid") == "1"  # the sale of units never bought


def test_a_broker_csv_is_read_by_its_profile_with_no_mapping_to_correct(
        small_book: SmallBook, as_owner: OpenPage) -> None:
    t212 = accounts.create_account(small_book.owner, "Trading 212", "investment", "EUR", "0",
                                   dt.date(2024, 1, 1))
    at = as_owner(PAGE)
    at.multiselect(key="imp_accounts").set_value([t212.id])
    data = (BROKERS / "trading212_history_2024.csv").read_bytes()
    at.file_uploader(key="imp_files").set_value([("t212.csv", data, "text/csv")]).run()
    assert not at.exception, at.exception
    assert (metric(at, "New"), metric(at, "Rows read")) == ("7", "8")
    assert next(e.label for e in at.expander) == "1 row(s) left out, each with its reason"
    table = next(d.value for d in at.dataframe if "Kind" in d.value.columns)
    assert list(table["Kind"]) == [
        "cash", "buy", "buy", "dividend", "sell", "cash", "cash"]
    assert not [e for e in at.expander if "mapping" in e.label.lower()]


def test_a_viewer_gets_no_import_controls(small_book: SmallBook, as_viewer: OpenPage) -> None:
    at = as_viewer(PAGE)
    assert not at.exception
    assert len(at.get("file_uploader")) == 0
