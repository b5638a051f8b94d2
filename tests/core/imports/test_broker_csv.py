"""Broker CSV exports (Interactive Brokers, Trading 212, Degiro in three languages) imported
into the portfolio through ``service.import_statement`` with the built-in broker profiles
(``fintrack_core/imports/brokers/*.toml``).

Each fixture under ``tests/fixtures/brokers`` is written in its broker's bytes: IB's Activity
Statement (UTF-8 with BOM, CRLF, one table per section, subtotal and total lines), Trading
212's history export (every action in one table, unsigned totals) and Degiro's
Transactions.csv (NL and DE with quoted decimal commas, DE with BOM and CRLF, EN with
points; the currency of each amount in the unnamed column after it). Every test checks the
count, the per-currency sum and the date range, and that every row is accounted for.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fintrack_core.errors import ValidationError
from fintrack_core.imports.broker_profiles import builtin_brokers, parse_broker_profile
from fintrack_core.imports.service import import_statement, undo_batch
from fintrack_core.ledger import accounts
from fintrack_core.portfolio import lots, trades

BROKERS = Path(__file__).resolve().parents[2] / "fixtures" / "brokers"


def load(name: str) -> bytes:
    return (BROKERS / name).read_bytes()


def investment(book: Any, currency: str) -> accounts.AccountView:
    return accounts.create_account(book.owner, f"Broker {currency}", "investment", currency,
                                   "0", dt.date(2024, 1, 1))


def held(book: Any, account_id: int) -> dict[str, Decimal]:
    return {h.symbol: h.quantity for h in lots.holdings(book.owner, account_id=account_id)}


def test_interactive_brokers_activity_statement(small_book: Any) -> None:
    ib = investment(small_book, "USD")
    result = import_statement(small_book.owner, load("ib_activity_2024H1.csv"),
                              "ib_activity_2024H1.csv", [ib.id])
    assert result.profile == "interactive_brokers"
    # 3 orders, 2 deposits/withdrawals, 2 dividends, 2 taxes withheld, 1 interest, 4 totals
    # and a Forex conversion (under a header of its own)
    assert (result.rows, result.imported, result.duplicates, result.invalid) == (15, 10, 0, [])
    assert result.skipped_counts == {
        "a total line (not a transaction)": 4,
        "a currency conversion between IB's currency balances (a Forex trade; its commission "
        "is not imported)": 1}
    # 4500 - 1856 + 759.98 - 1151.60 + 6.97 - 1.05 + 1.23: the statement's cash NAV
    assert result.totals == {"USD": Decimal("2259.53")}
    assert (result.date_min, result.date_max) == (dt.date(2024, 1, 2), dt.date(2024, 6, 4))
    assert held(small_book, ib.id) == {"AAPL": Decimal(6), "VTI": Decimal(5)}
    assert result.investment is not None
    assert result.investment.position_differences == []  # Open Positions: 6 AAPL, 5 VTI
    assert result.investment.kind_totals["buy"] == (2, Decimal("-3007.60"))
    sale = next(t for t in trades.list_trades(small_book.owner) if t.kind.value == "sell")
    assert (sale.quantity, sale.price, sale.fees_minor, sale.cash) == (
        Decimal(4), Decimal("190.25"), 102, Decimal("759.98"))


def test_ib_rows_without_ids_are_found_again_by_fingerprint(small_book: Any) -> None:
    ib = investment(small_book, "USD")
    data = load("ib_activity_2024H1.csv")
    import_statement(small_book.owner, data, "ib.csv", [ib.id])
    again = import_statement(small_book.owner, data, "ib.csv", [ib.id])
    assert (again.imported, again.duplicates, len(again.skipped)) == (0, 10, 5)


def test_trading212_history_with_a_usd_stock_in_a_eur_account(small_book: Any) -> None:
    t212 = investment(small_book, "EUR")
    result = import_statement(small_book.owner, load("trading212_history_2024.csv"),
                              "from_2024-01-01_to_2024-04-30.csv", [t212.id])
    assert result.profile == "trading212"
    assert (result.rows, result.imported, result.invalid) == (8, 7, [])
    assert [(r.line, r.reason) for r in result.skipped] == [
        (8, "a conversion between the account's currency pockets (no money in or out of "
            "the account)")]
    # 1000 - 424.80 - 253.59 + 0.29 + 112.10 + 0.87 - 200
    assert result.totals == {"EUR": Decimal("234.87")}
    assert (result.date_min, result.date_max) == (dt.date(2024, 1, 3), dt.date(2024, 4, 15))
    assert held(small_book, t212.id) == {"VWCE": Decimal(3), "AAPL": Decimal("1.5")}
    aapl_buy, dividend = (t for t in trades.list_trades(small_book.owner)
                          if t.symbol == "AAPL")
    # the USD buy booked what Trading 212 charged in EUR, its FX fee included
    assert (aapl_buy.cash, aapl_buy.fees_minor) == (Decimal("-253.59"), 38)
    assert (dividend.kind.value, dividend.price, dividend.cash) == (
        "dividend", Decimal("0.36"), Decimal("0.29"))
    assert "withholding tax 0.05 USD" in dividend.notes


@pytest.mark.parametrize(("name", "profile"), [
    ("degiro_transactions_nl.csv", "degiro_nl"),
    ("degiro_transactions_en.csv", "degiro_en"),
    ("degiro_transactions_de.csv", "degiro_de"),
])
def test_degiro_transactions_in_each_language(small_book: Any, name: str,
                                              profile: str) -> None:
    depot = investment(small_book, "EUR")
    result = import_statement(small_book.owner, load(name), "Transactions.csv", [depot.id])
    assert result.profile == profile
    assert (result.rows, result.imported, result.skipped, result.invalid) == (3, 3, [], [])
    assert result.totals == {"EUR": Decimal("-1374.49")}  # -1124.40 - 478.89 + 228.80
    assert (result.date_min, result.date_max) == (dt.date(2024, 3, 4), dt.date(2024, 3, 28))
    assert held(small_book, depot.id) == {"IE00BK5BQT80": Decimal(8),
                                          "US0378331005": Decimal(3)}
    assert result.investment is not None
    assert result.investment.new_assets == ["IE00BK5BQT80", "US0378331005"]


def test_a_degiro_row_in_another_currency_than_the_account_is_invalid(small_book: Any) -> None:
    usd = investment(small_book, "USD")
    result = import_statement(small_book.owner, load("degiro_transactions_en.csv"),
                              "Transactions.csv", [usd.id], dry_run=True)
    assert [(e.line, e.error) for e in result.invalid] == [
        (line, "currency: the row books EUR, 'Broker USD' is in USD") for line in (2, 3, 4)]
    assert result.imported == 0


def test_a_bad_number_is_invalid_with_its_line_and_column(small_book: Any) -> None:
    depot = investment(small_book, "EUR")
    data = load("degiro_transactions_en.csv").replace(b"114.9000", b"11a.9")
    result = import_statement(small_book.owner, data, "Transactions.csv", [depot.id],
                              dry_run=True)
    assert [(e.line, e.error) for e in result.invalid] == [
        (2, "Price: '11a.9' is not a number")]
    assert result.imported == 2


def test_undo_of_a_broker_csv_removes_trades_and_cash(small_book: Any) -> None:
    t212 = investment(small_book, "EUR")
    result = import_statement(small_book.owner, load("trading212_history_2024.csv"),
                              "t212.csv", [t212.id])
    assert result.batch_id is not None
    assert undo_batch(small_book.owner, result.batch_id) == 7
    assert trades.list_trades(small_book.owner) == []
    assert held(small_book, t212.id) == {}


def test_a_section_header_no_table_reads_makes_its_rows_invalid_not_lost(
        small_book: Any) -> None:
    ib = investment(small_book, "USD")
    data = load("ib_activity_2024H1.csv").replace(b"Date,Description,Amount\r\nInterest",
                                                  b"Date,Description,Betrag\r\nInterest")
    result = import_statement(small_book.owner, data, "ib.csv", [ib.id], dry_run=True)
    assert (result.rows, result.imported) == (15, 9)
    assert [(e.line, e.error) for e in result.invalid] == [
        (line, "Interest: the 'Amount' column is missing from the header (a layout the "
               "interactive_brokers profile does not know)") for line in (39, 40)]


def test_optional_columns_an_export_leaves_out_are_empty(small_book: Any) -> None:
    """Trading 212 writes the withholding and conversion-fee columns only when needed."""
    t212 = investment(small_book, "EUR")
    data = (b"Action,Time,ISIN,Ticker,Name,ID,No. of shares,Price / share,"
            b"Currency (Price / share),Exchange rate,Total,Currency (Total)\n"
            b"Market buy,2024-01-04 14:31:05,IE00BK5BQT80,VWCE,Vanguard FTSE All-World,"
            b"EOF1,4,106.20,EUR,1.00,424.80,EUR\n")
    result = import_statement(small_book.owner, data, "t212.csv", [t212.id], dry_run=True)
    assert (result.profile, result.imported, result.totals) == (
        "trading212", 1, {"EUR": Decimal("-424.80")})


def test_the_built_in_broker_profiles_load() -> None:
    assert [b.name for b in builtin_brokers()] == [
        "degiro_de", "degiro_en", "degiro_nl", "interactive_brokers", "trading212"]


def test_a_broker_profile_with_an_unknown_key_names_the_file_and_key() -> None:
    text = ('name = "x"\n[match]\nheader = ["Date"]\n[[table]]\nkind = "buy"\n'
            'date = "Date"\ncolour = "red"\n')
    with pytest.raises(ValidationError, match=r"my\.toml: table\[0\]\.colour: unknown key"):
        parse_broker_profile(text, "my.toml")
