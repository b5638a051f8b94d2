"""Trades and their cash legs: what each kind books in the investment account's ledger, the
rounding, trades in another currency, and every refusal naming its field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from fintrack_core.db.portfolio_models import CostBasisMethod, PriceProvider
from fintrack_core.errors import Conflict, PermissionDenied, ValidationError
from fintrack_core.ledger import accounts
from fintrack_core.ledger import transactions as tx
from fintrack_core.ledger.search import list_transactions
from fintrack_core.portfolio import assets, lots, trades
from fintrack_core.portfolio.assets import AssetInput
from fintrack_core.portfolio.trades import TradeInput
from tests.core.portfolio.conftest import Folio

D = Decimal


def ledger_rows(folio: Folio, account: accounts.AccountView) -> list[tuple[str, int, str]]:
    """(date, amount in minor units, description) of the account's transactions."""
    rows = list_transactions(folio.owner)
    return sorted((str(r.date), r.amount_minor, r.description)
                  for r in rows.rows if r.account_id == account.id)


# --- cash legs -------------------------------------------------------------------------------


def test_a_buy_and_a_sale_book_their_cash_in_the_same_write(folio_any: Folio) -> None:
    f = folio_any
    etf = f.asset("VWCE")
    buy = f.trade(f.depot, etf, "2024-02-01", "buy", quantity="10", price="100.50", fees="1.00")
    sale = f.trade(f.depot, etf, "2024-03-01", "sell", quantity="4", price="110", fees="1")
    # buy: -(10 x 100.50 + 1.00) = -1006.00; sale: +(4 x 110 - 1) = +439.00
    assert (buy.cash_minor, sale.cash_minor) == (-100600, 43900)
    assert buy.transaction_id is not None
    assert sale.transaction_id is not None
    assert accounts.balance(f.owner, f.depot.id) == -100600 + 43900
    [holding] = lots.holdings(f.owner)
    assert (holding.quantity, holding.cost) == (D(6), D("603.6"))


def test_income_and_fee_kinds_book_cash_and_unit_kinds_book_none(folio: Folio) -> None:
    etf = folio.asset("VWCE")
    folio.trade(folio.depot, etf, "2024-02-01", "buy", quantity="10", price="100")
    div = folio.trade(folio.depot, etf, "2024-03-01", "dividend", amount="12.34", fees="1.85")
    intr = folio.trade(folio.depot, etf, "2024-03-02", "interest", amount="0.50")
    fee = folio.trade(folio.depot, etf, "2024-03-03", "fee", fees="4.99")
    rein = folio.trade(folio.depot, etf, "2024-03-04", "reinvest", quantity="0.1", price="105")
    split = folio.trade(folio.depot, etf, "2024-03-05", "split", quantity="2")
    t_in = folio.trade(folio.depot, etf, "2024-03-06", "transfer_in", quantity="3", price="90")
    t_out = folio.trade(folio.depot, etf, "2024-03-07", "transfer_out", quantity="1")
    # dividend: +(12.34 - 1.85) = 10.49; interest +0.50; fee -4.99
    assert (div.cash_minor, intr.cash_minor, fee.cash_minor) == (1049, 50, -499)
    for no_cash in (rein, split, t_in, t_out):
        assert (no_cash.cash_minor, no_cash.transaction_id) == (0, None)
    assert [r[1] for r in ledger_rows(folio, folio.depot)] == [-100000, 1049, 50, -499]
    # (10 + 0.1) x 2 + 3 - 1 units
    assert lots.holdings(folio.owner)[0].quantity == D("22.2")


@pytest.mark.parametrize(("quantity", "price", "cash"), [
    ("3", "33.333", -10000),     # 99.999 -> 100.00
    ("1", "0.125", -12),         # 0.125 -> 0.12 (half to even)
    ("1", "0.135", -14),         # 0.135 -> 0.14 (half to even)
    ("0.00012345", "41234.56", -509),  # 5.0904064... -> 5.09
])
def test_the_cash_leg_is_rounded_once_half_even(folio: Folio, quantity: str, price: str,
                                                cash: int) -> None:
    etf = folio.asset("X")
    t = folio.trade(folio.depot, etf, "2024-02-01", "buy", quantity=quantity, price=price)
    assert t.cash_minor == cash


