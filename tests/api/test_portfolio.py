"""The portfolio over HTTP: assets and trades (CRUD, ETags), holdings with their lots,
valuation with stale prices and unvalued holdings named, performance, realised gains and
their export, manual prices; validation problems naming the field; 401, 403 and 404."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest

from fintrack_core.ledger.accounts import create_account
from tests.api.conftest import Api

PROBLEM = "application/problem+json"


def depot(api: Api) -> int:
    """Alice's EUR investment account, opened 2024-01-01 with 5,000 cash."""
    return create_account(api.book.owner, "Depot", "investment", "EUR", "5000",
                          dt.date(2024, 1, 1)).id


def asset(api: Api, symbol: str = "VWCE", **fields: Any) -> dict[str, Any]:
    body = {"symbol": symbol, "kind": "etf", "currency": "EUR", "provider": "manual", **fields}
    made = api.client.post(api.path("assets"), headers=api.alice, json=body)
    assert made.status_code == 201, made.text
    return dict(made.json())


def trade(api: Api, account_id: int, asset_id: int, day: str, kind: str,
          **numbers: str) -> dict[str, Any]:
    made = api.client.post(api.path("trades"), headers=api.alice, json={
        "account_id": account_id, "asset_id": asset_id, "date": day, "kind": kind, **numbers})
    assert made.status_code == 201, made.text
    return dict(made.json())


def fields_of(answer: Any) -> list[str]:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == PROBLEM
    return [e["field"] for e in answer.json()["errors"]]


# --- assets ----------------------------------------------------------------------------------


def test_an_asset_is_created_read_changed_and_deleted_with_etags(api: Api) -> None:
    made = api.client.post(api.path("assets"), headers=api.alice,
                           json={"symbol": "btc", "kind": "crypto", "currency": "USD"})
    assert made.status_code == 201, made.text
    btc = made.json()
    assert (btc["symbol"], btc["provider"], btc["provider_id"]) == ("BTC", "coingecko",
                                                                   "bitcoin")
    assert made.headers["Location"].endswith(f"/assets/{btc['id']}")
    path = api.path(f"assets/{btc['id']}")
    assert api.client.get(path, headers=api.alice).headers["ETag"] == made.headers["ETag"]
    changed = api.client.patch(path, headers={**api.alice, "If-Match": made.headers["ETag"]},
                               json={"name": "Bitcoin"})
    assert changed.json()["name"] == "Bitcoin"
    stale = api.client.delete(path, headers={**api.alice, "If-Match": made.headers["ETag"]})
    assert stale.status_code == 412
    assert stale.headers["content-type"] == PROBLEM
    assert api.client.delete(path, headers=api.alice).status_code == 204
    assert api.client.get(path, headers=api.alice).status_code == 404
    assert api.get("assets", api.alice).json() == []


def test_an_asset_with_trades_cannot_be_deleted(api: Api) -> None:
    etf = asset(api)
    trade(api, depot(api), etf["id"], "2024-02-01", "buy", quantity="1", price="100")
    refused = api.client.delete(api.path(f"assets/{etf['id']}"), headers=api.alice)
    assert refused.status_code == 409
    assert "delete them first" in refused.json()["detail"]


@pytest.mark.parametrize(("body", "field"), [
    ({"symbol": "HOUSE", "kind": "house", "currency": "EUR"}, "kind"),
    ({"symbol": "", "kind": "etf", "currency": "EUR"}, "symbol"),
    ({"symbol": "A B", "kind": "etf", "currency": "EUR"}, "symbol"),
    ({"symbol": "VWCE", "kind": "etf", "currency": "EURO"}, "currency"),
    ({"symbol": "XYZQ", "kind": "crypto", "currency": "USD"}, "provider_id"),
    ({"symbol": "VWCE", "kind": "etf", "currency": "EUR", "colour": "red"}, "colour"),
    ({"kind": "etf", "currency": "EUR"}, "symbol"),
    ({"symbol": "ODD", "kind": "other", "currency": "XXX"}, "currency"),  # ISO: no currency
    ({"symbol": "ODD", "kind": "other", "currency": "XTS"}, "currency"),  # ISO: testing
])
def test_invalid_assets_are_422_problems_naming_the_field(
        api: Api, body: dict[str, Any], field: str) -> None:
    answer = api.client.post(api.path("assets"), headers=api.alice, json=body)
    assert field in fields_of(answer)


