"""Money is exact: integer minor units per ISO 4217 exponent, Decimal at the edges, no floats."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fintrack_core.errors import ValidationError
from fintrack_core.money import (
    MAX_AMOUNT,
    Money,
    check_currency,
    convert_minor,
    exponent,
    format_money,
    parse_amount,
    to_decimal,
    to_minor,
)


@pytest.mark.parametrize(
    ("currency", "places"),
    [("JPY", 0), ("KRW", 0), ("USD", 2), ("EUR", 2), ("GBP", 2), ("BHD", 3), ("KWD", 3),
     ("usd", 2)],
)
def test_exponent_comes_from_the_iso_table(currency: str, places: int) -> None:
    assert exponent(currency) == places


@pytest.mark.parametrize("code", ["XYZ", "EURO", "", "€"])
def test_unknown_currency_codes_are_refused_naming_the_field(code: str) -> None:
    with pytest.raises(ValidationError) as err:
        check_currency(code, "base_currency")
    assert err.value.field == "base_currency"


def test_currency_codes_are_normalised_to_upper_case() -> None:
    assert check_currency(" eur ") == "EUR"


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("12.34", "USD", 1234),
        ("-0.5", "EUR", -50),
        ("12.340", "USD", 1234),  # trailing zeros are not extra precision
        ("1000", "JPY", 1000),
        ("1.234", "BHD", 1234),
        (Decimal("2500.00"), "EUR", 250000),
        (7, "GBP", 700),
        (" 19.99 ", "EUR", 1999),
    ],
)
def test_to_minor_converts_exactly(amount: object, currency: str, minor: int) -> None:
    assert to_minor(amount, currency) == minor  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("12.345", "USD"), ("1.5", "JPY"), ("0.0001", "BHD"), ("0.001", "EUR")],
)
def test_to_minor_refuses_more_decimals_than_the_currency_allows(amount: str,
                                                                   currency: str) -> None:
    with pytest.raises(ValidationError) as err:
        to_minor(amount, currency, "opening_balance")
    assert err.value.field == "opening_balance"
    assert f"{currency} allows ({exponent(currency)})" in err.value.message


def test_to_minor_refuses_floats_even_when_they_look_exact() -> None:
    with pytest.raises(ValidationError) as err:
        to_minor(12.5, "EUR")  # type: ignore[arg-type]
    assert err.value.field == "amount"
    assert "float" in err.value.message


@pytest.mark.parametrize("text", ["abc", "12,50", "NaN", "Infinity", "",
                                  # Decimal() takes all of these; a person never means them:
                                  "1_000", "١٢٣", "１２３", "1e3", "1E+309", "--5", "1.2.3"])
def test_to_minor_refuses_non_numbers(text: str) -> None:
    with pytest.raises(ValidationError) as err:
        to_minor(text, "EUR")
    assert err.value.field == "amount"


@pytest.mark.parametrize("text", ["-12.50", "+3", ".5", "7.", " 19.99 "])
def test_parse_amount_takes_plain_decimals(text: str) -> None:
    assert parse_amount(text) == Decimal(text.strip())


@pytest.mark.parametrize(
    "amount",
    ["1000000000000", "-1000000000000.00", Decimal("1E+309"), Decimal("-99999999999999999999999"),
     10**30],
)
def test_amounts_past_twelve_whole_digits_are_refused_before_reaching_int64(
        amount: object) -> None:
    with pytest.raises(ValidationError) as err:
        to_minor(amount, "BHD", "opening_balance")  # type: ignore[arg-type]
    assert err.value.field == "opening_balance"
    assert "too large" in err.value.message


def test_the_largest_amount_fits_int64_with_room_for_sums() -> None:
    largest = to_minor("-999999999999.999", "BHD")
    assert largest == -(MAX_AMOUNT * 1000 - 1)
    assert abs(largest) * 9000 < 2**63


@pytest.mark.parametrize(
    ("text", "currency"),
    [("12.34", "USD"), ("-850.00", "EUR"), ("1000", "JPY"), ("0.125", "BHD"),
     ("99999999999.99", "EUR")],
)
def test_decimal_round_trip_keeps_value_and_exponent(text: str, currency: str) -> None:
    value = Decimal(text)
    back = to_decimal(to_minor(value, currency), currency)
    assert back == value
    assert back.as_tuple().exponent == -exponent(currency)


def test_to_decimal_shows_the_currency_places() -> None:
    assert str(to_decimal(1234, "USD")) == "12.34"
    assert str(to_decimal(-50, "EUR")) == "-0.50"
    assert str(to_decimal(1000, "JPY")) == "1000"
    assert str(to_decimal(1234, "BHD")) == "1.234"


@pytest.mark.parametrize(
    ("minor", "currency", "locale", "text"),
    [
        (123450, "EUR", "en_US", "€1,234.50"),
        (123450, "EUR", "de_DE", "1.234,50\xa0€"),
        (-123450, "USD", "en_US", "-$1,234.50"),
        (1235, "JPY", "en_US", "¥1,235"),
        (1234, "BHD", "en_US", "BHD1.234"),
    ],
)
def test_format_money_follows_the_locale(minor: int, currency: str, locale: str,
                                         text: str) -> None:
    assert format_money(minor, currency, locale) == text


def test_format_money_falls_back_to_en_us_for_an_unknown_locale() -> None:
    assert format_money(123450, "EUR", "xx_YY") == "€1,234.50"
    assert format_money(123450, "EUR") == "€1,234.50"


@pytest.mark.parametrize(
    ("minor", "src", "dst", "rate", "expected"),
    [
        (100, "USD", "EUR", "0.125", 12),  # 12.5 cents -> 12 (even)
        (300, "USD", "EUR", "0.125", 38),  # 37.5 cents -> 38 (even)
        (-100, "USD", "EUR", "0.125", -12),
        (1000, "JPY", "USD", "0.0067", 670),  # ¥1000 -> $6.70
        (1234, "USD", "JPY", "150.5", 1857),  # $12.34 -> ¥1857.17 -> ¥1857
        (1000, "EUR", "BHD", "0.4105", 4105),  # €10 -> 4.105 BHD (three places)
    ],
)
def test_convert_minor_rounds_half_even_once(minor: int, src: str, dst: str, rate: str,
                                             expected: int) -> None:
    assert convert_minor(minor, src, dst, Decimal(rate)) == expected


def test_convert_minor_with_a_derived_inverse_rate() -> None:
    # -27.10 USD at 1 EUR = 1.10 USD is -24.6363... EUR
    assert convert_minor(-2710, "USD", "EUR", Decimal(1) / Decimal("1.10")) == -2464


def test_money_value_object_parses_formats_and_prints() -> None:
    m = Money.parse("1234.5", "eur")
    assert m == Money(123450, "EUR")
    assert m.decimal == Decimal("1234.50")
    assert m.format("de_DE") == "1.234,50\xa0€"
    assert str(m) == "1234.50 EUR"


def test_money_parse_names_the_field() -> None:
    with pytest.raises(ValidationError) as err:
        Money.parse("1.234", "EUR", field="row 3: amount")
    assert err.value.field == "row 3: amount"


def test_an_absurd_exponent_is_refused_not_overflowed() -> None:
    from fintrack_core.money import check_amount_size

    with pytest.raises(ValidationError, match="too large"):
        check_amount_size(Decimal("1E+999999999"))
    with pytest.raises(ValidationError, match="too large"):
        check_amount_size(Decimal("-1E+12"))
    assert check_amount_size(Decimal("999999999999.999")) == Decimal("999999999999.999")
    assert check_amount_size(Decimal("1E-999999999")) == Decimal("1E-999999999")