def test_a_trade_in_another_currency_needs_a_rate_or_the_cash_booked(folio: Folio) -> None:
    aapl = folio.asset("AAPL", "stock", "USD")
    with pytest.raises(ValidationError) as err:
        folio.trade(folio.depot, aapl, "2024-02-01", "buy", quantity="10", price="180")
    assert err.value.field == "fx_rate"
    assert "USD→EUR" in err.value.message
    # 10 x 180 USD x 0.92 = 1656.00 EUR, + 2.00 EUR fees
    by_rate = folio.trade(folio.depot, aapl, "2024-02-01", "buy", quantity="10", price="180",
                          fees="2", fx_rate="0.92")
    assert by_rate.cash_minor == -165800
    # the broker booked 1,650.00 EUR in all: the fees are part of it
    by_cash = folio.trade(folio.depot, aapl, "2024-02-02", "buy", quantity="10", price="180",
                          fees="2", cash_amount="1650")
    assert by_cash.cash_minor == -165000
    # lot cost in USD: 1800 + 2 EUR fees at the trade's own rate (1648/1800 EUR per USD)
    [holding] = lots.holdings(folio.owner)
    assert round(holding.lots[1].cost, 6) == round(D(1800) + D(2) / (D(1648) / D(1800)), 6)
    with pytest.raises(ValidationError) as both:
        folio.trade(folio.depot, aapl, "2024-02-03", "buy", quantity="1", price="1",
                    fx_rate="1", cash_amount="1")
    assert both.value.field == "cash_amount"


# --- edits and deletes -------------------------------------------------------------------


def test_editing_a_trade_edits_its_cash_leg_and_deleting_removes_it(folio_any: Folio) -> None:
    f = folio_any
    etf = f.asset("VWCE")
    t = f.trade(f.depot, etf, "2024-02-01", "buy", quantity="10", price="100")
    edited = trades.update_trade(f.owner, t.id, price="101", date=dt.date(2024, 2, 5))
    assert edited.transaction_id == t.transaction_id
    assert accounts.balance(f.owner, f.depot.id) == -101000
    # becoming a transfer in, it moves no cash: the transaction goes
    moved = trades.update_trade(f.owner, t.id, kind="transfer_in")
    assert (moved.cash_minor, moved.transaction_id) == (0, None)
    assert accounts.balance(f.owner, f.depot.id) == 0
    back = trades.update_trade(f.owner, t.id, kind="buy")
    assert back.transaction_id is not None
    trades.delete_trade(f.owner, t.id)
    assert trades.list_trades(f.owner) == []
    assert accounts.balance(f.owner, f.depot.id) == 0


def test_the_cash_legs_category_survives_an_edit_of_the_trade(folio: Folio,
                                                                small_book: Any) -> None:
    etf = folio.asset("VWCE")
    t = folio.trade(folio.depot, etf, "2024-02-01", "dividend", amount="10")
    assert t.transaction_id is not None
    tx.update_transaction(folio.owner, t.transaction_id,
                          category_id=small_book.categories["Interest"])
    trades.update_trade(folio.owner, t.id, amount="11")
    [row] = [r for r in list_transactions(folio.owner).rows
             if r.id == t.transaction_id]
    assert (row.amount_minor, row.category_id) == (1100, small_book.categories["Interest"])


# --- refusals ------------------------------------------------------------------------------


def refused(folio: Folio, asset: assets.AssetView, day: str, kind: str,
            account: accounts.AccountView | None = None, **numbers: Any) -> ValidationError:
    with pytest.raises(ValidationError) as err:
        folio.trade(account or folio.depot, asset, day, kind, **numbers)
    return err.value