def test_a_second_asset_with_the_same_symbol_names_the_symbol(api: Api) -> None:
    asset(api)
    again = api.client.post(api.path("assets"), headers=api.alice,
                            json={"symbol": "vwce", "kind": "etf", "currency": "EUR"})
    assert fields_of(again) == ["symbol"]


# --- trades ----------------------------------------------------------------------------------


def test_a_trade_keeps_exact_quantities_and_books_its_cash_leg(api: Api) -> None:
    account, etf = depot(api), asset(api)
    made = trade(api, account, etf["id"], "2024-02-01", "buy", quantity="2.5",
                 price="100.10", fees="1.50")
    assert made["quantity"] == "2.5"
    assert made["price"] == {"amount": "100.1", "currency": "EUR"}
    assert made["fees"] == {"amount": "1.50", "currency": "EUR"}
    assert made["cash"] == {"amount": "-251.75", "currency": "EUR"}  # 2.5 x 100.10 + 1.50
    leg = api.get(f"transactions/{made['transaction_id']}", api.alice).json()
    assert leg["amount"] == {"amount": "-251.75", "currency": "EUR"}


def test_trades_are_listed_by_account_and_asset(api: Api) -> None:
    account, etf, gold = depot(api), asset(api), asset(api, "GOLD", kind="other")
    trade(api, account, etf["id"], "2024-02-01", "buy", quantity="3", price="100")
    trade(api, account, gold["id"], "2024-02-02", "buy", quantity="1", price="1900")
    everything = api.get("trades", api.alice).json()
    assert [t["symbol"] for t in everything] == ["VWCE", "GOLD"]
    only_gold = api.get("trades", api.alice, params={"asset_id": gold["id"]}).json()
    assert [t["symbol"] for t in only_gold] == ["GOLD"]
    in_depot = api.get("trades", api.alice, params={"account_id": account}).json()
    assert len(in_depot) == 2
    not_a_depot = api.get("trades", api.alice, params={"account_id": api.book.checking.id})
    assert fields_of(not_a_depot) == ["account"]


@pytest.mark.parametrize(("change", "field"), [
    ({"quantity": 1.5}, "quantity"),
    ({"quantity": "a lot"}, "quantity"),
    ({"quantity": "-1"}, "quantity"),
    ({"quantity": "\u0663"}, "quantity"),  # Arabic-Indic 3: Decimal() reads 3
    ({"price": "\uff11\uff10\uff10"}, "price"),  # fullwidth 100
    ({"kind": "gift"}, "kind"),
    ({"price": "0"}, "price"),
    ({"date": "2099-01-01"}, "date"),
    ({"date": "2023-12-31"}, "date"),  # before the depot was opened
    ({"kind": "sell", "quantity": "11"}, "quantity"),  # more than the 10 held
    ({"kind": "dividend", "quantity": "0", "price": "0"}, "amount"),
    ({"notes": "x", "colour": "red"}, "colour"),
])
def test_invalid_trades_are_422_problems_naming_the_field(
        api: Api, change: dict[str, Any], field: str) -> None:
    account, etf = depot(api), asset(api)
    trade(api, account, etf["id"], "2024-02-01", "buy", quantity="10", price="100")
    body = {"account_id": account, "asset_id": etf["id"], "date": "2024-03-01",
            "kind": "buy", "quantity": "1", "price": "100", **change}
    answer = api.client.post(api.path("trades"), headers=api.alice, json=body)
    assert field in fields_of(answer)


def test_a_trade_in_a_checking_account_names_the_account(api: Api) -> None:
    etf = asset(api)
    answer = api.client.post(api.path("trades"), headers=api.alice, json={
        "account_id": api.book.checking.id, "asset_id": etf["id"], "date": "2024-02-01",
        "kind": "buy", "quantity": "1", "price": "100"})
    assert fields_of(answer) == ["account"]


