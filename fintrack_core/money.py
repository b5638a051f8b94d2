"""Exact money: integer minor units in storage, ``Decimal`` at the edges, never ``float``.

A currency's exponent (USD 2, JPY 0, BHD 3) comes from CLDR through Babel, so there is one
table for the whole program instead of per-call-site guesses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import cache

from babel.core import UnknownLocaleError
from babel.numbers import format_currency, get_currency_precision, list_currencies

from fintrack_core.errors import ValidationError

DEFAULT_LOCALE = "en_US"

# Amounts are stored as int64 minor units (SQLite INTEGER, PostgreSQL and DuckDB BIGINT, at
# most 9.22e18). Twelve whole digits (below one trillion) times 1,000 for three-decimal
# currencies is 1e15 minor units: thousands of such amounts still add up without overflow,
# and statement imports hold amounts at a 1e-6 scale in int64 (1e12 * 1e6 = 1e18). The
# importer (``imports.amounts``) uses the same bound, so every interface refuses the same.
MAX_WHOLE_DIGITS = 12
MAX_AMOUNT = Decimal(10) ** MAX_WHOLE_DIGITS  # exclusive bound on the size of an amount
# What a person may type: ASCII digits, one '.', an optional sign. ``Decimal()`` alone would
# also take '1_000', '1e309', Arabic-Indic '١٢٣' and fullwidth '１２３' digits.
_AMOUNT_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


@cache
def known_currencies() -> frozenset[str]:
    """ISO 4217 codes Babel knows (CLDR)."""
    return frozenset(list_currencies())


# ISO 4217 codes that name no money: "XXX" is the code for "no currency", "XTS" is reserved
# for testing. CLDR lists both, so Babel alone would take them as an account's currency.
NOT_MONEY = {"XXX": "ISO 4217's code for 'no currency'", "XTS": "reserved for testing"}


def _known(code: str, field: str) -> str:
    norm = (code or "").strip().upper()
    if len(norm) != 3 or norm not in known_currencies():
        raise ValidationError(
            field, f"unknown currency code {code!r} (expected ISO 4217, e.g. EUR)")
    return norm


def check_currency(code: str, field: str = "currency") -> str:
    """Normalise and validate an ISO 4217 code, naming ``field`` when it is wrong.

    Codes that are not money (``NOT_MONEY``) are refused too: an account or asset in them
    could be neither valued nor converted."""
    norm = _known(code, field)
    if norm in NOT_MONEY:
        raise ValidationError(field, f"{norm} is {NOT_MONEY[norm]}, not a currency money can "
                                     "be held in; give a real one, e.g. EUR")
    return norm


@cache
def exponent(currency: str) -> int:
    """Number of decimal places of ``currency``'s minor unit (USD 2, JPY 0, BHD 3).

    Any code CLDR knows, ``NOT_MONEY`` ones included: it reads stored amounts too, and a row
    written before those codes were refused must still show."""
    return int(get_currency_precision(_known(currency, "currency")))


def check_amount_size(value: Decimal, field: str = "amount") -> Decimal:
    """Refuse non-finite amounts and amounts of ``MAX_WHOLE_DIGITS`` or more whole digits.

    Compared before any scaling, so ``1E+999999999`` never builds a billion digits.
    """
    if not value.is_finite():
        raise ValidationError(field, f"{value} is not a finite number")
    # ``adjusted()`` (the exponent of the leading digit) involves no arithmetic: ``abs()`` of
    # 1E+999999999 would overflow the decimal context instead of answering.
    if value and value.adjusted() >= MAX_WHOLE_DIGITS:
        raise ValidationError(field, f"{value} is too large: amounts must be below "
                                     f"{MAX_AMOUNT:,.0f} ({MAX_WHOLE_DIGITS} whole digits)")
    return value


def parse_amount(text: str, field: str = "amount", example: str = "-12.50") -> Decimal:
    """The one parser of amounts people type (CLI, web forms, API): ``-12.50``, ``1000``.

    Only ASCII digits, an optional sign and a '.' point: no exponent, no '_' and no digits of
    other scripts, which ``Decimal()`` would all accept and silently reinterpret.
    """
    if not isinstance(text, str):
        raise ValidationError(field, f"{text!r} is not an amount in text form")
    stripped = text.strip()
    if not stripped:
        raise ValidationError(field, "is empty")
    if not _AMOUNT_TEXT.fullmatch(stripped):
        raise ValidationError(field, f"{text!r} is not a number (use the digits 0-9 and a '.' "
                                     f"point, e.g. {example})")
    try:
        value = Decimal(stripped)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise ValidationError(field, f"{text!r} is not a number") from None
    return check_amount_size(value, field)


def to_minor(amount: Decimal | int | str, currency: str, field: str = "amount") -> int:
    """Convert a decimal amount to integer minor units, refusing extra precision.

    Refusing (rather than rounding) ``12.345 USD`` is deliberate: silently rounding user input
    is how ledgers drift from statements. Text goes through ``parse_amount``; every amount is
    held to ``MAX_AMOUNT`` so the result fits the database's 64-bit integers.
    """
    if isinstance(amount, float | bool):
        raise ValidationError(field, f"amounts must not be {type(amount).__name__}s; pass a "
                                     "Decimal or a string")
    if isinstance(amount, Decimal):
        value = amount
    elif isinstance(amount, int):
        value = Decimal(amount)
    else:
        value = parse_amount(amount, field)
    check_amount_size(value, field)
    exp = exponent(currency)
    scaled = value.scaleb(exp)
    if scaled != scaled.to_integral_value():
        raise ValidationError(
            field, f"{value} has more decimals than {currency.upper()} allows ({exp})"
        )
    return int(scaled)


def to_decimal(minor: int, currency: str) -> Decimal:
    """Integer minor units back to a ``Decimal`` with the currency's exponent."""
    exp = exponent(currency)
    return Decimal(int(minor)).scaleb(-exp).quantize(Decimal(1).scaleb(-exp))