def test_selling_more_than_held_then_is_refused_even_when_back_dated(folio_any: Folio) -> None:
    f = folio_any
    etf = f.asset("VWCE")
    buy = f.trade(f.depot, etf, "2024-03-01", "buy", quantity="10", price="100")
    f.trade(f.depot, etf, "2024-04-01", "sell", quantity="8", price="100")
    # a sale dated before the buy: nothing was held then
    err = refused(f, etf, "2024-02-01", "sell", quantity="1", price="100")
    assert err.field == "quantity"
    assert "more than the 0 held" in err.message
    # a back-dated sale of 3 on 2024-03-15 fits then, but leaves 7 for the later sale of 8
    err = refused(f, etf, "2024-03-15", "sell", quantity="3", price="100")
    assert err.field == "quantity"
    assert "2024-04-01" in err.message
    # moving the buy after the sale, or deleting it, would oversell too
    with pytest.raises(ValidationError, match="quantity"):
        trades.update_trade(f.owner, buy.id, date=dt.date(2024, 5, 1))
    with pytest.raises(ValidationError, match="quantity"):
        trades.delete_trade(f.owner, buy.id)
    assert len(trades.list_trades(f.owner)) == 2


def test_each_bad_field_is_named(folio: Folio, small_book: Any) -> None:
    etf = folio.asset("VWCE")
    assert refused(folio, etf, "2024-02-01", "split", quantity="0").field == "quantity"
    assert "ratio" in refused(folio, etf, "2024-02-01", "split", quantity="0").message
    assert refused(folio, etf, "2023-12-31", "buy", quantity="1", price="1").field == "date"
    err = refused(folio, etf, "2024-02-01", "buy", small_book.checking, quantity="1",
                  price="1")
    assert err.field == "account"
    assert "investment" in err.message
    for name in ("quantity", "price", "fees"):
        numbers: dict[str, Any] = {"quantity": "1", "price": "1", "fees": "0"} | {name: "-1"}
        assert refused(folio, etf, "2024-02-01", "buy", **numbers).field == name
    assert refused(folio, etf, "2024-02-01", "buy", quantity="1", price="0").field == "price"
    assert refused(folio, etf, "2024-02-01", "dividend").field == "amount"
    assert refused(folio, etf, "2024-02-01", "fee").field == "fees"
    assert refused(folio, etf, "2024-02-01", "split", quantity="2", fees="1").field == "fees"
    assert refused(folio, etf, "2024-02-01", "buy", quantity="1e-19", price="1").field == \
        "quantity"
    assert refused(folio, etf, "2024-02-01", "buy", quantity=1.5, price="1").field == "quantity"
    assert refused(folio, etf, "2024-02-01", "swap").field == "kind"
    folio.trade(folio.depot, etf, "2024-02-01", "buy", quantity="1", price="1",
                external_id="ORD-1")
    assert refused(folio, etf, "2024-02-02", "buy", quantity="1", price="1",
                   external_id="ORD-1").field == "external_id"
    trades.delete_trade(folio.owner, trades.list_trades(folio.owner)[0].id)
    assert trades.list_trades(folio.owner) == []


def test_a_trade_dated_tomorrow_is_refused(folio: Folio, today: dt.date) -> None:
    etf = folio.asset("VWCE")
    tomorrow = today + dt.timedelta(days=1)
    err = refused(folio, etf, tomorrow.isoformat(), "buy", quantity="1", price="1")
    assert err.field == "date"
    assert "future" in err.message
    assert folio.trade(folio.depot, etf, today.isoformat(), "buy", quantity="1",
                       price="1").date == today


def test_a_viewer_can_read_but_not_write(folio: Folio) -> None:
    etf = folio.asset("VWCE")
    t = folio.trade(folio.depot, etf, "2024-02-01", "buy", quantity="1", price="1")
    data = TradeInput(folio.depot.id, etf.id, dt.date(2024, 2, 2), "buy", "1", "1")
    for write in (lambda: trades.add_trade(folio.viewer, data),
                  lambda: trades.update_trade(folio.viewer, t.id, price="2"),
                  lambda: trades.delete_trade(folio.viewer, t.id),
                  lambda: assets.add_asset(folio.viewer, AssetInput("BTC", "crypto", "EUR")),
                  lambda: lots.set_cost_basis(folio.viewer, folio.depot.id, "lifo")):
        with pytest.raises(PermissionDenied):
            write()
    assert trades.list_trades(folio.viewer) == trades.list_trades(folio.owner)
    assert lots.get_cost_basis(folio.viewer, folio.depot.id) is CostBasisMethod.FIFO