def test_a_trade_is_changed_with_if_match_and_deleted_with_its_cash_leg(api: Api) -> None:
    account, etf = depot(api), asset(api)
    made = api.client.post(api.path("trades"), headers=api.alice, json={
        "account_id": account, "asset_id": etf["id"], "date": "2024-02-01", "kind": "buy",
        "quantity": "10", "price": "100"})
    path, etag = api.path(f"trades/{made.json()['id']}"), made.headers["ETag"]
    changed = api.client.patch(path, headers={**api.alice, "If-Match": etag},
                               json={"quantity": "12", "notes": "savings plan"})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["quantity"], changed.json()["cash"]["amount"]) == ("12", "-1200.00")
    stale = api.client.patch(path, headers={**api.alice, "If-Match": etag},
                             json={"notes": "older copy"})
    assert stale.status_code == 412
    nulled = api.client.patch(path, headers=api.alice, json={"quantity": None})
    assert fields_of(nulled) == ["quantity"]
    assert api.client.delete(path, headers=api.alice).status_code == 204
    leg = api.get(f"transactions/{made.json()['transaction_id']}", api.alice)
    assert leg.status_code == 404


def test_a_sale_that_later_trades_need_cannot_be_deleted_away(api: Api) -> None:
    account, etf = depot(api), asset(api)
    buy = trade(api, account, etf["id"], "2024-02-01", "buy", quantity="10", price="100")
    trade(api, account, etf["id"], "2024-03-01", "sell", quantity="10", price="110")
    answer = api.client.delete(api.path(f"trades/{buy['id']}"), headers=api.alice)
    assert fields_of(answer) == ["quantity"]


# --- holdings, valuation, performance, gains -------------------------------------------------


def bought_and_sold(api: Api) -> tuple[int, dict[str, Any]]:
    """10 VWCE at 100 and 5 at 120, then 12 sold at 130 (FIFO: all of the first lot, 2 of
    the second); 3 left at 120."""
    account, etf = depot(api), asset(api)
    trade(api, account, etf["id"], "2024-02-01", "buy", quantity="10", price="100")
    trade(api, account, etf["id"], "2024-02-15", "buy", quantity="5", price="120")
    trade(api, account, etf["id"], "2024-03-01", "sell", quantity="12", price="130")
    return account, etf


def test_holdings_show_the_open_lots_in_exact_decimals(api: Api) -> None:
    bought_and_sold(api)
    [held] = api.get("holdings", api.alice).json()
    assert (held["symbol"], held["method"], held["quantity"]) == ("VWCE", "fifo", "3")
    assert held["cost"] == {"amount": "360.00", "currency": "EUR"}
    [lot] = held["lots"]
    assert (lot["acquired"], lot["quantity"], lot["unit_cost"]["amount"]) == (
        "2024-02-15", "3", "120.00")
    before_the_sale = api.get("holdings", api.alice, params={"on": "2024-02-20"}).json()
    assert before_the_sale[0]["quantity"] == "15"
    assert fields_of(api.get("holdings", api.alice, params={"on": "someday"})) == ["on"]
    assert fields_of(api.get("valuation", api.alice, params={"on": "0001-01-01"})) == ["on"]


