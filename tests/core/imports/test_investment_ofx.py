"""Investment OFX statements (``INVSTMTRS``) imported into the portfolio through
``service.import_statement``: what the reader makes of each aggregate, the preview, the
duplicate keys, undo, the position proof and who may do it.

The fixtures under ``tests/fixtures/brokers`` are written in the bytes brokers send: an OFX
2.2 XML file from a US broker (CRLF, time zones on every date) and an OFX 1.02 SGML file from
a French broker (cp1252, unclosed value tags).
"""

from __future__ import annotations

import datetime as dt
import warnings
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from ofxtools.Parser import OFXTree
from sqlalchemy import func, select

from fintrack_core.access import Scope
from fintrack_core.db.engine import Database
from fintrack_core.db.models import Transaction
from fintrack_core.db.portfolio_models import Trade
from fintrack_core.errors import PermissionDenied, ValidationError
from fintrack_core.imports.ofx_invest import parse_ofx_investments
from fintrack_core.imports.service import import_statement, undo_batch
from fintrack_core.ledger import accounts, books, users
from fintrack_core.ledger.accounts import AccountView
from fintrack_core.portfolio import assets, lots, trades
from fintrack_core.portfolio.assets import AssetInput
from fintrack_core.portfolio.trades import TradeInput

BROKERS = Path(__file__).resolve().parents[2] / "fixtures" / "brokers"
FIDELITY = "fidelity_invstmt_v2.ofx"
BOURSE = "boursedirect_invstmt_v1.ofx"


def load(name: str) -> bytes:
    return (BROKERS / name).read_bytes()


@pytest.fixture
def brokerage(small_book: Any) -> AccountView:
    return accounts.create_account(small_book.owner, "Fidelity", "investment", "USD", "0",
                                   dt.date(2024, 1, 1))


@pytest.fixture
def depot(small_book: Any) -> AccountView:
    return accounts.create_account(small_book.owner, "Bourse Direct", "investment", "EUR",
                                   "0", dt.date(2024, 1, 1))


def held(book: Any, account: AccountView) -> dict[str, Decimal]:
    return {h.symbol: h.quantity for h in lots.holdings(book.owner, account_id=account.id)}


def cash_balance(book: Any, account: AccountView) -> Decimal:
    with book.db.read() as s:
        total = s.scalar(select(func.coalesce(func.sum(Transaction.amount_minor), 0)).where(
            Transaction.account_id == account.id))
    return Decimal(int(total or 0)) / 100


def test_the_reader_turns_every_aggregate_into_one_row() -> None:
    parsed = parse_ofx_investments(load(FIDELITY))
    kinds = [(r.kind, r.security, r.quantity, r.price, r.fees, r.cash) for r in parsed.rows]
    assert kinds == [
        ("cash", None, 0, 0, 0, Decimal("5000.00")),
        ("buy", "037833100", Decimal("10.00000"), Decimal("185.5000"), Decimal("4.95"),
         Decimal("-1859.95")),
        ("buy", "922908769", Decimal("5.00000"), Decimal("230.0000"), 0, Decimal("-1150.00")),
        ("buy", "922908728", Decimal("20.500"), Decimal("110.00"), 0, Decimal("-2255.00")),
        ("dividend", "037833100", 0, 0, 0, Decimal("2.40")),
        ("reinvest", "922908728", Decimal("0.412"), Decimal("112.50"), 0, None),
        ("sell", "037833100", Decimal("4.00000"), Decimal("190.0000"), Decimal("4.95"),
         Decimal("755.05")),
        ("transfer_in", "037833100", Decimal("2.00000"), Decimal("150.00"), 0, None),
        ("split", "922908769", Decimal(2), 0, 0, None),
        ("cash", None, 0, 0, 0, Decimal("1.23")),
    ]
    assert parsed.data_rows == 10
    assert parsed.rows[1].date == dt.date(2024, 1, 5)  # as written, not moved to UTC
    assert parsed.rows[1].line == 27
    assert parsed.rows[1].external_id == "X1-20240105-001"
    assert {k: (s.symbol, s.kind) for k, s in parsed.securities.items()} == {
        "037833100": ("AAPL", "stock"), "922908769": ("VTI", "stock"),
        "922908728": ("VTSAX", "fund")}
    assert [(p.security, p.quantity) for p in parsed.positions] == [
        ("037833100", Decimal("8.00000")), ("922908769", Decimal("10.00000")),
        ("922908728", Decimal("20.912"))]