# --- assets and cost basis --------------------------------------------------------------------


def test_assets_get_a_price_source_by_kind(folio: Folio) -> None:
    btc = folio.asset("btc", "crypto", "EUR")
    house = folio.asset("HOUSE", "other", "EUR", name="Flat in Leipzig")
    aapl = folio.asset("AAPL", "stock", "USD")
    assert (btc.symbol, btc.provider, btc.provider_id) == ("BTC", PriceProvider.COINGECKO,
                                                           "bitcoin")
    assert (house.provider, house.provider_id) == (PriceProvider.MANUAL, "HOUSE")
    assert (aapl.provider, aapl.provider_id) == (PriceProvider.YAHOO, "AAPL")
    with pytest.raises(ValidationError) as err:
        folio.asset("NEWCOIN", "crypto", "EUR")
    assert err.value.field == "provider_id"
    assert folio.asset("NEWCOIN", "crypto", "EUR", provider_id="new-coin").provider_id == \
        "new-coin"
    for bad, field in ((("", "etf", "EUR"), "symbol"), (("X1", "tulip", "EUR"), "kind"),
                       (("X2", "etf", "EURO"), "currency"), (("BTC", "crypto", "EUR"), "symbol")):
        with pytest.raises(ValidationError) as e:
            folio.asset(*bad)
        assert e.value.field == field
    renamed = assets.update_asset(folio.owner, aapl.id, symbol="VWCE.DE", kind="etf")
    assert (renamed.symbol, renamed.provider_id) == ("VWCE.DE", "VWCE.DE")


def test_an_asset_with_trades_cannot_be_deleted(folio: Folio) -> None:
    etf = folio.asset("VWCE")
    folio.trade(folio.depot, etf, "2024-02-01", "buy", quantity="1", price="1")
    with pytest.raises(Conflict, match="1 trade"):
        assets.delete_asset(folio.owner, etf.id)
    with pytest.raises(ValidationError) as err:
        assets.update_asset(folio.owner, etf.id, currency="USD")
    assert err.value.field == "currency"
    unused = folio.asset("UNUSED")
    assets.delete_asset(folio.owner, unused.id)
    assert [a.symbol for a in assets.list_assets(folio.owner)] == ["VWCE"]


def test_the_cost_basis_method_is_chosen_per_account(folio_any: Folio) -> None:
    f = folio_any
    etf = f.asset("VWCE")
    for day, price in (("2024-02-01", "100"), ("2024-03-01", "200")):
        f.trade(f.depot, etf, day, "buy", quantity="1", price=price)
    f.trade(f.depot, etf, "2024-04-01", "sell", quantity="1", price="250")
    assert lots.holdings(f.owner)[0].cost == D(200)  # FIFO sold the 100 one
    assert lots.set_cost_basis(f.owner, f.depot.id, "lifo") is CostBasisMethod.LIFO
    assert lots.holdings(f.owner)[0].cost == D(100)
    lots.set_cost_basis(f.owner, f.depot.id, "average")
    assert lots.holdings(f.owner)[0].cost == D(150)
    with pytest.raises(ValidationError) as err:
        lots.set_cost_basis(f.owner, f.depot.id, "hifo")
    assert err.value.field == "method"


def test_a_trade_and_its_cash_leg_are_stored_together_or_not_at_all(
        folio: Folio, monkeypatch: pytest.MonkeyPatch) -> None:
    etf = folio.asset("VWCE")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(tx, "add_in_session", broken)
    with pytest.raises(RuntimeError):
        folio.trade(folio.depot, etf, "2024-02-01", "buy", quantity="1", price="1")
    assert trades.list_trades(folio.owner) == []
    assert accounts.balance(folio.owner, folio.depot.id) == 0
