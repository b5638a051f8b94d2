"""Numbers people type into the portfolio and the ledger are ASCII digits: ``Decimal('٣')``
is 3 and ``Decimal('１０')`` is 10, so digits of other scripts would be silently read as a
number nobody saw. They are refused naming the field, and nothing is stored. Currency codes
that are no money (ISO 4217's "XXX", no currency, and "XTS", for testing) are refused too."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from fintrack_core.errors import ValidationError
from fintrack_core.ledger import accounts, books
from fintrack_core.ledger.fx import set_rate
from fintrack_core.money import check_currency, exponent, to_decimal
from fintrack_core.portfolio import trades
from fintrack_core.prices import set_price
from tests.core.portfolio.conftest import Folio

ARABIC_INDIC_3 = "\u0663"  # ٣
FULLWIDTH_10 = "\uff11\uff10"  # １０
DEVANAGARI_5 = "\u096b"  # ५


@pytest.mark.parametrize(("field", "numbers"), [
    ("quantity", {"quantity": ARABIC_INDIC_3, "price": "100"}),
    ("price", {"quantity": "3", "price": FULLWIDTH_10}),
    ("price", {"quantity": "3", "price": f"1{DEVANAGARI_5}.50"}),
    ("fees", {"quantity": "3", "price": "100", "fees": ARABIC_INDIC_3}),
])
def test_a_trade_typed_with_other_scripts_digits_is_refused_naming_the_field(
        folio: Folio, field: str, numbers: dict[str, str]) -> None:
    etf = folio.asset("VWCE")
    with pytest.raises(ValidationError) as err:
        folio.trade(folio.depot, etf, "2024-02-01", "buy", **numbers)
    assert err.value.field == field
    assert "0-9" in err.value.message
    assert trades.list_trades(folio.owner) == []


def test_a_dividend_amount_in_arabic_indic_digits_is_refused(folio: Folio) -> None:
    etf = folio.asset("VWCE")
    with pytest.raises(ValidationError) as err:
        folio.trade(folio.depot, etf, "2024-02-01", "dividend", amount="\u0661\u0662.50")
    assert err.value.field == "amount"


def test_the_same_trade_in_ascii_digits_is_stored(folio: Folio) -> None:
    etf = folio.asset("VWCE")
    stored = folio.trade(folio.depot, etf, "2024-02-01", "buy", quantity="3", price="10",
                         fees="1.50")
    assert (stored.quantity, stored.price) == (Decimal(3), Decimal(10))


def test_a_manual_price_in_other_scripts_digits_is_refused(folio: Folio) -> None:
    etf = folio.asset("HOUSE", "other")
    for typed in (ARABIC_INDIC_3, FULLWIDTH_10, f"{ARABIC_INDIC_3}.5"):
        with pytest.raises(ValidationError) as err:
            set_price(folio.owner, etf.id, dt.date(2024, 2, 1), typed,
                      today=dt.date(2024, 3, 1))
        assert err.value.field == "price"


def test_an_exchange_rate_in_other_scripts_digits_is_refused(folio: Folio) -> None:
    with pytest.raises(ValidationError) as err:
        set_rate(folio.owner, "USD", "EUR", dt.date(2024, 2, 1), f"0.9{ARABIC_INDIC_3}")
    assert err.value.field == "rate"
    assert set_rate(folio.owner, "USD", "EUR", dt.date(2024, 2, 1), "0.93").rate == \
        Decimal("0.93")


def test_a_ledger_amount_in_other_scripts_digits_is_refused(small_book: Any) -> None:
    with pytest.raises(ValidationError) as err:
        accounts.create_account(small_book.owner, "Cash box", "cash", "EUR", FULLWIDTH_10,
                                dt.date(2024, 1, 1))
    assert err.value.field == "opening_balance"


@pytest.mark.parametrize(("code", "why"), [("XXX", "no currency"), ("xts", "testing")])
def test_codes_that_are_no_money_are_refused_as_currencies(folio: Folio, code: str,
                                                           why: str) -> None:
    with pytest.raises(ValidationError) as err:
        accounts.create_account(folio.owner, "Odd", "checking", code, "0", dt.date(2024, 1, 1))
    assert err.value.field == "currency"
    assert why in err.value.message
    with pytest.raises(ValidationError) as err:
        folio.asset("ODD", "other", code)
    assert err.value.field == "currency"
    with pytest.raises(ValidationError) as err:
        books.create_book(folio.db, folio.owner.user_id, "Test book", code)
    assert err.value.field == "base_currency"
    assert check_currency("eur") == "EUR"


def test_an_amount_stored_in_xxx_before_the_refusal_still_reads() -> None:
    assert exponent("XXX") == 2  # CLDR's default
    assert to_decimal(500, "XXX") == Decimal("5.00")