def format_money(minor: int, currency: str, locale: str | None = None) -> str:
    """Human display following the locale's conventions (``€1,234.50`` / ``1.234,50 €``)."""
    try:
        return format_currency(to_decimal(minor, currency), currency,
                               locale=locale or DEFAULT_LOCALE)
    except (UnknownLocaleError, ValueError):
        return format_currency(to_decimal(minor, currency), currency, locale=DEFAULT_LOCALE)


def convert_minor(minor: int, from_ccy: str, to_ccy: str, rate: Decimal) -> int:
    """Convert minor units with ``rate`` (1 from_ccy = rate to_ccy), rounding half-even once."""
    value = to_decimal(minor, from_ccy) * rate
    exp = exponent(to_ccy)
    return int(value.scaleb(exp).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


@dataclass(frozen=True, slots=True)
class Money:
    """An amount with its currency; the value object used at the edges."""

    minor: int
    currency: str

    @classmethod
    def parse(cls, amount: Decimal | int | str, currency: str, field: str = "amount") -> Money:
        ccy = check_currency(currency)
        return cls(to_minor(amount, ccy, field), ccy)

    @property
    def decimal(self) -> Decimal:
        return to_decimal(self.minor, self.currency)

    def format(self, locale: str | None = None) -> str:
        return format_money(self.minor, self.currency, locale)

    def __str__(self) -> str:
        return f"{self.decimal} {self.currency}"


def amount_bound(value: Decimal | int | str | None, field: str) -> Decimal | None:
    """A filter's amount bound, held to the same rules as any amount (None stays None).

    Why here and not in each interface: ``NaN``, ``Infinity`` or ``1e400`` typed into any
    filter box used to reach SQL and end in a traceback; every filter checks through this,
    text through ``parse_amount`` and a ``Decimal`` through ``check_amount_size``.
    """
    if value is None:
        return None
    if isinstance(value, float | bool):
        raise ValidationError(field, "amounts must not be floats; pass a Decimal or a string")
    if isinstance(value, Decimal):
        return check_amount_size(value, field)
    return parse_amount(str(value), field)