def test_the_valuation_names_holdings_without_a_price_and_leaves_them_out(api: Api) -> None:
    account, etf = bought_and_sold(api)
    gold = asset(api, "GOLD", kind="other")
    trade(api, account, gold["id"], "2024-03-02", "buy", quantity="1", price="1900")
    priced = api.client.post(api.path(f"assets/{etf['id']}/prices"), headers=api.alice,
                             json={"date": "2024-03-28", "price": "125.50"})
    assert priced.status_code == 201, priced.text
    assert priced.json()["price"] == {"amount": "125.50", "currency": "EUR"}
    v = api.get("valuation", api.alice, params={"on": "2024-03-31"}).json()
    by_symbol = {h["symbol"]: h for h in v["holdings"]}
    vwce = by_symbol["VWCE"]
    assert vwce["value"] == {"amount": "376.50", "currency": "EUR"}  # 3 x 125.50
    assert (vwce["price"]["date"], vwce["price_age_days"], vwce["stale"]) == (
        "2024-03-28", 3, False)  # the book's own price is never stale
    assert by_symbol["GOLD"]["value"] is None
    assert by_symbol["GOLD"]["stale"] is True
    assert v["unvalued"] == [{"account_id": account, "account": "Depot", "symbol": "GOLD"}]
    assert v["complete"] is False
    assert any(line.startswith("GOLD (Depot): no price") for line in v["missing"])
    cash = {c["account"]: c["amount"]["amount"] for c in v["cash"]}
    assert cash["Depot"] == "3060.00"  # 5000 - 1000 - 600 + 1560 - 1900
    assert v["total_value"]["amount"] == "3436.50"  # 376.50 + the cash; GOLD left out


def test_performance_takes_a_period_and_a_benchmark(api: Api) -> None:
    _, etf = bought_and_sold(api)
    api.client.post(api.path(f"assets/{etf['id']}/prices"), headers=api.alice,
                    json={"date": "2024-03-28", "price": "125.50"})
    custom = {"period": "custom", "start": "2024-02-01", "end": "2024-03-31"}
    p = api.get("performance", api.alice, params=custom).json()
    assert (p["start"], p["end"], p["base_currency"]) == ("2024-02-01", "2024-03-31", "EUR")
    assert p["history"] is None
    assert set(p) >= {"twr_pct", "xirr_pct", "twr_text", "xirr_text", "difference_text"}
    with_bench = api.get("performance", api.alice,
                         params={**custom, "benchmark_asset_id": etf["id"]}).json()
    days = with_bench["history"]
    assert (days[0]["date"], days[-1]["date"]) == ("2024-02-01", "2024-03-31")
    assert days[-1]["value"]["currency"] == "EUR"
    for period in ("1M", "YTD", "1Y", "5Y", "max"):
        answer = api.get("performance", api.alice, params={"period": period})
        assert answer.status_code == 200, (period, answer.text)


@pytest.mark.parametrize(("query", "field"), [
    ({"period": "2W"}, "period"),
    ({"period": "custom"}, "start"),
    ({"period": "custom", "start": "2024-03-01", "end": "2024-02-01"}, "start"),
    ({"start": "yesterday"}, "start"),
    ({"benchmark_asset_id": 0}, "benchmark_asset_id"),
    ({"period": "custom", "start": "0001-01-01"}, "start"),  # its eve is no date at all
    ({"period": "custom", "start": "2024-01-01", "end": "9999-12-31"}, "end"),
])
def test_bad_performance_queries_are_422_naming_the_field(
        api: Api, query: dict[str, Any], field: str) -> None:
    bought_and_sold(api)
    assert field in fields_of(api.get("performance", api.alice, params=query))


def test_realised_gains_of_a_year_and_their_export(api: Api) -> None:
    bought_and_sold(api)
    report = api.get("realised-gains", api.alice, params={"year": 2024}).json()
    rows = [(r["acquired"], r["quantity"], r["gain"]["amount"]) for r in report["rows"]]
    assert rows == [("2024-02-01", "10", "300.00"), ("2024-02-15", "2", "20.00")]
    assert report["totals"] == [{"amount": "320.00", "currency": "EUR"}]
    assert report["total_base"] == {"amount": "320.00", "currency": "EUR"}
    assert api.get("realised-gains", api.alice, params={"year": 2023}).json()["rows"] == []
    exported = api.get("realised-gains/export", api.alice, params={"year": 2024})
    assert exported.headers["content-type"].startswith("text/csv")
    assert "realised-gains-2024" in exported.headers["content-disposition"]
    lines = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [line["gain"] for line in lines] == ["300.00", "20.00"]
    xlsx = api.get("realised-gains/export", api.alice, params={"year": 2024, "format": "xlsx"})
    assert xlsx.content[:2] == b"PK"  # a zip: the XLSX container
    assert fields_of(api.get("realised-gains/export", api.alice)) == ["year"]
    assert fields_of(api.get("realised-gains/export", api.alice,
                             params={"year": 2024, "format": "pdf"})) == ["format"]


