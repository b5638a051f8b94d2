"""Amounts as people type and read them in their own locale (``-42,50`` in a German book).

The core parses one plain form (``-42.50``, :func:`fintrack_core.money.parse_amount`); forms
accept the user's locale first and hand the core that plain form, so every size and format
check stays the core's.
"""

from __future__ import annotations

import re
from decimal import Decimal

from babel import Locale
from babel.numbers import NumberFormatError, format_decimal, parse_decimal

from fintrack_core.errors import ValidationError
from fintrack_core.money import exponent, parse_amount

_SPACES = "\u0020\u00a0\u202f\u2009"  # typed, no-break and narrow no-break (fr, ch) spaces
_MINUS = "\u2212"  # the typographic minus some locales print


def parse_local_amount(text: str, locale: str, field: str = "amount") -> Decimal:
    """``text`` in the user's locale (``1.234,56`` in de_DE) or in the plain form.

    Only ASCII digits, a sign and the locale's decimal and group symbols pass: Babel would also
    read ``1e5``, ``NaN`` or digits of other scripts, which no one types as an amount. Text
    that is not a well-formed number of the locale but is one in the plain form (``12.50`` in
    de_DE, where ``.`` groups thousands) is read in the plain form.
    """
    if not isinstance(text, str):
        raise ValidationError(field, f"{text!r} is not an amount in text form")
    stripped = text.strip().replace(_MINUS, "-")
    if not stripped:
        raise ValidationError(field, "is empty")
    symbols = Locale.parse(locale).number_symbols.get("latn", {})
    decimal, group = symbols.get("decimal", "."), symbols.get("group", ",")
    if group in _SPACES:  # "1 234,56" typed with a plain space in fr_FR
        stripped = re.sub(f"[{_SPACES}]", group, stripped)
    allowed = set("0123456789+-") | {decimal, group}
    if set(stripped) <= allowed:
        try:
            value = parse_decimal(stripped, locale, strict=True)
        except NumberFormatError:
            pass
        else:
            return parse_amount(format(value, "f"), field)  # the core's size checks
    try:
        return parse_amount(stripped, field)
    except ValidationError:
        example = format_decimal(Decimal("-1234.56"), locale=locale)
        raise ValidationError(field, f"{text!r} is not an amount (e.g. {example})") from None


def local_amount_text(minor: int, currency: str, locale: str) -> str:
    """An amount without its currency symbol, as the user types it back (``-3.082,70``)."""
    places = exponent(currency)
    value = Decimal(minor).scaleb(-places)
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(value, format=pattern, locale=locale)
