"""Exact money: integer minor units in storage, ``Decimal`` at the edges, never ``float``.

A currency's exponent (USD 2, JPY 0, BHD 3) comes from CLDR through Babel, so there is one
table for the whole program instead of per-call-site guesses.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import cache

from babel.core import UnknownLocaleError
from babel.numbers import format_currency, get_currency_precision, list_currencies

from fintrack_core.errors import ValidationError

DEFAULT_LOCALE = "en_US"


@cache
def known_currencies() -> frozenset[str]:
    """ISO 4217 codes Babel knows (CLDR)."""
    return frozenset(list_currencies())


def check_currency(code: str, field: str = "currency") -> str:
    """Normalise and validate an ISO 4217 code, naming ``field`` when it is wrong."""
    norm = (code or "").strip().upper()
    if len(norm) != 3 or norm not in known_currencies():
        raise ValidationError(
            field, f"unknown currency code {code!r} (expected ISO 4217, e.g. EUR)")
    return norm


@cache
def exponent(currency: str) -> int:
    """Number of decimal places of ``currency``'s minor unit (USD 2, JPY 0, BHD 3)."""
    return int(get_currency_precision(check_currency(currency)))


def to_minor(amount: Decimal | int | str, currency: str, field: str = "amount") -> int:
    """Convert a decimal amount to integer minor units, refusing extra precision.

    Refusing (rather than rounding) ``12.345 USD`` is deliberate: silently rounding user input
    is how ledgers drift from statements.
    """
    if isinstance(amount, float):
        raise ValidationError(field, "amounts must not be floats; pass a Decimal or a string")
    try:
        value = Decimal(str(amount).strip()) if not isinstance(amount, Decimal) else amount
    except InvalidOperation:
        raise ValidationError(field, f"{amount!r} is not a number") from None
    if not value.is_finite():
        raise ValidationError(field, f"{amount!r} is not a finite number")
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


# A quadrillion: far above any real account, yet 10**15 in minor units of a 3-decimal currency
# (10**18) still fits the int64 columns and DuckDB's BIGINT, so a bound never overflows a query.
MAX_AMOUNT = Decimal(10) ** 15


def amount_bound(value: Decimal | int | str | None, field: str) -> Decimal | None:
    """A filter's amount bound as a finite ``Decimal`` of sensible size (None stays None).

    Why here and not in each interface: ``NaN``, ``Infinity`` or ``1e400`` typed into any
    filter box used to reach SQL and end in a traceback; every filter checks through this.
    """
    if value is None:
        return None
    if isinstance(value, float | bool):
        raise ValidationError(field, "amounts must not be floats; pass a Decimal or a string")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(field, f"{str(value)!r} is not a number") from None
    if not amount.is_finite():
        raise ValidationError(field, f"{str(value)!r} is not a finite number")
    if abs(amount) > MAX_AMOUNT:
        raise ValidationError(field, f"{value} is too large (at most {MAX_AMOUNT:,})")
    return amount
