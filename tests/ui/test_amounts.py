"""Amounts typed in the user's locale reach the core in its one plain form."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fintrack_core.errors import ValidationError
from fintrack_ui.amounts import local_amount_text, parse_local_amount


@pytest.mark.parametrize(("text", "locale", "amount"), [
    ("-42,50", "de_DE", "-42.50"),
    ("1.234,56", "de_DE", "1234.56"),
    ("1,234.56", "en_US", "1234.56"),
    ("-12.50", "en_US", "-12.50"),
    ("12.50", "de_DE", "12.50"),  # not a German number, but the plain form: read as such
    ("1 234,56", "fr_FR", "1234.56"),  # a plain space typed where fr_FR prints a narrow one
    ("\u221242,50", "de_DE", "-42.50"),  # the typographic minus
    ("  7 ", "en_US", "7"),
])
def test_an_amount_typed_in_the_users_locale_is_read_exactly(text: str, locale: str,
                                                            amount: str) -> None:
    assert parse_local_amount(text, locale) == Decimal(amount)


@pytest.mark.parametrize("text", ["", "abc", "1e5", "NaN", "\u0663", "1_000", "1,23",
                                  "99999999999999999999"])
def test_anything_else_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_local_amount(text, "en_US", field="Amount")
    assert err.value.field == "Amount"


def test_an_amount_is_shown_for_editing_in_the_users_locale_without_symbol() -> None:
    assert local_amount_text(-308270, "EUR", "de_DE") == "-3.082,70"
    assert local_amount_text(-308270, "EUR", "en_US") == "-3,082.70"
    assert local_amount_text(1500, "JPY", "en_US") == "1,500"


def test_what_is_shown_reads_back_as_the_same_amount() -> None:
    for locale in ("de_DE", "en_US", "fr_FR", "de_CH"):
        text = local_amount_text(-123456789, "EUR", locale)
        assert parse_local_amount(text, locale) == Decimal("-1234567.89")
