"""The cash leg of a trade: how much money a trade moves in its account, exactly.

See ``trades`` for the table of kinds. Why apart: this is the one place where a trade's
numbers become money, so its rounding rule (once, half to even, to the account currency's
minor unit) and its refusal to guess an exchange rate sit in a small module of their own.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import Protocol

from fintrack_core.db.models import Account
from fintrack_core.db.portfolio_models import Asset, TradeKind
from fintrack_core.errors import ValidationError
from fintrack_core.money import check_amount_size, exponent, parse_amount, to_minor
from fintrack_core.portfolio.lots import PRECISION

MAX_PLACES = 18  # decimal places of a quantity or price (crypto needs 8; some tokens 18)
UNITS = frozenset({TradeKind.BUY, TradeKind.SELL, TradeKind.REINVEST, TradeKind.TRANSFER_IN,
                   TradeKind.TRANSFER_OUT})
PRICED = frozenset({TradeKind.BUY, TradeKind.SELL, TradeKind.REINVEST})
AMOUNTS = frozenset({TradeKind.DIVIDEND, TradeKind.INTEREST})
WITH_FEES = frozenset({TradeKind.BUY, TradeKind.SELL, TradeKind.DIVIDEND, TradeKind.INTEREST,
                       TradeKind.FEE})


class CashInput(Protocol):
    """The typed fields the cash leg reads (``trades.TradeInput`` has them)."""

    @property
    def fx_rate(self) -> Decimal | str | None: ...
    @property
    def cash_amount(self) -> Decimal | str | int | None: ...


def exact(value: Decimal | str | int | None, name: str) -> Decimal:
    """A typed number as an exact ``Decimal`` (never a float), at most ``MAX_PLACES``
    places and ``money.MAX_WHOLE_DIGITS`` whole digits, naming ``name`` when it is not."""
    if value is None or isinstance(value, float | bool):
        raise ValidationError(name, f"{value!r} is not a number; pass a Decimal or a string")
    # text through the one parser of typed numbers: ASCII digits only ('٣' is not 3 here)
    number = (check_amount_size(value, name) if isinstance(value, Decimal)
              else parse_amount(str(value), name, example="12.5"))
    if number.as_tuple().exponent < -MAX_PLACES:  # type: ignore[operator]
        raise ValidationError(name, f"{value} has more than {MAX_PLACES} decimal places")
    return number


def cash_leg(kind: TradeKind, quantity: Decimal, price: Decimal, fees: int, data: CashInput,
              acc: Account, asset: Asset) -> int:
    """The signed cash leg in the account's minor units (see the module docstring)."""
    if kind not in WITH_FEES:
        for name in ("fx_rate", "cash_amount"):
            if getattr(data, name) is not None:
                raise ValidationError(name, f"a {kind.value} moves no cash")
        return 0
    gross_asset = price if kind in AMOUNTS else quantity * price
    sign = -1 if kind in (TradeKind.BUY, TradeKind.FEE) else 1
    if kind is TradeKind.FEE or asset.currency == acc.currency:
        for name in ("fx_rate", "cash_amount"):
            if getattr(data, name) is not None and kind is not TradeKind.FEE:
                raise ValidationError(name, f"{asset.symbol} and {acc.name!r} are both in "
                                            f"{acc.currency}; no conversion is needed")
        gross = 0 if kind is TradeKind.FEE else round_to_minor(gross_asset, acc.currency)
    elif data.fx_rate is not None and data.cash_amount is not None:
        raise ValidationError("cash_amount", "give either the FX rate or the cash amount, "
                                             "not both")
    elif data.fx_rate is not None:
        rate = exact(data.fx_rate, "fx_rate")
        if rate <= 0:
            raise ValidationError("fx_rate", "must be a positive number")
        gross = round_to_minor(gross_asset * rate, acc.currency)
    elif data.cash_amount is not None:
        booked = to_minor(exact(data.cash_amount, "cash_amount"), acc.currency, "cash_amount")
        if booked <= 0:
            raise ValidationError("cash_amount", "give the amount booked as a positive number")
        gross = booked - fees if sign < 0 else booked + fees
        if gross <= 0:
            raise ValidationError("cash_amount", "is not more than the fees")
    else:
        raise ValidationError("fx_rate", f"{asset.symbol} is priced in {asset.currency}, "
                                         f"{acc.name!r} is in {acc.currency}: give the FX rate "
                                         f"({asset.currency}→{acc.currency}) or the cash amount "
                                         f"booked in {acc.currency}")
    return sign * (gross + fees) if sign < 0 else gross - fees


def round_to_minor(value: Decimal, currency: str) -> int:
    with localcontext(prec=PRECISION):
        return int(value.scaleb(exponent(currency)).quantize(Decimal(1),
                                                             rounding=ROUND_HALF_EVEN))