@pytest.mark.parametrize(("body", "field"), [
    ({"date": "2024-03-28", "price": "-1"}, "price"),
    ({"date": "2024-03-28", "price": "1,5"}, "price"),
    ({"date": "2024-03-28", "price": 12.5}, "price"),
    ({"date": "2099-03-28", "price": "12.50"}, "date"),
    ({"date": "2024-03-28", "price": "12.50", "currency": "EURO"}, "currency"),
])
def test_invalid_manual_prices_are_422_naming_the_field(
        api: Api, body: dict[str, Any], field: str) -> None:
    etf = asset(api)
    answer = api.client.post(api.path(f"assets/{etf['id']}/prices"), headers=api.alice,
                             json=body)
    assert field in fields_of(answer)


# --- who may -------------------------------------------------------------------------------


def test_without_a_token_every_portfolio_route_is_401(api: Api) -> None:
    for rest in ("assets", "trades", "holdings", "valuation", "performance",
                 "realised-gains"):
        answer = api.client.get(api.path(rest))
        assert answer.status_code == 401, rest
        assert answer.headers["content-type"] == PROBLEM
    assert api.client.post(api.path("assets"), json={}).status_code == 401


def test_a_viewer_and_a_read_only_token_read_but_cannot_add(api: Api) -> None:
    etf = asset(api)
    body = {"symbol": "AAPL", "kind": "stock", "currency": "USD"}
    for headers in (api.jwt(api.book.viewer), api.pat(api.book.owner, "read")):
        assert api.get("assets", headers).json()[0]["id"] == etf["id"]
        refused = api.client.post(api.path("assets"), headers=headers, json=body)
        assert refused.status_code == 403
        assert refused.headers["content-type"] == PROBLEM
        price = api.client.post(api.path(f"assets/{etf['id']}/prices"), headers=headers,
                                json={"date": "2024-03-28", "price": "1"})
        assert price.status_code == 403
    assert len(api.get("assets", api.alice).json()) == 1


def test_another_books_assets_and_trades_are_not_found(api: Api) -> None:
    _, etf = bought_and_sold(api)
    sale = api.get("trades", api.alice).json()[-1]
    carol = api.pat(api.book.other)
    carols_book = api.book.other.book_id
    for rest in (f"assets/{etf['id']}", f"trades/{sale['id']}"):
        assert api.client.get(api.path(rest, carols_book), headers=carol).status_code == 404
        assert api.client.get(api.path(rest), headers=carol).status_code == 404
    bench = api.client.get(api.path("performance", carols_book), headers=carol,
                           params={"benchmark_asset_id": etf["id"]})
    assert bench.status_code == 404
    assert "VWCE" not in bench.text


def test_the_value_history_is_exact_money_where_floats_are_a_cent_off(api: Api) -> None:
    """3 units at 0.335 moved into an empty depot are worth exactly 1.005: 1.00 half-even,
    as the valuation says. As floats 3 x 0.335 is 1.0050000000000001: "1.01"."""
    empty = create_account(api.book.owner, "Empty depot", "investment", "EUR", "0",
                           dt.date(2024, 1, 1)).id
    penny = asset(api, "PENNY", kind="other")
    trade(api, empty, penny["id"], "2024-02-01", "transfer_in", quantity="3", price="0.335")
    api.client.post(api.path(f"assets/{penny['id']}/prices"), headers=api.alice,
                    json={"date": "2024-02-01", "price": "0.335"})
    answer = api.get("performance", api.alice, params={
        "period": "custom", "start": "2024-02-01", "end": "2024-02-01", "history": "true"})
    [day] = answer.json()["history"]
    assert day["value"] == {"amount": "1.00", "currency": "EUR"}
    assert day["invested"] == {"amount": "0.00", "currency": "EUR"}
    value = api.get("valuation", api.alice, params={"on": "2024-02-01"}).json()
    assert value["total_value"] == day["value"]
