"""``fintrack asset``, ``fintrack trade`` and ``fintrack portfolio``, driven through the
arguments against a real SQLite file, with figures computed by hand in each test."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from openpyxl import load_workbook

from fintrack_core.access import Scope
from fintrack_core.db.engine import Database
from fintrack_core.db.models import Role
from fintrack_core.ledger.books import list_books, share_book
from fintrack_core.ledger.users import get_user
from tests.core.test_cli import alice, as_json, database, db_url, fails, ok, run

__all__ = ["alice", "database", "db_url"]  # fixtures shared with test_cli


def cli(*args: str) -> list[str]:
    return [*args, "--user", "alice"]


@pytest.fixture
def depot(alice: str) -> str:
    """Alice's EUR depot (10,000.00 on 2024-01-01) and an ETF priced by hand."""
    ok(*cli("account", "add", "Depot", "--type", "investment", "--currency", "EUR",
            "--opening-balance", "10000.00", "--opened-on", "2024-01-01"))
    ok(*cli("asset", "add", "VWCE", "--kind", "etf", "--currency", "EUR", "--name",
            "FTSE All-World", "--provider", "manual"))
    return "Depot"


def trade(*args: str) -> dict[str, object]:
    result: dict[str, object] = as_json(ok(*cli("trade", "add", "--account", "Depot",
                                                 "--asset", "VWCE", *args, "--json")))
    return result


@pytest.fixture
def traded(depot: str) -> str:
    """Two buys and a sale across both lots (FIFO), and a price at the end of June:

    buy  10 @ 100 + 5 fees on 2024-02-01   cash -1005.00, lot 1 costs 1005.00
    buy  10 @ 120 + 5 fees on 2024-03-01   cash -1205.00, lot 2 costs 1205.00
    sell 15 @ 130 - 5 fees on 2024-06-03   cash +1945.00; cost 1005.00 + 5/10 x 1205.00
                                           = 1607.50, gain 337.50
    price 140 on 2024-06-28: 5 units left worth 700.00, cost 602.50, gain 97.50
    """
    trade("--kind", "buy", "--date", "2024-02-01", "--quantity", "10", "--price", "100",
          "--fees", "5")
    trade("--kind", "buy", "--date", "2024-03-01", "--quantity", "10", "--price", "120",
          "--fees", "5")
    trade("--kind", "sell", "--date", "2024-06-03", "--quantity", "15", "--price", "130",
          "--fees", "5")
    ok(*cli("prices", "set", "VWCE", "140", "--date", "2024-06-28"))
    return depot


def test_asset_add_and_list(depot: str) -> None:
    assert as_json(ok(*cli("asset", "list", "--json"))) == [
        {"id": 1, "symbol": "VWCE", "name": "FTSE All-World", "kind": "etf",
         "currency": "EUR", "provider": "manual", "provider_id": "VWCE"}]
    crypto = as_json(ok(*cli("asset", "add", "BTC", "--kind", "crypto", "--currency", "USD",
                             "--json")))
    assert (crypto["provider"], crypto["provider_id"]) == ("coingecko", "bitcoin")
    assert "VWCE" in ok(*cli("asset", "list")).stdout


def test_trade_add_returns_its_cash_leg_and_list_shows_it(depot: str) -> None:
    added = trade("--kind", "buy", "--date", "2024-02-01", "--quantity", "2.5",
                  "--price", "100.10", "--fees", "1.50")
    # 2.5 x 100.10 = 250.25, plus 1.50 fees: 251.75 leaves the depot's cash
    assert added == {"id": added["id"], "date": "2024-02-01", "account": "Depot",
                     "symbol": "VWCE", "kind": "buy", "quantity": "2.5", "price": "100.1",
                     "fees": "1.50", "cash": "-251.75", "currency": "EUR",
                     "transaction_id": added["transaction_id"], "notes": ""}
    text = ok(*cli("trade", "add", "--account", "Depot", "--asset", "vwce", "--kind",
                   "dividend", "--date", "2024-03-15", "--amount", "3.20")).stdout
    assert text.strip().endswith("on 2024-03-15 in Depot; cash 3.20 EUR.")
    listed = as_json(ok(*cli("trade", "list", "--json")))
    assert [(t["kind"], t["cash"]) for t in listed] == [("buy", "-251.75"),
                                                        ("dividend", "3.20")]
    assert "-251.75" in ok(*cli("trade", "list", "--asset", "VWCE")).stdout
    balance = as_json(ok(*cli("account", "list", "--json")))
    assert [a["balance"] for a in balance if a["name"] == "Depot"] == ["9751.45"]


