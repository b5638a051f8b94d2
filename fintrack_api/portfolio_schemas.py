"""JSON shapes of the portfolio: assets, trades, holdings with their lots, manual prices.

Quantities and prices are exact decimal strings like money (``"0.125"``, never a float: a
fractional share or a satoshi must survive the round trip). Money that is exact in the core
(a lot's cost, a trade's price per unit) is shown exactly; money the dashboard rounds
(values, gains) is rounded half-even to its currency's minor unit, as the CLI's ``--json``
does. Valuation, performance and gains are in ``fintrack_api.portfolio_reports``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from fintrack_api.schemas import Money, Strict, money
from fintrack_core.portfolio.assets import AssetView
from fintrack_core.portfolio.base_currency import round_amount
from fintrack_core.portfolio.lots import HoldingView
from fintrack_core.portfolio.trades import TradeView
from fintrack_core.prices import PriceView

AssetKindName = Literal["stock", "etf", "fund", "bond", "crypto", "cash_like", "other"]
ProviderName = Literal["yahoo", "coingecko", "manual"]
TradeKindName = Literal["buy", "sell", "dividend", "reinvest", "interest", "fee", "split",
                        "transfer_in", "transfer_out"]
DECIMAL_TEXT = 60  # characters; the core checks the numbers themselves and names the field


def exact(value: Decimal) -> str:
    """A Decimal as plain text: ``10`` not ``1E+1``, ``0.125`` as it is."""
    return format(value, "f")


def exact_money(value: Decimal, currency: str) -> Money:
    """Money shown exactly (a price per unit may have more decimals than the currency)."""
    return Money(amount=exact(value), currency=currency)


def round_money(value: Decimal, currency: str) -> Money:
    """Money rounded half-even to the currency's minor unit."""
    return Money(amount=exact(round_amount(value, currency)), currency=currency)


def rounded(value: Decimal | None, currency: str) -> Money | None:
    """``round_money``, where None (not computed: no price, no rate) stays None, never 0."""
    return None if value is None else round_money(value, currency)


def percent(value: Decimal | float | None) -> str | None:
    """A share (0.05) as per cent text with two decimals (``"5.00"``), as the CLI shows it."""
    if value is None:
        return None
    return f"{Decimal(str(value)) * 100:.2f}"


class Asset(BaseModel):
    id: int = Field(examples=[5])
    symbol: str = Field(examples=["VWCE"])
    name: str = Field(examples=["Vanguard FTSE All-World"])
    kind: str = Field(examples=["etf"])
    currency: str = Field(examples=["EUR"])
    provider: str = Field(examples=["yahoo"], description="yahoo, coingecko or manual")
    provider_id: str = Field(examples=["VWCE.DE"], description="The asset's id there")

    @classmethod
    def of(cls, a: AssetView) -> Asset:
        return cls(id=a.id, symbol=a.symbol, name=a.name, kind=a.kind.value,
                   currency=a.currency, provider=a.provider.value, provider_id=a.provider_id)


class AssetIn(Strict):
    symbol: str = Field(max_length=200, examples=["VWCE"])
    kind: AssetKindName = Field(examples=["etf"])
    currency: str = Field(max_length=3, examples=["EUR"])
    name: str = Field("", max_length=1000, examples=["Vanguard FTSE All-World"])
    provider: ProviderName | None = Field(
        None, description="Default: coingecko for crypto, manual for other and cash_like, "
                          "yahoo for the rest")
    provider_id: str | None = Field(None, max_length=1000, examples=["VWCE.DE"],
                                    description="Default: the symbol (CoinGecko: its id)")


class AssetPatch(Strict):
    """Fields to change; the currency of an asset with trades is fixed."""

    symbol: str | None = Field(None, max_length=200)
    kind: AssetKindName | None = None
    currency: str | None = Field(None, max_length=3)
    name: str | None = Field(None, max_length=1000)
    provider: ProviderName | None = None
    provider_id: str | None = Field(None, max_length=1000)


class Trade(BaseModel):
    id: int = Field(examples=[11])
    account_id: int = Field(examples=[7])
    asset_id: int = Field(examples=[5])
    symbol: str = Field(examples=["VWCE"])
    date: dt.date = Field(examples=["2024-02-01"])
    kind: str = Field(examples=["buy"])
    quantity: str = Field(examples=["10"], description="Exact decimal; a split's ratio")
    price: Money = Field(description="Per unit (a dividend's or interest's total), in the "
                                     "asset's currency, exact")
    fees: Money = Field(description="In the account's currency")
    cash: Money = Field(description="The signed cash leg in the account (0: none)")
    transaction_id: int | None = Field(examples=[42], description="The cash leg's transaction")
    notes: str = Field(examples=[""])
    external_id: str | None = Field(examples=["BROKER-2024-0201-1"])

    @classmethod
    def of(cls, t: TradeView, asset_currency: str) -> Trade:
        return cls(id=t.id, account_id=t.account_id, asset_id=t.asset_id, symbol=t.symbol,
                   date=t.date, kind=t.kind.value, quantity=exact(t.quantity),
                   price=exact_money(t.price, asset_currency),
                   fees=money(t.fees_minor, t.currency), cash=money(t.cash_minor, t.currency),
                   transaction_id=t.transaction_id, notes=t.notes, external_id=t.external_id)