@pytest.mark.parametrize("name", [FIDELITY, BOURSE])
def test_the_fixtures_are_valid_ofx_for_ofxtools_own_strict_models(name: str) -> None:
    """ofxtools' ``convert()`` validates every element against the OFX spec; our reader
    (lenient, dates as written) finds the same transactions and positions."""
    tree = OFXTree()
    tree.parse(str(BROKERS / name))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an over-long ACCTID would only warn
        statement = tree.convert().invstmtmsgsrsv1[0].invstmtrs
    parsed = parse_ofx_investments(load(name))
    assert len(statement.invtranlist) == parsed.data_rows
    assert len(statement.invposlist) == len(parsed.positions)


def test_sgml_ofx_1_in_cp1252_reads_isins_withholding_and_names_with_accents() -> None:
    parsed = parse_ofx_investments(load(BOURSE))
    assert parsed.detected["encoding"] == "cp1252"
    assert parsed.securities["FR0010315770"].name == "AMUNDI ÉPÉE MONDE"
    assert parsed.securities["FR0010315770"].isin == "FR0010315770"
    dividend = next(r for r in parsed.rows if r.kind == "dividend")
    assert (dividend.amount, dividend.fees, dividend.cash) == (
        Decimal("6.30"), Decimal("0.95"), Decimal("5.35"))


def test_a_preview_counts_totals_and_writes_nothing(small_book: Any,
                                                    brokerage: AccountView) -> None:
    result = import_statement(small_book.owner, load(FIDELITY), FIDELITY, [brokerage.id],
                              dry_run=True)
    assert (result.rows, result.imported, result.duplicates, result.invalid) == (10, 10, 0, [])
    assert result.investment is not None
    assert result.investment.new_assets == ["AAPL", "VTSAX", "VTI"]
    assert result.investment.kind_totals == {
        "buy": (3, Decimal("-5264.95")), "cash": (2, Decimal("5001.23")),
        "dividend": (1, Decimal("2.40")), "reinvest": (1, Decimal(0)),
        "sell": (1, Decimal("755.05")), "split": (1, Decimal(0)),
        "transfer_in": (1, Decimal(0))}
    assert result.totals == {"USD": Decimal("493.73")}
    assert result.investment.position_differences == []  # 8 AAPL, 10 VTI, 20.912 VTSAX
    assert (result.date_min, result.date_max) == (dt.date(2024, 1, 2), dt.date(2024, 6, 28))
    assert trades.list_trades(small_book.owner) == []
    assert assets.list_assets(small_book.owner) == []


def test_an_import_writes_trades_cash_legs_and_assets_and_proves_the_positions(
        small_book: Any, brokerage: AccountView) -> None:
    result = import_statement(small_book.owner, load(FIDELITY), FIDELITY, [brokerage.id])
    assert result.batch_id is not None
    assert result.imported == 10
    assert held(small_book, brokerage) == {"AAPL": Decimal(8), "VTI": Decimal(10),
                                           "VTSAX": Decimal("20.912")}
    # 5000 - 1859.95 - 1150 - 2255 + 2.40 + 755.05 + 1.23: the statement's AVAILCASH
    assert cash_balance(small_book, brokerage) == Decimal("493.73")
    vtsax = next(a for a in assets.list_assets(small_book.owner) if a.symbol == "VTSAX")
    assert (vtsax.kind.value, vtsax.currency, vtsax.name) == (
        "fund", "USD", "VANGUARD TOTAL STOCK MKT IDX ADMIRAL")


def test_reimporting_finds_every_fitid_and_adds_nothing(small_book: Any,
                                                       brokerage: AccountView) -> None:
    import_statement(small_book.owner, load(FIDELITY), FIDELITY, [brokerage.id])
    again = import_statement(small_book.owner, load(FIDELITY), FIDELITY, [brokerage.id])
    assert (again.imported, again.duplicates, again.batch_id) == (0, 10, None)
    assert len(trades.list_trades(small_book.owner)) == 8
    assert len(assets.list_assets(small_book.owner)) == 3  # matched, not created twice


def test_rows_without_fitid_fall_back_to_a_fingerprint(small_book: Any,
                                                      brokerage: AccountView) -> None:
    data = load(FIDELITY).replace(b"<FITID>X1-20240105-001</FITID>", b"")
    first = import_statement(small_book.owner, data, FIDELITY, [brokerage.id])
    again = import_statement(small_book.owner, data, FIDELITY, [brokerage.id])
    assert (first.imported, again.imported, again.duplicates) == (10, 0, 10)
    keys = [t.external_id for t in trades.list_trades(small_book.owner)]
    assert sum(1 for k in keys if k and k.startswith("fp:")) == 1