@pytest.mark.parametrize(("args", "words"), [
    (("--kind", "sell", "--date", "2024-02-01", "--quantity", "1", "--price", "1"),
     ("quantity", "held")),
    (("--kind", "split", "--date", "2024-02-01", "--quantity", "0"), ("quantity",)),
    (("--kind", "buy", "--date", "2023-12-31", "--quantity", "1", "--price", "1"),
     ("date", "opened")),
    (("--kind", "buy", "--date", "01.02.2024", "--quantity", "1", "--price", "1"), ("date",)),
    (("--kind", "buy", "--date", "2024-02-01", "--quantity", "1,5", "--price", "1"),
     ("quantity",)),
    (("--kind", "swap", "--date", "2024-02-01"), ("kind", "swap")),
])
def test_trade_errors_are_one_line_naming_the_field(depot: str, args: tuple[str, ...],
                                                    words: tuple[str, ...]) -> None:
    fails(run(*cli("trade", "add", "--account", "Depot", "--asset", "VWCE", *args)), *words)


def test_trade_in_a_checking_account_or_of_an_unknown_asset_is_refused(depot: str) -> None:
    fails(run(*cli("trade", "add", "--account", "Girokonto", "--asset", "VWCE", "--kind",
                   "buy", "--date", "2024-02-01", "--quantity", "1", "--price", "1")),
          "account", "investment")
    fails(run(*cli("trade", "add", "--account", "Depot", "--asset", "NOPE", "--kind", "buy",
                   "--date", "2024-02-01", "--quantity", "1", "--price", "1")),
          "asset", "NOPE", "VWCE")


def test_show_values_the_holdings_and_the_cash(traded: str) -> None:
    shown = as_json(ok(*cli("portfolio", "show", "--on", "2024-06-30", "--json")))
    # cash 10000 - 1005 - 1205 + 1945 = 9735.00; 5 x 140 = 700.00; total 10435.00
    assert {k: shown[k] for k in ("on", "currency", "total_value", "cost", "gain",
                                  "gain_pct", "missing")} == {
        "on": "2024-06-30", "currency": "EUR", "total_value": "10435.00", "cost": "602.50",
        "gain": "97.50", "gain_pct": "16.18", "missing": []}
    [held] = shown["holdings"]
    assert {k: held[k] for k in ("symbol", "quantity", "price", "price_date", "value",
                                 "cost", "gain", "value_base")} == {
        "symbol": "VWCE", "quantity": "5", "price": "140", "price_date": "2024-06-28",
        "value": "700.00", "cost": "602.50", "gain": "97.50", "value_base": "700.00"}
    assert shown["cash"] == [{"account": "Depot", "amount": "9735.00", "currency": "EUR",
                              "amount_base": "9735.00"}]
    text = ok(*cli("portfolio", "show", "--on", "2024-06-30")).stdout
    assert "Total value 10,435.00 EUR; unrealised gain 97.50 EUR (16.18 %)" in text


def test_show_names_a_holding_without_a_price_instead_of_valuing_it_at_zero(depot: str
                                                                             ) -> None:
    trade("--kind", "buy", "--date", "2024-02-01", "--quantity", "10", "--price", "100")
    result = ok(*cli("portfolio", "show", "--on", "2024-02-02"))
    assert "no price" in result.stdout
    assert "Missing: VWCE" in result.stderr
    shown = as_json(ok(*cli("portfolio", "show", "--on", "2024-02-02", "--json")))
    assert shown["holdings"][0]["value"] is None
    assert shown["total_value"] == "9000.00"  # the cash alone, and said to be incomplete
    assert shown["missing"]


def test_performance_over_a_custom_period(traded: str) -> None:
    perf = as_json(ok(*cli("portfolio", "performance", "--period", "custom", "--from",
                           "2024-01-01", "--to", "2024-06-30", "--json")))
    # 10,000 came in (the opening balance); 10,435 is there: the investments earned 435
    # (337.50 realised + 97.50 unrealised, fees in)
    assert {k: perf[k] for k in ("period", "start", "end", "currency", "start_value",
                                 "end_value", "net_flows", "gain")} == {
        "period": "custom", "start": "2024-01-01", "end": "2024-06-30", "currency": "EUR",
        "start_value": "0.00", "end_value": "10435.00", "net_flows": "10000.00",
        "gain": "435.00"}
    assert perf["twr_pct"] is not None
    assert perf["twr_text"]
    assert perf["xirr_text"]
    text = ok(*cli("portfolio", "performance", "--period", "custom", "--from", "2024-01-01",
                   "--to", "2024-06-30")).stdout
    assert "Time-weighted return: " in text
    assert "Money-weighted return (XIRR): " in text
    fails(run(*cli("portfolio", "performance", "--period", "2W")), "period")