class TradeIn(Strict):
    """What the Portfolio page's trade form takes (see ``fintrack_core.portfolio.trades``)."""

    account_id: int = Field(ge=1, le=2**63 - 1, examples=[7],
                            description="An investment account")
    asset_id: int = Field(ge=1, le=2**63 - 1, examples=[5])
    date: dt.date = Field(examples=["2024-02-01"])
    kind: TradeKindName = Field(examples=["buy"])
    quantity: str = Field("0", max_length=DECIMAL_TEXT, examples=["10"])
    price: str = Field("0", max_length=DECIMAL_TEXT, examples=["101.25"],
                       description="Per unit, in the asset's currency")
    fees: str = Field("0", max_length=DECIMAL_TEXT, examples=["1.50"],
                      description="In the account's currency")
    amount: str | None = Field(None, max_length=DECIMAL_TEXT, examples=[None],
                               description="A dividend's or interest's total")
    fx_rate: str | None = Field(None, max_length=DECIMAL_TEXT, examples=[None],
                                description="1 unit of the asset's currency in the "
                                            "account's, when they differ")
    cash_amount: str | None = Field(None, max_length=DECIMAL_TEXT, examples=[None],
                                    description="Or what the broker booked, account currency")
    notes: str = Field("", max_length=10_000)
    external_id: str | None = Field(None, max_length=1000, examples=["BROKER-2024-0201-1"])


class TradePatch(Strict):
    account_id: int | None = Field(None, ge=1, le=2**63 - 1)
    asset_id: int | None = Field(None, ge=1, le=2**63 - 1)
    date: dt.date | None = None
    kind: TradeKindName | None = None
    quantity: str | None = Field(None, max_length=DECIMAL_TEXT)
    price: str | None = Field(None, max_length=DECIMAL_TEXT)
    fees: str | None = Field(None, max_length=DECIMAL_TEXT)
    amount: str | None = Field(None, max_length=DECIMAL_TEXT)
    fx_rate: str | None = Field(None, max_length=DECIMAL_TEXT)
    cash_amount: str | None = Field(None, max_length=DECIMAL_TEXT)
    notes: str | None = Field(None, max_length=10_000)
    external_id: str | None = Field(None, max_length=1000)


class Lot(BaseModel):
    trade_id: int = Field(examples=[11], description="The trade that opened it")
    acquired: dt.date = Field(examples=["2024-02-01"])
    quantity: str = Field(examples=["6"])
    cost: Money = Field(description="Fees in, asset's currency, rounded")
    unit_cost: Money = Field(description="Exact")


class Holding(BaseModel):
    account_id: int = Field(examples=[7])
    asset_id: int = Field(examples=[5])
    symbol: str = Field(examples=["VWCE"])
    method: str = Field(examples=["fifo"], description="The account's cost-basis method")
    quantity: str = Field(examples=["6"])
    cost: Money
    average_cost: Money
    lots: list[Lot]

    @classmethod
    def of(cls, h: HoldingView) -> Holding:
        ccy = h.currency
        lots = [Lot(trade_id=lot.trade_id, acquired=lot.acquired, quantity=exact(lot.quantity),
                    cost=round_money(lot.cost, ccy),
                    unit_cost=exact_money(lot.unit_cost, ccy)) for lot in h.lots]
        return cls(account_id=h.account_id, asset_id=h.asset_id, symbol=h.symbol,
                   method=h.method.value, quantity=exact(h.quantity),
                   cost=round_money(h.cost, ccy),
                   average_cost=exact_money(h.average_cost, ccy), lots=lots)


class PriceIn(Strict):
    date: dt.date = Field(examples=["2024-03-28"])
    price: str = Field(max_length=DECIMAL_TEXT, examples=["112.50"],
                       description="Per unit; digits with '.' as the point")
    currency: str | None = Field(None, max_length=3, examples=["EUR"],
                                 description="Default: the asset's")


class Price(BaseModel):
    """The latest known price of an asset, with its age (``stale``: a market price older
    than the last trading day; a book's own price is never stale)."""

    asset_id: int = Field(examples=[5])
    symbol: str = Field(examples=["VWCE"])
    date: dt.date = Field(examples=["2024-03-28"])
    price: Money
    source: str = Field(examples=["manual"])
    fetched_at: dt.datetime
    own: bool = Field(description="The book's own price (typed or imported)")
    age_days: int = Field(examples=[3])
    stale: bool
    label: str = Field(examples=["price from 3 days ago"])

    @classmethod
    def of(cls, p: PriceView) -> Price:
        return cls(asset_id=p.asset_id, symbol=p.symbol, date=p.day,
                   price=exact_money(p.close, p.currency), source=p.source,
                   fetched_at=p.fetched_at, own=p.own, age_days=p.age_days, stale=p.stale,
                   label=p.label)