def test_existing_assets_are_matched_by_ticker_isin_or_cusip(small_book: Any,
                                                            depot: AccountView) -> None:
    vwce = assets.add_asset(small_book.owner, AssetInput("VWCE", "etf", "EUR"))
    amundi = assets.add_asset(small_book.owner, AssetInput("FR0010315770", "fund", "EUR"))
    trades.add_trade(small_book.owner, TradeInput(depot.id, amundi.id, dt.date(2024, 2, 1),
                                                  "buy", quantity="10", price="40"))
    result = import_statement(small_book.owner, load(BOURSE), BOURSE, [depot.id])
    assert result.investment is not None
    assert result.investment.new_assets == []
    assert result.imported == 4
    assert {t.symbol for t in trades.list_trades(small_book.owner)} == {"VWCE", amundi.symbol}
    assert vwce.id in {t.asset_id for t in trades.list_trades(small_book.owner)}


def test_positions_the_trades_do_not_give_are_reported_never_accepted_silently(
        small_book: Any, depot: AccountView) -> None:
    amundi = assets.add_asset(small_book.owner, AssetInput("FR0010315770", "fund", "EUR"))
    trades.add_trade(small_book.owner, TradeInput(depot.id, amundi.id, dt.date(2024, 2, 1),
                                                  "buy", quantity="10", price="40"))
    result = import_statement(small_book.owner, load(BOURSE), BOURSE, [depot.id],
                              dry_run=True)
    assert result.investment is not None
    assert result.investment.position_differences == [
        "statement says 12 VWCE, trades give 10 (line 107)",
        "statement lists no FR0010315770, trades give 6.5"]
    assert "statement says 12 VWCE, trades give 10 (line 107)" in result.warnings


def test_trades_after_the_statement_date_do_not_count_against_its_positions(
        small_book: Any, brokerage: AccountView) -> None:
    import_statement(small_book.owner, load(FIDELITY), FIDELITY, [brokerage.id])
    aapl = next(a for a in assets.list_assets(small_book.owner) if a.symbol == "AAPL")
    trades.add_trade(small_book.owner, TradeInput(brokerage.id, aapl.id, dt.date(2024, 7, 2),
                                                  "buy", quantity="1", price="220"))
    again = import_statement(small_book.owner, load(FIDELITY), FIDELITY, [brokerage.id],
                             dry_run=True)
    assert again.investment is not None
    assert again.investment.position_differences == []  # as of 2024-06-30: still 8 AAPL


def test_an_oversale_is_invalid_with_its_line_and_nothing_is_written(
        small_book: Any, depot: AccountView) -> None:
    result = import_statement(small_book.owner, load(BOURSE), BOURSE, [depot.id])
    assert [(e.line, e.error) for e in result.invalid] == [
        (59, "quantity: selling 3.5 FR0010315770 on 2024-03-20 is more than the 0 held then")]
    assert result.rejected
    assert result.batch_id is None
    assert trades.list_trades(small_book.owner) == []
    skipped = import_statement(small_book.owner, load(BOURSE), BOURSE, [depot.id],
                               skip_invalid=True)
    assert (skipped.imported, len(skipped.invalid), skipped.rejected) == (3, 1, False)
    assert skipped.summary.startswith("4 rows read")


def test_undo_removes_the_trades_and_their_cash_legs_together(small_book: Any,
                                                              brokerage: AccountView) -> None:
    result = import_statement(small_book.owner, load(FIDELITY), FIDELITY, [brokerage.id])
    assert result.batch_id is not None
    assert undo_batch(small_book.owner, result.batch_id) == 7  # 5 cash legs + 2 cash rows
    assert trades.list_trades(small_book.owner) == []
    assert cash_balance(small_book, brokerage) == 0
    with small_book.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Trade)) == 0


def test_undo_is_refused_when_a_later_sale_needs_the_imported_units(
        small_book: Any, brokerage: AccountView) -> None:
    result = import_statement(small_book.owner, load(FIDELITY), FIDELITY, [brokerage.id])
    aapl = next(a for a in assets.list_assets(small_book.owner) if a.symbol == "AAPL")
    trades.add_trade(small_book.owner, TradeInput(brokerage.id, aapl.id, dt.date(2024, 7, 1),
                                                  "sell", quantity="8", price="200"))
    assert result.batch_id is not None
    with pytest.raises(ValidationError, match="selling more than the 0 held then"):
        undo_batch(small_book.owner, result.batch_id)
    assert len(trades.list_trades(small_book.owner)) == 9  # nothing undone


def test_an_investment_file_needs_an_investment_account(small_book: Any) -> None:
    with pytest.raises(ValidationError, match=r"none of the chosen \('Girokonto'\) is one"):
        import_statement(small_book.owner, load(FIDELITY), FIDELITY,
                         [small_book.checking.id], dry_run=True)