def test_gains_of_a_year_match_the_sale_to_both_lots(traded: str) -> None:
    gains = as_json(ok(*cli("portfolio", "gains", "--year", "2024", "--json")))
    # proceeds 1945.00 shared 10:5 between the lots: 1296.67 and 648.33
    assert [(g["acquired"], g["quantity"], g["cost"], g["proceeds"], g["gain"],
             g["holding_days"]) for g in gains["rows"]] == [
        ("2024-02-01", "10", "1005.00", "1296.67", "291.67", 123),
        ("2024-03-01", "5", "602.50", "648.33", "45.83", 94)]
    assert (gains["totals"], gains["total_base"], gains["missing"]) == (
        {"EUR": "337.50"}, "337.50", [])
    assert as_json(ok(*cli("portfolio", "gains", "--year", "2023", "--json")))["rows"] == []
    assert ok(*cli("portfolio", "gains", "--year", "2023")).stdout.strip() == "No sales in 2023."
    assert "Total realised gain: 337.50 EUR." in ok(*cli("portfolio", "gains")).stdout


def test_gains_export_writes_csv_and_xlsx(traded: str, tmp_path: Path) -> None:
    csv_file, xlsx_file = tmp_path / "gains.csv", tmp_path / "gains.xlsx"
    ok(*cli("portfolio", "gains", "--year", "2024", "--export", str(csv_file)))
    lines = csv_file.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 3  # header and one line per lot
    assert "VWCE" in lines[1]
    ok(*cli("portfolio", "gains", "--year", "2024", "--export", str(xlsx_file)))
    assert load_workbook(xlsx_file).sheetnames == ["Realised gains 2024", "Summary"]
    fails(run(*cli("portfolio", "gains", "--export", str(csv_file))), "year")
    fails(run(*cli("portfolio", "gains", "--year", "2024", "--export",
                   str(tmp_path / "gains.pdf"))), "export", ".csv")


def test_a_viewer_reads_the_portfolio_but_cannot_trade(traded: str, database: Database) -> None:
    ok("user", "add", "bob", "--password-stdin", input="builder-jobs1\n")
    owner = get_user(database, "alice")
    book = list_books(database, owner.id)[0].id
    share_book(Scope(database, owner.id, book), "bob", Role.VIEWER)
    bob = ("--user", "bob", "--book", str(book))
    fails(run("trade", "add", "--account", "Depot", "--asset", "VWCE", "--kind", "buy",
              "--date", "2024-02-01", "--quantity", "1", "--price", "1", *bob),
          "role in this book is viewer", "editor or owner")
    fails(run("asset", "add", "BTC", "--kind", "crypto", "--currency", "USD", *bob),
          "role in this book is viewer")
    assert len(as_json(ok("trade", "list", *bob, "--json"))) == 3
    assert as_json(ok("portfolio", "show", "--on", "2024-06-30", *bob, "--json")
                   )["total_value"] == "10435.00"


def test_a_stranger_sees_no_portfolio_of_another_book(traded: str) -> None:
    ok("user", "add", "carol", "--password-stdin", "--as", "alice", input="xmas-songs-3\n")
    assert as_json(ok("trade", "list", "--user", "carol", "--json")) == []
    fails(run("trade", "list", "--user", "carol", "--book", "alice"), "book")


def test_alert_settings_and_the_alerts_a_trade_raises(depot: str) -> None:
    settings = as_json(ok(*cli("portfolio", "alert-settings", "--gain", "100", "--day-move",
                               "5", "--json")))
    assert settings == {"currency": "EUR", "day_move_pct": "5", "value": None,
                        "gain": "100.00"}
    assert ok(*cli("portfolio", "alert-settings", "--day-move", "off")).stdout.strip() == (
        "Day move: off; value mark: off; realised gain or loss: 100.00 EUR.")
    fails(run(*cli("portfolio", "alert-settings", "--gain", "-5")), "gain")
    assert ok(*cli("portfolio", "alerts")).stdout.strip() == "No portfolio alerts."
    with time_machine.travel(dt.datetime(2024, 6, 3, 12, tzinfo=dt.UTC), tick=False):
        trade("--kind", "buy", "--date", "2024-02-01", "--quantity", "10", "--price", "100")
        # sold "today" (news, not history): 10 x (120 - 100) = 200, over the 100 asked for
        trade("--kind", "sell", "--date", "2024-06-03", "--quantity", "10", "--price", "120")
    [alert] = as_json(ok(*cli("portfolio", "alerts", "--unread", "--json")))
    assert (alert["kind"], alert["message"], alert["read"]) == (
        "realised", "Selling 10 VWCE on 2024-06-03 realised a gain of €200.00 (your alert: "
                    "€100.00)", False)
    assert "[new] 2024-06-03 Selling 10 VWCE" in ok(*cli("portfolio", "alerts")).stdout