def test_a_preview_of_known_assets_writes_nothing_either(small_book: Any,
                                                        brokerage: AccountView) -> None:
    for symbol, kind in (("AAPL", "stock"), ("VTI", "etf"), ("VTSAX", "fund")):
        assets.add_asset(small_book.owner, AssetInput(symbol, kind, "USD"))
    for scope in (small_book.owner, small_book.viewer):
        preview = import_statement(scope, load(FIDELITY), FIDELITY, [brokerage.id],
                                   dry_run=True)
        assert preview.investment is not None
        assert (preview.imported, preview.investment.new_assets) == (10, [])
    assert trades.list_trades(small_book.owner) == []
    assert cash_balance(small_book, brokerage) == 0


def test_a_viewer_may_preview_but_not_import(small_book: Any, brokerage: AccountView) -> None:
    preview = import_statement(small_book.viewer, load(FIDELITY), FIDELITY, [brokerage.id],
                               dry_run=True)
    assert preview.imported == 10
    with pytest.raises(PermissionDenied):
        import_statement(small_book.viewer, load(FIDELITY), FIDELITY, [brokerage.id])
    assert trades.list_trades(small_book.owner) == []


def test_import_dedup_and_undo_on_sqlite_and_postgresql(any_db: Database) -> None:
    alice = users.create_user(any_db, "alice", "wonderland-42", "Alice", base_currency="USD")
    owner = Scope(any_db, alice.id, books.list_books(any_db, alice.id)[0].id)
    fidelity = accounts.create_account(owner, "Fidelity", "investment", "USD", "0",
                                       dt.date(2024, 1, 1))
    preview = import_statement(owner, load(FIDELITY), FIDELITY, [fidelity.id], dry_run=True)
    assert (preview.imported, trades.list_trades(owner)) == (10, [])
    first = import_statement(owner, load(FIDELITY), FIDELITY, [fidelity.id])
    again = import_statement(owner, load(FIDELITY), FIDELITY, [fidelity.id])
    assert (first.imported, again.imported, again.duplicates) == (10, 0, 10)
    assert {h.symbol: h.quantity for h in lots.holdings(owner)} == {
        "AAPL": Decimal(8), "VTI": Decimal(10), "VTSAX": Decimal("20.912")}
    assert first.batch_id is not None
    assert undo_batch(owner, first.batch_id) == 7
    assert trades.list_trades(owner) == []


def test_a_bank_statement_inside_an_investment_file_is_skipped_with_the_reason() -> None:
    bank = (b"<BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>USD</CURDEF><BANKACCTFROM>"
            b"<BANKID>1</BANKID><ACCTID>9</ACCTID><ACCTTYPE>CHECKING</ACCTTYPE></BANKACCTFROM>"
            b"<BANKTRANLIST>\r\n<STMTTRN><TRNTYPE>DEBIT</TRNTYPE><DTPOSTED>20240103</DTPOSTED>"
            b"<TRNAMT>-20.00</TRNAMT><FITID>B1</FITID><NAME>ATM</NAME></STMTTRN>\r\n"
            b"</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1>\r\n")
    data = load(FIDELITY).replace(b"<INVSTMTMSGSRSV1>", bank + b"<INVSTMTMSGSRSV1>", 1)
    parsed = parse_ofx_investments(data)
    assert (parsed.data_rows, len(parsed.rows)) == (11, 10)
    assert [(r.line, r.reason) for r in parsed.skipped] == [
        (13, "a bank or card statement's transaction in an investment file (not imported: "
             "export that account's statement on its own)")]
    assert parsed.rows[0].line == 26  # the first INVBANKTRAN (line 23), 3 lines further down


def test_of_several_investment_accounts_the_one_with_the_files_number_gets_it(
        small_book: Any, brokerage: AccountView, depot: AccountView) -> None:
    accounts.update_account(small_book.owner, brokerage.id, number="X12345678")
    result = import_statement(small_book.owner, load(FIDELITY), FIDELITY,
                              [depot.id, brokerage.id], dry_run=True)
    assert result.investment is not None
    assert result.investment.account == "Fidelity"


def test_an_account_with_another_number_is_refused(small_book: Any,
                                                   brokerage: AccountView) -> None:
    accounts.update_account(small_book.owner, brokerage.id, number="Z999")
    with pytest.raises(ValidationError, match=r"a statement of account X12345678; 'Fidelity' "
                                              r"has number Z999"):
        import_statement(small_book.owner, load(FIDELITY), FIDELITY, [brokerage.id],
                         dry_run=True)


def test_several_investment_accounts_without_the_number_are_a_question(
        small_book: Any, brokerage: AccountView, depot: AccountView) -> None:
    with pytest.raises(ValidationError, match=r"none has the file's number \(X12345678\)"):
        import_statement(small_book.owner, load(FIDELITY), FIDELITY,
                         [depot.id, brokerage.id], dry_run=True)
